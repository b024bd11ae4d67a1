#include "storage/s3/s3_url.h"

#include <regex>

#include "core/error.h"

namespace hs::storage {
namespace {

// Splits "host:port" (also "[v6]:port"); port is "" when absent.
void split_host_port(std::string_view s, std::string& host, std::string& port) {
  host.assign(s);
  port.clear();
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close != std::string_view::npos) {
      host.assign(s.substr(1, close - 1));
      if (close + 1 < s.size() && s[close + 1] == ':') port.assign(s.substr(close + 2));
    }
    return;
  }
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos && s.find(':') == colon) {
    host.assign(s.substr(0, colon));
    port.assign(s.substr(colon + 1));
  }
}

}  // namespace

S3Host parse_s3_host(std::string_view s) {
  std::string host, port;
  split_host_port(s, host, port);

  // The same patterns litestream uses (including its unescaped '.' after "s3").
  static const std::regex localhost(R"(^(?:(.+)\.)?localhost$)");
  static const std::regex backblaze(R"(^(?:(.+)\.)?s3.([^.]+)\.backblazeb2.com$)");
  static const std::regex filebase(R"(^(?:(.+)\.)?s3.filebase.com$)");
  static const std::regex digitalocean(R"(^(?:(.+)\.)?([^.]+)\.digitaloceanspaces.com$)");
  static const std::regex scaleway(R"(^(?:(.+)\.)?s3.([^.]+)\.scw\.cloud$)");
  static const std::regex linode(R"(^(?:(.+)\.)?([^.]+)\.linodeobjects.com$)");

  S3Host out;
  out.force_path_style = true;
  std::string scheme = "https";
  std::smatch m;
  if (std::regex_match(host, m, localhost)) {
    out.bucket = m[1];
    out.region = "us-east-1";
    scheme = "http";
    out.endpoint = "localhost";
  } else if (std::regex_match(host, m, backblaze)) {
    out.bucket = m[1];
    out.region = m[2];
    out.endpoint = "s3." + out.region + ".backblazeb2.com";
  } else if (std::regex_match(host, m, filebase)) {
    out.bucket = m[1];
    out.endpoint = "s3.filebase.com";
  } else if (std::regex_match(host, m, digitalocean)) {
    out.bucket = m[1];
    out.region = m[2];
    out.endpoint = out.region + ".digitaloceanspaces.com";
  } else if (std::regex_match(host, m, scaleway)) {
    out.bucket = m[1];
    out.region = m[2];
    out.endpoint = "s3." + out.region + ".scw.cloud";
  } else if (std::regex_match(host, m, linode)) {
    out.bucket = m[1];
    out.region = m[2];
    out.endpoint = out.region + ".linodeobjects.com";
  } else {
    out.bucket = host;
    out.force_path_style = false;
  }
  if (!out.endpoint.empty()) {
    if (!port.empty()) out.endpoint += ":" + port;
    out.endpoint = scheme + "://" + out.endpoint;
  }
  return out;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string join_key(std::string_view prefix, std::string_view rest) {
  std::string joined;
  auto append = [&](std::string_view part) {
    size_t i = 0;
    while (i < part.size()) {
      size_t j = part.find('/', i);
      if (j == std::string_view::npos) j = part.size();
      auto seg = part.substr(i, j - i);
      if (!seg.empty() && seg != ".") {
        if (seg == "..") {
          auto cut = joined.rfind('/');
          joined.erase(cut == std::string::npos ? 0 : cut);
        } else {
          if (!joined.empty()) joined += '/';
          joined += seg;
        }
      }
      i = j + 1;
    }
  };
  append(prefix);
  append(rest);
  return joined;
}

S3Addressing::S3Addressing(const S3Options& opts)
    : bucket_(opts.bucket),
      region_(opts.region.empty() ? "us-east-1" : opts.region),
      path_style_(opts.force_path_style) {
  if (bucket_.empty()) throw core::Error("s3 replica: bucket required");
  std::string ep = opts.endpoint;
  if (ep.empty()) {
    scheme_ = "https";
    authority_ = region_ == "us-east-1" ? "s3.amazonaws.com" : "s3." + region_ + ".amazonaws.com";
    return;
  }
  auto sep = ep.find("://");
  if (sep == std::string::npos) {
    scheme_ = "https";
  } else {
    scheme_ = ep.substr(0, sep);
    ep = ep.substr(sep + 3);
    if (scheme_ != "http" && scheme_ != "https")
      throw core::Error("s3 replica: endpoint \"" + opts.endpoint + "\": scheme must be http or https");
  }
  auto slash = ep.find('/');
  authority_ = ep.substr(0, slash);
  if (slash != std::string::npos) {
    base_path_ = ep.substr(slash);
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  }
  if (authority_.empty()) throw core::Error("s3 replica: endpoint \"" + opts.endpoint + "\" has no host");
}

std::string S3Addressing::url(std::string_view key, const std::map<std::string, std::string>& query) const {
  std::string u = scheme_ + "://";
  if (path_style_) {
    u += authority_ + base_path_ + "/" + uri_encode(bucket_, false);
    if (!key.empty()) u += "/" + uri_encode(key, true);
  } else {
    u += uri_encode(bucket_, false) + "." + authority_ + base_path_ + "/" + uri_encode(key, true);
  }
  // std::map iterates in key order: the canonical (sorted) query SigV4 expects. "k=" for empty
  // values because SigV4's canonical form of "?delete" is "delete=".
  char sep = '?';
  for (const auto& [k, v] : query) {
    u += sep;
    u += uri_encode(k, false) + "=" + uri_encode(v, false);
    sep = '&';
  }
  return u;
}

}  // namespace hs::storage
