#pragma once
// The `-exec` child of `replicate`: the app runs as our child, gets our environment, stdout and
// stderr, and replication stops when it exits (litestream's execCh). The command line is split
// like go-shellwords does (spaces separate words; single quotes, double quotes and backslashes
// group them); no shell runs it.
#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace hs::cli {

// Splits `cmd` into words; throws std::invalid_argument on an unclosed quote.
std::vector<std::string> split_shell_words(const std::string& cmd);

// Starts argv[0] from PATH with `signal_mask` restored (the parent blocks the signals it waits
// for). Throws std::runtime_error if fork fails; an exec failure makes the child exit 127.
pid_t start_child(const std::vector<std::string>& argv, const sigset_t& signal_mask);

// "exit status N" / "signal: terminated" as Go's exec.ExitError prints them; empty for status 0.
std::string describe_wait_status(int status);

}  // namespace hs::cli
