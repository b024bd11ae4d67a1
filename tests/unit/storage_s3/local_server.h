#pragma once
// An httplib server on a free loopback port for the S3 unit tests, stopped and joined on scope
// exit: what the client sends is checked on the wire, not our own idea of it.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <thread>

namespace hs::test {

struct LocalServer {
  httplib::Server svr;
  std::thread thread;
  int port = 0;
  void start() {
    port = svr.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { svr.listen_after_bind(); });
    while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalServer() {
    svr.stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace hs::test
