#pragma once
// Text expansion litestream applies to its config: environment variables over the whole file
// text (Go's os.ExpandEnv) and `~` plus absolute paths for database and replica paths.
#include <functional>
#include <string>
#include <string_view>

namespace hs::config {

// Exactly Go's os.Expand: `$NAME` (letters, digits, '_'), `${NAME}`, `$` + one special char
// (`*#$@!?-` or a digit); `$` before anything else is kept; malformed `${` / `${}` is eaten.
// `lookup` returns "" for an unset variable, as os.ExpandEnv does.
std::string expand_vars(std::string_view text, const std::function<std::string(const std::string&)>& lookup);

// expand_vars with the process environment.
std::string expand_env(std::string_view text);

// "~" and "~/x" -> $HOME[/x]; a relative path is made absolute against the working directory and
// cleaned like Go's filepath.Abs. Throws std::runtime_error when HOME is needed but unset.
std::string expand_path(std::string_view path);

// Go's path.Clean for slash-separated paths ("" -> ".").
std::string clean_path(std::string_view path);

}  // namespace hs::config
