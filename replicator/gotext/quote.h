#pragma once
// Go's string quoting: strconv.Quote, and the rule slog's TextHandler uses to decide whether a key or
// value needs it, so our text log lines parse like litestream's (logfmt readers, Fluent Bit rules).
#include <string>
#include <string_view>

namespace hs::gotext {

// strconv.Quote: "\"a\\tb\"". Invalid UTF-8 bytes print as \xNN, unprintable runes as \uNNNN.
std::string quote(std::string_view s);
// slog's needsQuoting: empty, a space or '=', anything JSON would escape except '\\', invalid UTF-8,
// and non-ASCII space or unprintable runes.
bool slog_needs_quoting(std::string_view s);
// `s` as slog's TextHandler prints a key or string value: quoted only when it needs it.
std::string slog_text(std::string_view s);

}  // namespace hs::gotext
