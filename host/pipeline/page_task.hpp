/// \file page_task.hpp
/// \brief The run's list of documents and pages to do, made before anything is
/// decoded: cheap, so the whole run's list fits in memory.
#pragma once

#include <string>
#include <vector>

#include "io/codec.hpp"
#include "io/inputs.hpp"
#include "io/page.hpp"
#include "pipeline/outdir.hpp"

namespace pageprep::host {

/// One input file: its output base (output_names.hpp) and page count.
struct DocumentTask {
  std::string path;
  std::string base;
  int32_t pages = 1;
  InputIdentity identity;
  PageError error = PageError::kNone;  ///< the file failed before decoding (page count)
  std::string message;
};

/// A page to do, before it is decoded.
struct PageTask {
  PageId id;
  int32_t doc = 0;                         ///< index into PageTasks::documents
  std::string stem;                        ///< the page's output stem: the base, or base/p0001
  std::string key;                         ///< journal key
  PageError pre_error = PageError::kNone;  ///< failed before decoding (page count, claims)
  std::string pre_message;
};

struct PageTasks {
  std::vector<DocumentTask> documents;
  std::vector<PageTask> pages;  ///< in input order
};

/// One task per page of every input file, in input order, with its output
/// stem and its journal key (document base, page, input size and mtime,
/// `params_hash`).
PageTasks list_page_tasks(const InputList& inputs, const std::string& params_hash,
                          const DecodeLimits& limits);

}  // namespace pageprep::host
