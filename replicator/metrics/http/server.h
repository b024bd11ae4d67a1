#pragma once
// The `addr` HTTP server: GET /metrics (Prometheus text of registry()), GET /healthz and GET /status.
// cpp-httplib with a 2-thread pool: scrapes and probes are rare and the Pi's memory is not.
//
//   hs::metrics::Server server;
//   server.start(cfg.addr.value());   // ":9090", "127.0.0.1:9090", "[::1]:9090"; throws on failure
//   ...
//   server.stop();                    // also done by the destructor
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace hs::metrics {

// The server could not start: bad address, or the port cannot be bound.
class ServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // /healthz answers 200 "ok" while this returns true (default: always), else 503 with `why`.
  void set_health_check(std::function<bool(std::string& why)> check);
  // GET /status answers 200 with this JSON (the `status` command's runtime facts); 404 while unset.
  void set_status(std::function<std::string()> json);

  // Binds and starts serving on a background thread (the caller logs litestream's
  // "serving metrics on" line). Throws ServerError ("cannot start metrics server: ...") when the
  // address is invalid or cannot be bound.
  void start(const std::string& addr);
  void stop();
  int port() const { return port_; }  // the bound port (useful with ":0" in tests)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace hs::metrics
