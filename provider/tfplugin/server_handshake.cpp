#include "tfplugin/server_handshake.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tfplugin::handshake {

std::string not_run_by_terraform_message(const std::string& program) {
  return "This binary is a plugin. These are not meant to be executed directly.\n"
         "Please execute the program that consumes these plugins, which will\n"
         "load any plugins automatically.\n"
         "(" +
         program + " is a Terraform provider: terraform runs it. To debug it, run it with -debug.)\n";
}

std::string check_protocol_versions(const char* env_value) {
  if (!env_value || !*env_value) return "";
  std::string list = env_value;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string v = list.substr(start, end - start);
    while (!v.empty() && v.front() == ' ') v.erase(v.begin());
    while (!v.empty() && v.back() == ' ') v.pop_back();
    if (v == "6") return "";
    start = end + 1;
  }
  return "PLUGIN_PROTOCOL_VERSIONS=\"" + list +
         "\" does not include 6, the only plugin protocol this provider speaks "
         "(terraform 1.0 or newer is needed)";
}

std::string handshake_line(const std::string& socket_path, const std::string& cert_base64) {
  return "1|6|unix|" + socket_path + "|grpc|" + cert_base64;
}

std::string reattach_line(const std::string& registry_address, long pid, const std::string& socket_path) {
  return "TF_REATTACH_PROVIDERS='{\"" + registry_address +
         "\":{\"Protocol\":\"grpc\",\"ProtocolVersion\":6,\"Pid\":" + std::to_string(pid) +
         ",\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":\"" + socket_path + "\"}}}'";
}

SocketDir::SocketDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp && *tmp ? tmp : "/tmp";
  // sun_path holds 108 bytes: fall back to /tmp when TMPDIR is deep.
  if (base.size() > 60) base = "/tmp";
  std::string templ = base + "/tfplugin-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data()))
    throw std::runtime_error("can't create a socket directory in " + base + ": " + std::strerror(errno));
  dir_ = buf.data();
  socket_ = dir_ + "/plugin.sock";
}

SocketDir::~SocketDir() {
  remove();
}

void SocketDir::remove() {
  if (dir_.empty()) return;
  ::unlink(socket_.c_str());
  ::rmdir(dir_.c_str());
  dir_.clear();
}

}  // namespace tfplugin::handshake
