// The S3 response parsers (ListObjects v1/v2 pages, error bodies, multipart and DeleteObjects
// results, LastModified times): every parser on every input, as any of them may be handed any
// body a broken or hostile gateway sends. Property: never a crash or UB; bad documents throw
// core::Error only (the client turns those into a failed request naming the document).
#include <cstdint>
#include <string>

#include "core/error.h"
#include "fuzz_check.h"
#include "storage/s3/s3_xml.h"

using namespace hs::storage;

template <typename F>
void expect_core_error_only(F&& f) {
  try {
    f();
  } catch (const hs::core::Error&) {
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml = hs::fuzz::as_text(data, size);
  expect_core_error_only([&] {
    ListPage page = parse_list_page(xml);
    std::string marker = page.resume_marker();
    if (page.is_truncated)
      FUZZ_CHECK(!marker.empty() || !page.next_continuation_token.empty(), "truncated page with no way to continue");
    for (const auto& o : page.contents) FUZZ_CHECK(!o.key.empty() && o.size >= 0, "bad object " + o.key);
  });
  if (auto e = parse_error_body(xml)) (void)e->code.size();
  expect_core_error_only([&] { FUZZ_CHECK(!parse_upload_id(xml).empty(), "empty UploadId accepted"); });
  expect_core_error_only([&] { parse_complete_multipart(xml); });
  expect_core_error_only([&] { parse_delete_result(xml); });
  for (std::string_view line : hs::fuzz::lines(xml, 8)) expect_core_error_only([&] { parse_s3_time(line); });
  return 0;
}
