#pragma once
// Internal: the per-process server certificate of go-plugin's AutoMTLS.

#include <string>

namespace tfplugin::tls {

struct ServerCert {
  std::string key_pem;
  std::string cert_pem;
  std::string cert_der_base64;  // standard alphabet, no padding: go-plugin's RawStdEncoding
};

// A fresh P-256 key and a self-signed certificate with SAN DNS:localhost (what terraform's
// client verifies against; P-256 keeps start-up fast). Throws std::runtime_error on failure.
ServerCert make_server_cert();

std::string base64_no_padding(const std::string& bytes);

}  // namespace tfplugin::tls
