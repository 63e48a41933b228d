/// \file ocr_outputs.hpp
/// \brief A page's hOCR, ALTO and TSV on the master image: Tesseract's own
/// renderings (GetHOCRText, GetAltoText, GetTSVText) with every coordinate
/// mapped from the cleaned page Tesseract read back to the master
/// (page_geometry.hpp).
///
/// Why rewrite instead of rendering from scratch: Tesseract's renderers know
/// its result structure (blocks, paragraphs, lines, confidences, font
/// sizes) and stay the reference for those formats; they only cannot know
/// that the image they read was deskewed and turned. So pageprep keeps their
/// text and changes numbers only:
/// - every box (hOCR bbox; ALTO HPOS/VPOS/WIDTH/HEIGHT; TSV left/top/width/
///   height) becomes the smallest integer box holding the rotated box on the
///   master, clipped to the master; page boxes become the master's size;
/// - an hOCR baseline is recomputed through the mapped baseline points,
///   relative to the new line box; on a page turned a quarter, lines get a
///   `textangle` and the baseline is given in the line's upright frame;
/// - ALTO TextBlocks get a ROTATION attribute (degrees counter-clockwise, the
///   skew plus the quarter turn) when the text on the master is rotated;
/// - ALTO and TSV get the document header Tesseract's file renderers write
///   (TessAltoRenderer, TessTsvRenderer), with the master's file name; the
///   hOCR names the master (image "...") and its page number (ppageno) because
///   OcrEngine::set_source told Tesseract.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "doc/page_geometry.hpp"

namespace pageprep::host {

/// hOCR document (as OcrResult::hocr) on the master; raw bytes that XML
/// rejects (a file name that is not UTF-8) are written as "\\xNN".
std::string hocr_on_master(const std::string& hocr, const PageGeometry& g);

/// A complete ALTO document from Tesseract's <Page> element, on the master.
/// `source_name` is the master's file name (sourceImageInformation),
/// escaped, with "\\xNN" for bytes that XML rejects. Each of
/// `illustrations` ([x, y, w, h] on the master: the page's picture zones) is
/// an <Illustration> block at the end of the PrintSpace (one is made when
/// Tesseract wrote none), with ID "pageprep_illustration_N" from 1.
std::string alto_on_master(const std::string& alto_page, const PageGeometry& g,
                           const std::string& source_name,
                           const std::vector<std::array<int32_t, 4>>& illustrations = {});

/// TSV with its header row, on the master.
std::string tsv_on_master(const std::string& tsv_rows, const PageGeometry& g);

}  // namespace pageprep::host
