/// \file text_layer.hpp
/// \brief The invisible text layer of a searchable PDF page.
///
/// Each OCR word is drawn in text render mode 3 (invisible) with a glyphless
/// font, as Tesseract's PDF renderer does: Tesseract's own GlyphLessFont
/// (tessdata/pdf.ttf, Apache-2.0) embedded as a CIDFontType2 with Identity-H
/// encoding, every CID drawn with glyph 1 and 500 units wide, and a ToUnicode
/// map that reads each CID as the UTF-16 code unit it is. A word's text matrix
/// maps its glyphs onto the word's box on the page image: along the line's
/// baseline, as tall as the line, stretched to reach the next word's start
/// (with a space appended, so text extraction sees word breaks). A skewed
/// line is drawn level, at the height where its baseline crosses the mean of
/// the page's line middles, so lines keep their order for pdftotext's reading
/// order and -layout (docs/ARCHITECTURE.md, "The PDF text layer").
///
/// Why not TessPDFRenderer: it places text in the coordinates of the image
/// Tesseract read (the deskewed, turned page) and writes whole files with
/// that image; pageprep's PDFs keep the original page image (or the page
/// itself, for PDF input) and need the text on the master's coordinates.
#pragma once

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include <string>
#include <vector>

#include "io/affine.hpp"
#include "ocr/ocr_engine.hpp"

namespace pageprep::host {

/// Tesseract's tessdata folder (where pdf.ttf lives); "" when Tesseract
/// cannot be initialized. Computed once per process.
const std::string& tessdata_dir();

/// The glyphless Type0 font as an indirect object of `pdf`, or a null handle
/// with *error set when pdf.ttf cannot be read.
QPDFObjectHandle make_glyphless_font(QPDF& pdf, std::string* error);

/// Content-stream operators drawing `lines` (coordinates of the page
/// Tesseract read) invisibly, through `to_user` (those coordinates -> PDF
/// user space), with the font resource named `font_name` (e.g. "/FPageprep").
/// Empty when there is no word.
std::string text_layer_content(const std::vector<OcrLine>& lines, const Affine& to_user,
                               const std::string& font_name);

/// UTF-8 to UTF-16 code units as a PDF hex string ("<0041...>"). Invalid
/// UTF-8 bytes become U+FFFD.
std::string utf16_hex(const std::string& utf8, size_t* units);

}  // namespace pageprep::host
