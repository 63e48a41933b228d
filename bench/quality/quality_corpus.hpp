/// \file quality_corpus.hpp
/// \brief The quality harness's deterministic corpus: content kinds x
/// degradation classes, and the orientation cases.
///
/// Everything here is a pure function of its arguments (fixed seeds; the
/// random draws use the raw 64-bit engine output, not std distributions, so
/// the corpus is the same with any standard library). Page i of class c has
/// content (i + c) mod 7, so even a few pages per class cover every content
/// kind across the corpus; comparisons are within a class (raw vs each
/// variant vs the clean original of the same pages).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/page_generator.hpp"

namespace pageprep::quality {

/// One kind of page content: layout, font and size.
struct Content {
  testsupport::Layout layout;
  const char* font;
  double pt;
  const char* name;  ///< short label for tables, e.g. "single serif 11pt"
};

/// The content cycle: single, two-column, table, figure, single mono,
/// sparse, blank.
const std::vector<Content>& contents();

/// A degradation class: a name and how its pages are degraded.
struct DegradationClass {
  const char* name;         ///< "clean", "skew", "noise", ...
  const char* description;  ///< parameter ranges, for the report
  bool skewed;              ///< pages carry a non-zero skew
};

const std::vector<DegradationClass>& degradation_classes();

/// The degradation of page `index` of class `cls` (index into degradation_classes()).
testsupport::Degradation degradation_for(int cls, int index);

struct CorpusPage {
  int cls = 0;
  int index = 0;
  int content = 0;  ///< index into contents()
  testsupport::PageSpec spec;
  testsupport::Degradation deg;
  std::string id;  ///< "<class>/<index>-<layout>"
};

/// pages_per_class pages of every class whose name is in `only` (all if empty).
std::vector<CorpusPage> make_corpus(int pages_per_class, const std::vector<std::string>& only);

/// Orientation cases: for each language (eng, chi_sim when `chinese`, rus
/// when `russian`; each keeps its seeds whichever others are present),
/// each quarter turn, `text_pages` text pages (single/two/table/figure, with
/// mild degradations and small skew) plus one sparse and one blank page.
struct OrientationCase {
  testsupport::PageSpec spec;
  testsupport::Degradation deg;
  std::string id;
  bool text_page = true;  ///< false: sparse or blank
};

std::vector<OrientationCase> make_orientation_cases(int text_pages, bool chinese, bool russian);

/// Pages without usable text (the skew and orientation gates must leave them
/// alone): blank, noisy and textured paper, scanner borders, a halftone and a
/// continuous-tone photo, bar charts, a signature, a lone page number, one
/// word; level and tilted. The same kinds as tests/unit/kernels/test_skew_evidence.cpp.
struct NoTextCase {
  std::string name;
  testsupport::PageSpec spec;
  testsupport::Degradation deg;
};

std::vector<NoTextCase> make_no_text_cases();

}  // namespace pageprep::quality
