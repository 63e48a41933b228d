/// \file page_record.hpp
/// \brief A page's line in pages.jsonl (and in the journal), made from its PageWork.
#pragma once

#include <cstdint>
#include <string>

#include "model/page_work.hpp"

namespace pageprep::host {

/// A finished page as the journal stage sees it: images already freed.
struct PageRecord {
  int64_t ordinal = 0;
  std::string key;
  std::string json;
  bool ok = false;
  std::string input;
  std::string doc;  ///< document base
  int32_t page = 0;
  std::string part;   ///< "L"/"R": a half of a split spread (journal.hpp); "" whole
  int32_t parts = 1;  ///< records its page makes (2 for a split spread's halves)
  std::string error_code;
  std::string message;
  double skew_deg = 0;
  bool have_cer = false;
  double cer = -1, cer_raw = -1;
  bool script_mismatch = false;  ///< a forced -l that cannot read the page's script
  bool model_missing = false;    ///< the page's script has no installed model
  std::string warning;           ///< one stderr line for either, "" when none
};

/// The page's pages.jsonl object (one line of JSON, no newline).
std::string page_record_json(const PageWork& w);

/// The record the journal stage keeps for `w`: its JSON and the fields the
/// run's summary needs, so the page's images can be freed.
PageRecord make_page_record(const PageWork& w);

}  // namespace pageprep::host
