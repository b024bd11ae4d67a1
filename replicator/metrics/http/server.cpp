#include "metrics/http/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <mutex>

#include "metrics/metrics.h"

namespace hs::metrics {

struct Server::Impl {
  httplib::Server http;
  std::mutex mu;
  std::function<bool(std::string&)> health;
  std::function<std::string()> status;
};

Server::Server() : impl_(std::make_unique<Impl>()) {
  impl_->http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default also sets SO_REUSEPORT, which would let a second replicator bind the same
  // port silently and steal half the scrapes; a busy port must be an error instead.
  impl_->http.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  impl_->http.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry().render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl_->http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::function<bool(std::string&)> check;
    {
      std::lock_guard<std::mutex> g(impl_->mu);
      check = impl_->health;
    }
    std::string why;
    if (!check || check(why)) {
      res.set_content("ok\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content(why + "\n", "text/plain");
    }
  });
  impl_->http.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    std::function<std::string()> status;
    {
      std::lock_guard<std::mutex> g(impl_->mu);
      status = impl_->status;
    }
    if (!status) {
      res.status = 404;
      res.set_content("no status\n", "text/plain");
      return;
    }
    res.set_content(status(), "application/json");
  });
}

Server::~Server() {
  stop();
}

void Server::set_health_check(std::function<bool(std::string& why)> check) {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->health = std::move(check);
}

void Server::set_status(std::function<std::string()> json) {
  std::lock_guard<std::mutex> g(impl_->mu);
  impl_->status = std::move(json);
}

void Server::start(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos)
    throw ServerError("cannot start metrics server: missing port in address \"" + addr + "\"");
  std::string host = addr.substr(0, colon);
  const std::string port_text = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";  // Go's ":9090" listens on every interface
  int port = 0;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size() || port < 0 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    throw ServerError("cannot start metrics server: invalid port \"" + port_text + "\" in address \"" + addr + "\"");
  }
  if (port == 0)
    port = impl_->http.bind_to_any_port(host);
  else if (!impl_->http.bind_to_port(host, port))
    port = -1;
  if (port <= 0) throw ServerError("cannot start metrics server: cannot listen on " + addr);
  port_ = port;
  thread_ = std::thread([this] { impl_->http.listen_after_bind(); });
  // httplib's stop() is lost if it comes before the accept loop runs (the loop would then never
  // end and stop() would hang joining it), so start() returns only once the loop is running.
  while (!impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Server::stop() {
  if (thread_.joinable()) {
    impl_->http.stop();
    thread_.join();
  }
}

}  // namespace hs::metrics
