/// \file page_artifact.hpp
/// \brief A page's durable record for document assembly: everything
/// assemble_document() needs from the page besides the master file.
///
/// Pages finish out of order, on several OCR workers and (with shards) in
/// several processes on several machines, so a document's PDF and text
/// cannot be written while its pages are processed. Each page therefore
/// writes this artifact (atomically, after its other outputs and before its
/// journal line) to OUTDIR/.pageprep/pages/<page stem>.page, and the
/// assembly reads them back once every page of the document is done.
///
/// Format (UTF-8 text, one field per line, version line first): the journal
/// key, the master's path and page, its size, DPI, format and PDF placement,
/// the processed page's size and its map to the master (with the region of
/// the master it was made from, and the part a split half's page shows, on an
/// optional "region" line: artifacts without it are of whole pages), the cleaned image's
/// output path, the OCR words by line in processed coordinates, and the page
/// text. Strings are escaped (\\, \n), so every record is one line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "doc/page_geometry.hpp"
#include "io/affine.hpp"
#include "io/page.hpp"
#include "ocr/ocr_engine.hpp"

namespace pageprep::host {

struct PageArtifact {
  std::string key;    ///< the page's journal key (input identity, page, options)
  std::string input;  ///< the master's path as given
  int32_t page = 0;   ///< 0-based page of the master
  int32_t master_w = 0, master_h = 0;
  double dpi_x = 300, dpi_y = 300;
  std::string format;  ///< decoder's format name ("jpeg", "tiff", "pdf", ...)
  int32_t source_channels = 1;
  int32_t source_depth_bits = 8;
  PdfPlacement pdf;  ///< PDF masters
  PageGeometry geometry;
  /// The box of the master the page was processed from (crop and split half,
  /// master pixels); w == 0: the whole master. Stored so `geometry` keeps its
  /// offset onto the master.
  int32_t region_x = 0, region_y = 0, region_w = 0, region_h = 0;
  /// The part of the master the document's page shows: a split half's
  /// source_box (--split auto); w == 0: the whole master.
  int32_t view_x = 0, view_y = 0, view_w = 0, view_h = 0;
  std::string clean_image;  ///< the cleaned page's output, relative to OUTDIR ("" none)
  bool clean_is_binary = false;
  bool ocr = false;  ///< false: no OCR ran (no text layer)
  std::vector<OcrLine> lines;
  std::string text;
};

/// OUTDIR-relative path of a page's artifact.
std::string page_artifact_path(const std::string& page_stem);

std::string serialize_page_artifact(const PageArtifact& a);
/// False (and *error) when `text` is not a complete artifact of this version.
bool parse_page_artifact(const std::string& text, PageArtifact* a, std::string* error);

}  // namespace pageprep::host
