#include "storage/s3/s3_url.h"

#include "core/error.h"

namespace hs::storage {

std::string uri_encode(std::string_view s, bool keep_slash) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
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
