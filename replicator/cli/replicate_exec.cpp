#include "cli/replicate_exec.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace hs::cli {

std::vector<std::string> split_shell_words(const std::string& cmd) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < cmd.size(); ++i) {
    char c = cmd[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < cmd.size() &&
                 (cmd[i + 1] == '"' || cmd[i + 1] == '\\' || cmd[i + 1] == '$')) {
        cur += cmd[++i];
      } else {
        cur += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(cur), cur.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '\\' && i + 1 < cmd.size()) {
      cur += cmd[++i];
    } else {
      cur += c;
    }
  }
  if (quote) throw std::invalid_argument("invalid command line string");
  if (in_word) words.push_back(cur);
  return words;
}

pid_t start_child(const std::vector<std::string>& argv, const sigset_t& signal_mask) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::sigprocmask(SIG_SETMASK, &signal_mask, nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "exec: \"%s\": %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) {
    int code = WEXITSTATUS(status);
    return code == 0 ? "" : "exit status " + std::to_string(code);
  }
  if (WIFSIGNALED(status)) {
    const char* name = ::strsignal(WTERMSIG(status));
    std::string s = name ? name : "unknown";
    for (auto& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return "signal: " + s;
  }
  return "";
}

}  // namespace hs::cli
