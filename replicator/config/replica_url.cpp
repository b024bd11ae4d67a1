#include "config/replica_url.h"

#include <regex>

#include "config/config.h"
#include "config/expand.h"

namespace hs::config {

// std::regex matching recurses about once per character: a 100 KB value overflowed the stack.
// Real URLs and hosts are far shorter (an S3 key is at most 1024 bytes, a host name 253).
constexpr size_t kMaxUrl = 4096;

ReplicaUrl split_replica_url(std::string_view url, const std::string& what) {
  if (url.size() > kMaxUrl)
    throw ConfigError(what + ": replica url is longer than " + std::to_string(kMaxUrl) + " bytes");
  const std::string u(url);
  static const std::regex scheme_re(R"(^([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)([^?#]*)(.*)$)");
  std::smatch m;
  if (!std::regex_match(u, m, scheme_re))
    throw ConfigError(what + ": replica url scheme required (e.g. s3://bucket/path or file:///dir): \"" + u + "\"");
  ReplicaUrl out;
  out.scheme = m[1];
  for (auto& ch : out.scheme) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  out.host = m[2];
  const std::string p = m[3];
  if (!std::string(m[4]).empty())
    throw ConfigError(what + ": replica url must not have a query or fragment: \"" + u + "\"");
  if (out.host.find('@') != std::string::npos)
    throw ConfigError(what + ": replica url must not contain credentials; use access-key-id/secret-access-key");
  if (out.scheme == "file") {
    // file://host/path is not a thing for litestream: it keeps host+path as the path.
    std::string whole = out.host + p;
    if (whole.empty()) throw ConfigError(what + ": file replica url has no path: \"" + u + "\"");
    out.path = clean_path(whole);
    out.host.clear();
  } else {
    if (out.host.empty()) throw ConfigError(what + ": replica url has no host (bucket): \"" + u + "\"");
    std::string cleaned = p.empty() ? "" : clean_path(p);
    while (!cleaned.empty() && cleaned.front() == '/') cleaned.erase(0, 1);
    if (cleaned == ".") cleaned.clear();
    out.path = cleaned;
  }
  return out;
}

S3HostParts parse_s3_host(std::string_view s) {
  std::string host(s), port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close != std::string::npos) {
      if (close + 1 < host.size() && host[close + 1] == ':') port = host.substr(close + 2);
      host = host.substr(1, close - 1);
    }
  } else if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(':') == colon) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  // litestream's patterns, including its unescaped '.' after "s3".
  static const std::regex localhost(R"(^(?:(.+)\.)?localhost$)");
  static const std::regex backblaze(R"(^(?:(.+)\.)?s3.([^.]+)\.backblazeb2.com$)");
  static const std::regex filebase(R"(^(?:(.+)\.)?s3.filebase.com$)");
  static const std::regex digitalocean(R"(^(?:(.+)\.)?([^.]+)\.digitaloceanspaces.com$)");
  static const std::regex scaleway(R"(^(?:(.+)\.)?s3.([^.]+)\.scw\.cloud$)");
  static const std::regex linode(R"(^(?:(.+)\.)?([^.]+)\.linodeobjects.com$)");
  S3HostParts out;
  std::string scheme = "https", endpoint;
  std::smatch m;
  if (host.size() > kMaxUrl) {
    out.bucket = host;  // no known provider's host; validation rejects it as a bucket name
  } else if (std::regex_match(host, m, localhost)) {
    out.bucket = m[1];
    out.region = "us-east-1";
    scheme = "http";
    endpoint = "localhost";
  } else if (std::regex_match(host, m, backblaze)) {
    out.bucket = m[1];
    out.region = m[2];
    endpoint = "s3." + out.region + ".backblazeb2.com";
  } else if (std::regex_match(host, m, filebase)) {
    out.bucket = m[1];
    endpoint = "s3.filebase.com";
  } else if (std::regex_match(host, m, digitalocean)) {
    out.bucket = m[1];
    out.region = m[2];
    endpoint = out.region + ".digitaloceanspaces.com";
  } else if (std::regex_match(host, m, scaleway)) {
    out.bucket = m[1];
    out.region = m[2];
    endpoint = "s3." + out.region + ".scw.cloud";
  } else if (std::regex_match(host, m, linode)) {
    out.bucket = m[1];
    out.region = m[2];
    endpoint = out.region + ".linodeobjects.com";
  } else {
    out.bucket = host;
    if (!port.empty()) out.bucket += ":" + port;  // keep what the user wrote; validation rejects it
  }
  if (!endpoint.empty()) {
    if (!port.empty()) endpoint += ":" + port;
    out.endpoint = scheme + "://" + endpoint;
    out.force_path_style = true;
  }
  return out;
}

}  // namespace hs::config
