#include "storage/s3/s3_xml.h"

#include <pugixml.hpp>

#include <cstdio>
#include <ctime>

#include "core/error.h"

namespace hs::storage {
namespace {

pugi::xml_document load(std::string_view xml, const char* what) {
  pugi::xml_document doc;
  auto res = doc.load_buffer(xml.data(), xml.size());
  if (!res) {
    throw core::Error(std::string("S3 ") + what + ": response is not XML (" + res.description() +
                      "): " + std::string(xml.substr(0, 200)));
  }
  return doc;
}

std::string child_text(const pugi::xml_node& n, const char* name) {
  return n.child(name).text().as_string();
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string ListPage::resume_marker() const {
  if (!next_marker.empty()) return next_marker;
  // v1 without a delimiter sends no NextMarker: continue after the greatest name on the page.
  std::string last = contents.empty() ? std::string() : contents.back().key;
  if (!common_prefixes.empty() && common_prefixes.back() > last) last = common_prefixes.back();
  return last;
}

ListPage parse_list_page(std::string_view xml) {
  auto doc = load(xml, "ListObjects");
  auto root = doc.child("ListBucketResult");
  if (!root) throw core::Error("S3 ListObjects: no ListBucketResult in response: " + std::string(xml.substr(0, 200)));
  ListPage page;
  page.is_truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_marker = child_text(root, "NextMarker");
  page.next_continuation_token = child_text(root, "NextContinuationToken");
  for (auto c : root.children("Contents")) {
    S3Object o;
    o.key = child_text(c, "Key");
    if (o.key.empty()) throw core::Error("S3 ListObjects: Contents without Key");
    o.size = c.child("Size").text().as_llong(-1);
    if (o.size < 0) throw core::Error("S3 ListObjects: bad Size for key " + o.key);
    o.last_modified = parse_s3_time(child_text(c, "LastModified"));
    page.contents.push_back(std::move(o));
  }
  for (auto p : root.children("CommonPrefixes")) page.common_prefixes.push_back(child_text(p, "Prefix"));
  if (page.is_truncated && page.resume_marker().empty() && page.next_continuation_token.empty())
    throw core::Error("S3 ListObjects: truncated page with nothing to continue from");
  return page;
}

std::optional<S3ErrorBody> parse_error_body(std::string_view xml) {
  pugi::xml_document doc;
  if (xml.empty() || !doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  auto e = doc.child("Error");
  if (!e) return std::nullopt;
  return S3ErrorBody{child_text(e, "Code"), child_text(e, "Message"), child_text(e, "Region")};
}

std::string parse_upload_id(std::string_view xml) {
  auto doc = load(xml, "CreateMultipartUpload");
  std::string id = child_text(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) throw core::Error("S3 CreateMultipartUpload: no UploadId in response");
  return id;
}

std::string complete_multipart_xml(const std::vector<std::string>& etags) {
  std::string x = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    x += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + xml_escape(etags[i]) + "</ETag></Part>";
  }
  return x + "</CompleteMultipartUpload>";
}

std::optional<S3ErrorBody> parse_complete_multipart(std::string_view xml) {
  if (auto err = parse_error_body(xml)) return err;
  auto doc = load(xml, "CompleteMultipartUpload");
  if (!doc.child("CompleteMultipartUploadResult"))
    throw core::Error("S3 CompleteMultipartUpload: unexpected response: " + std::string(xml.substr(0, 200)));
  return std::nullopt;
}

std::string delete_objects_xml(const std::vector<std::string>& keys) {
  std::string x = "<Delete><Quiet>true</Quiet>";
  for (const auto& k : keys) x += "<Object><Key>" + xml_escape(k) + "</Key></Object>";
  return x + "</Delete>";
}

std::vector<DeleteFailure> parse_delete_result(std::string_view xml) {
  auto doc = load(xml, "DeleteObjects");
  auto root = doc.child("DeleteResult");
  if (!root) throw core::Error("S3 DeleteObjects: unexpected response: " + std::string(xml.substr(0, 200)));
  std::vector<DeleteFailure> out;
  for (auto e : root.children("Error"))
    out.push_back({child_text(e, "Key"), child_text(e, "Code"), child_text(e, "Message")});
  return out;
}

std::chrono::system_clock::time_point parse_s3_time(std::string_view s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  char tail[32] = {0};
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec, tail) < 6)
    throw core::Error("S3 ListObjects: bad LastModified \"" + str + "\"");
  // Fields in range only: timegm would carry month 99 into later years, and a time outside
  // 1678..2261 does not fit system_clock's int64 nanoseconds (a signed overflow, not an error).
  if (y < 1678 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 60)
    throw core::Error("S3 ListObjects: LastModified \"" + str + "\" out of range");
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  auto tp = std::chrono::system_clock::from_time_t(timegm(&tm));
  // Fractional seconds: S3 sends milliseconds; keep them (restore -timestamp compares them).
  if (tail[0] == '.') {
    int64_t frac = 0, scale = 1;
    for (const char* p = tail + 1; *p >= '0' && *p <= '9' && scale < 1000000000; ++p) {
      frac = frac * 10 + (*p - '0');
      scale *= 10;
    }
    tp += std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::nanoseconds(frac * (1000000000 / scale)));
  }
  return tp;
}

}  // namespace hs::storage
