/// \file page_task.hpp
/// \brief The run's list of pages to do, made before anything is decoded.
#pragma once

#include <string>
#include <vector>

#include "io/codec.hpp"
#include "io/inputs.hpp"
#include "io/page.hpp"

namespace pageprep::host {

/// A page to do, before it is decoded: cheap, so the whole run's list fits in memory.
struct PageTask {
  PageId id;
  std::string stem;       ///< the page stem: B, or B/p0001 in an N-page document
  std::string doc_stem;   ///< the document base B
  int32_t doc_pages = 1;  ///< pages in the document
  std::string key;
  PageError pre_error = PageError::kNone;  ///< failed before decoding (e.g. page count)
  std::string pre_message;
};

/// One task per page of every input file, in input order, with its output
/// stem and its journal key (input identity, page, `params_hash`).
std::vector<PageTask> list_page_tasks(const InputList& inputs, const std::string& params_hash,
                                      const DecodeLimits& limits);

}  // namespace pageprep::host
