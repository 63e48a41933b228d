/// \file hostile_pdfs.hpp
/// \brief The hostile-PDF corpus of issue 20: PDFs built object by object (and
/// rewritten with qpdf's API for encryption, linearization and truncation),
/// one or more per red-team item, each with what a correct run must give.
///
/// Contract:
/// - hostile_pdfs() is a pure function of the two text pages it is given: the
///   same bytes every call, no files written, no programs run.
/// - Every case states its expectation as data (HostileExpect): which error
///   codes its pages may get (none: every page must be ok), how many page
///   records it must have, words that must be read (the visible text) and
///   words that must never be read (hidden content). The runner
///   (tests/e2e/test_hostile_corpus.cpp) checks them, plus the rules every
///   case shares (no crash, no hang, RSS, qpdf --check on every output PDF).
/// - `item` names the issue 20 item or red-team class the case stands for.
#pragma once

#include <opencv2/core/mat.hpp>

#include <set>
#include <string>
#include <vector>

namespace pageprep::testsupport {

/// A gray text image with its truth (from generate_page) at `dpi`.
struct TextImage {
  cv::Mat gray;  ///< CV_8UC1, black ink on white
  std::string text;
  int dpi = 150;
};

struct HostileExpect {
  std::set<std::string> errors;        ///< error codes the pages may get; empty: all ok
  int pages = 1;                       ///< page records the input must give (-1: any)
  int ok_pages = -2;                   ///< exactly this many ok pages; -1: any; -2: all (`pages`)
  std::vector<std::string> must_read;  ///< >= 70% of these words in the text outputs
  std::vector<std::string> must_not_read;  ///< none of these anywhere in the outputs' text
  int width = 0;                           ///< > 0: every ok page is this wide (pixels)
  bool blank_ok = false;                   ///< an ok page may hold no ink
  bool check_xml = false;                  ///< ALTO and hOCR must pass xmllint
  bool keeps_restrictions = false;  ///< output PDFs keep the master's owner-password restrictions
};

struct HostilePdf {
  std::string name;  ///< file name, e.g. "clip_hidden.pdf"
  std::string item;  ///< e.g. "5 clip", "lesser /UserUnit", "red team: nested forms"
  std::string bytes;
  HostileExpect expect;
};

/// The corpus: `shown` is a text page that viewers show; `hidden` one whose
/// words must never be read when it is hidden (same width as `shown`).
std::vector<HostilePdf> hostile_pdfs(const TextImage& shown, const TextImage& hidden);

/// Distinct lower-case words of `text` with only letters and at least
/// `min_len` of them, in order, at most `n` (excluding those in `except`).
std::vector<std::string> pick_words(const std::string& text, size_t min_len, size_t n,
                                    const std::vector<std::string>& except = {});

/// A PDF from its objects (object i+1 is objects[i]; object 1 is the catalog)
/// with a correct cross-reference table; `trailer_extra` is added to the trailer.
std::string pdf_from_objects(const std::vector<std::string>& objects,
                             const std::string& trailer_extra = "");
/// A stream object's text: `dict` entries plus /Length, then the data.
std::string pdf_stream(const std::string& dict, const std::string& data);
/// An uncompressed 8-bit DeviceGray image XObject of `gray`.
std::string pdf_gray_image(const cv::Mat& gray, const std::string& extra = "");

}  // namespace pageprep::testsupport
