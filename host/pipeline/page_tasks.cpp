#include <cstdio>

#include "io/file_read.hpp"
#include "io/output_names.hpp"
#include "pipeline/page_task.hpp"

namespace pageprep::host {

PageTasks list_page_tasks(const InputList& inputs, const std::string& params_hash,
                          const DecodeLimits& limits) {
  PageTasks t;
  SiblingIndex siblings;
  int64_t ordinal = 0;
  for (const auto& f : inputs.files) {
    if (io_stop_requested()) break;  // the caller sees the stop and ends the run
    DocumentTask d;
    d.path = f.path;
    d.base = document_base(f, siblings);
    d.identity = identify_input(f.path);
    PageCount pc;
    if (f.error != PageError::kNone) {  // a listing error (io/inputs.hpp), reported as a page
      pc.error = f.error;
      pc.message = f.message;
    } else {
      pc = count_pages(f.path, limits);
    }
    if (pc.error != PageError::kNone) {
      d.error = pc.error;
      d.message = pc.message;
    }
    d.pages = pc.error == PageError::kNone ? std::max(1, pc.count) : 1;
    const std::string ident =
        std::to_string(d.identity.size) + ":" + std::to_string(d.identity.mtime_ns);
    const int32_t doc = static_cast<int32_t>(t.documents.size());
    for (int32_t p = 0; p < d.pages; ++p) {
      PageTask task;
      task.id = {f.path, p, ordinal++};
      task.doc = doc;
      task.stem = page_stem(d.base, p, d.pages);
      task.key = d.base + "|" + std::to_string(p) + "|" + ident + "|" + params_hash;
      task.pre_error = d.error;
      task.pre_message = d.message;
      t.pages.push_back(std::move(task));
    }
    t.documents.push_back(std::move(d));
  }
  return t;
}

}  // namespace pageprep::host
