// TLS is verified unless skip-verify: a self-signed endpoint (fresh key made with the openssl CLI)
// is refused by default with a certificate error and accepted with skip_verify.
#include <catch2/catch.hpp>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "storage/s3/s3_http.h"

using namespace hs::storage;
namespace fs = std::filesystem;

TEST_CASE("TLS: certificates are verified unless skip_verify") {
  fs::path dir = fs::temp_directory_path() / ("hs-s3-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout '" + key +
                    "' -out '" + cert + "' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);

  httplib::SSLServer svr(cert.c_str(), key.c_str());
  REQUIRE(svr.is_valid());
  svr.Get("/bkt/k", [](const httplib::Request&, httplib::Response& res) { res.set_content("secure", "text/plain"); });
  int port = svr.bind_to_any_port("127.0.0.1");
  std::thread t([&] { svr.listen_after_bind(); });
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  S3Options o;
  o.bucket = "bkt";
  o.endpoint = "https://127.0.0.1:" + std::to_string(port);
  o.force_path_style = true;
  o.access_key_id = "id";
  o.secret_access_key = "secret";
  o.retry.max_attempts = 1;
  S3Request req;
  req.key = "k";
  try {
    S3Http(o).perform(req);
    FAIL("a self-signed certificate was accepted without skip_verify");
  } catch (const hs::core::Error& e) {
    INFO(e.what());
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("S3 GET bkt/k: ") && Catch::Contains("certificate"));
  }
  o.skip_verify = true;
  CHECK(S3Http(o).perform(req).body == "secure");

  svr.stop();
  t.join();
  fs::remove_all(dir);
}
