#pragma once
// Internal: go-plugin's process contract (environment checks, socket directory, the stdout line).

#include <string>

namespace tfplugin::handshake {

inline constexpr const char* kCookieKey = "TF_PLUGIN_MAGIC_COOKIE";
inline constexpr const char* kCookieValue = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

// The message go-plugin servers print when run by hand.
std::string not_run_by_terraform_message(const std::string& program);

// "" when PLUGIN_PROTOCOL_VERSIONS (a comma list, any order; unset = ours) includes 6, else what is wrong.
std::string check_protocol_versions(const char* env_value);

// `1|6|unix|PATH|grpc|CERT` (CERT empty without TLS), no newline.
std::string handshake_line(const std::string& socket_path, const std::string& cert_base64);

// The line `-debug` prints for the user: TF_REATTACH_PROVIDERS='{...}'.
std::string reattach_line(const std::string& registry_address, long pid, const std::string& socket_path);

// A private (0700) directory for the unix socket, removed with its contents on destruction.
class SocketDir {
 public:
  SocketDir();  // throws std::runtime_error
  ~SocketDir();
  SocketDir(const SocketDir&) = delete;
  SocketDir& operator=(const SocketDir&) = delete;
  const std::string& socket_path() const { return socket_; }
  void remove();  // idempotent

 private:
  std::string dir_, socket_;
};

}  // namespace tfplugin::handshake
