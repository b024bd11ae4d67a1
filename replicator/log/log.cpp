// The process-wide logger: options, level filter, one write per line, WARN/ERROR hooks.
#include "log/log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace hs::log {
namespace {

struct State {
  std::mutex out_mu;  // serialises lines so they never interleave
  Options opts;
  std::shared_mutex hooks_mu;
  std::map<HookId, std::function<void(const Event&)>> hooks;
  HookId next_hook = 1;
  std::mutex opts_mu;
};

State& state() {
  static State* s = new State;  // never destroyed: threads may log during static destruction
  return *s;
}

thread_local int suppress_depth = 0;

void write_all(int fd, std::string_view line) {
  // Commands also print tables and usage through stdio: flush it first so lines keep their order.
  std::fflush(fd == STDERR_FILENO ? stderr : stdout);
  while (!line.empty()) {
    ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing log stream
    }
    line.remove_prefix(size_t(n));
  }
}

}  // namespace

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
  }
  return "INFO";
}

Level parse_level(std::string_view s) {
  std::string u(s);
  std::transform(u.begin(), u.end(), u.begin(), ::toupper);
  if (u == "DEBUG") return Level::debug;
  if (u == "WARN" || u == "WARNING") return Level::warn;
  if (u == "ERROR") return Level::error;
  return Level::info;
}

void configure(const Options& opts) {
  std::lock_guard<std::mutex> g(state().out_mu);
  state().opts = opts;
}

Options current_options() {
  std::lock_guard<std::mutex> g(state().out_mu);
  return state().opts;
}

bool enabled(Level l) {
  std::lock_guard<std::mutex> g(state().out_mu);
  return int(l) >= int(state().opts.level);
}

void log(Level l, std::string_view msg, Fields fields) {
  log(l, msg, std::vector<Field>(fields));
}

void log(Level l, std::string_view msg, const std::vector<Field>& fields) {
  State& s = state();
  Event e{std::chrono::system_clock::now(), l, std::string(msg), fields, {}};
  const bool hooked = int(l) >= int(Level::warn) && suppress_depth == 0;
  if (hooked) e.json = format_json(e);
  {
    std::lock_guard<std::mutex> g(s.out_mu);
    if (int(l) >= int(s.opts.level)) {
      std::string line;
      switch (s.opts.format) {
        case Format::text: line = format_text(e); break;
        case Format::json: line = e.json.empty() ? format_json(e) : e.json; break;
        case Format::go_default: line = format_go_default(e); break;
      }
      line += '\n';
      if (s.opts.writer)
        s.opts.writer(line);
      else
        write_all(s.opts.to_stderr ? STDERR_FILENO : STDOUT_FILENO, line);
    }
  }
  // Alerts see WARN/ERROR even below the configured level (a WARN level never hides an ERROR,
  // and an ERROR level still lets alerts hear warnings: the alert throttle is the filter).
  if (hooked) {
    HookSuppressor no_recursion;  // a hook that logs must not re-enter the hooks
    std::shared_lock<std::shared_mutex> g(s.hooks_mu);
    for (auto& [id, hook] : s.hooks) hook(e);
  }
}

HookId add_hook(std::function<void(const Event&)> hook) {
  std::unique_lock<std::shared_mutex> g(state().hooks_mu);
  HookId id = state().next_hook++;
  state().hooks.emplace(id, std::move(hook));
  return id;
}

void remove_hook(HookId id) {
  std::unique_lock<std::shared_mutex> g(state().hooks_mu);
  state().hooks.erase(id);
}

HookSuppressor::HookSuppressor() {
  ++suppress_depth;
}
HookSuppressor::~HookSuppressor() {
  --suppress_depth;
}

}  // namespace hs::log
