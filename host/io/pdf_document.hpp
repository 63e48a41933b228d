/// \file pdf_document.hpp
/// \brief PDF input through qpdf (Apache-2.0): page counts from the page tree,
/// and each page as a master image.
///
/// Contract:
/// - A page whose content paints exactly one image (DCT, CCITT G3/G4, JPX,
///   Flate/LZW/RunLength or uncompressed, any of these alone), axis-aligned,
///   inside the crop box, is taken at the image's own resolution: no
///   re-rendering and no resampling, only a lossless quarter turn or flip so
///   the master shows the page as a viewer displays it (/Rotate and the
///   image's placement). The DPI comes from the image's pixel size and its
///   size on the page, as `pdfimages -list` reports it. Invisible text (an
///   earlier OCR layer, text render mode 3) does not count as painting.
/// - A JBIG2 image (decoded only by AGPL code) is rendered by pdftoppm at the
///   image's own resolution. Every other page (vector graphics, visible
///   text, several images, inline images, shadings) is rendered at
///   DecodeLimits::pdf_dpi.
/// - Rendering runs poppler's pdftoppm (GPL) as a separate program found at
///   run time ($PAGEPREP_PDFTOPPM, else PATH), so no GPL code is linked into
///   pageprep. Without it, such pages fail one by one with a message saying so.
/// - Errors: an encrypted PDF that needs a user password is kEncrypted for the
///   whole file (a PDF with only an owner password opens normally). A damaged
///   file is recovered by qpdf; a truncated one (no trailer left) is given a
///   trailer naming its catalog and recovered the same way, so the pages that
///   survive still come out and each lost page fails on its own. A file with
///   no recoverable page tree is kCorrupt for the file;
///   a page whose image data is damaged or truncated is kCorrupt for that page
///   alone; an image or rendering over the limits is kTooLarge before any
///   pixel is decoded. The PDF file itself is read lazily and may be larger
///   than DecodeLimits::max_file_bytes; each image stream may not.
/// - Each decode thread keeps the PDF it read last open (thread_local), so the
///   pages of one document cost one parse per thread, not one per page.
/// - Thread safety: any thread may call these functions; QPDF objects are
///   never shared between threads.
#pragma once

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <memory>
#include <string>
#include <vector>

#include "io/affine.hpp"
#include "io/codec.hpp"

namespace pageprep::host {

/// An opened PDF, or why it could not be opened.
struct PdfOpen {
  std::shared_ptr<QPDF> pdf;
  std::vector<QPDFPageObjectHelper> pages;
  /// Pages the page tree declares (/Count): more than `pages` when a damaged
  /// or truncated file lost some; those pages fail one by one.
  int32_t declared_pages = 0;
  std::string recovery;  ///< how a damaged file was read ("" when it was not)
  std::shared_ptr<std::vector<uint8_t>> bytes;  ///< a repaired copy qpdf reads
  PageError error = PageError::kNone;
  std::string message;  ///< without the file name
};

/// Opens `path` with qpdf (warnings kept, never printed) and lists its pages.
PdfOpen open_pdf(const std::string& path);
/// The same for a PDF in memory (the bytes must outlive the result).
PdfOpen open_pdf_memory(const std::vector<uint8_t>& bytes, const std::string& name);

/// A page's visible box and how a viewer turns it: the crop box (clipped to
/// the media box), /Rotate, and the map from user space to display points
/// (origin top-left, y down, the page as displayed).
struct PdfPageBox {
  double x0 = 0, y0 = 0, x1 = 612, y1 = 792;  ///< crop box in user space
  int rotate = 0;                             ///< 0, 90, 180, 270 (clockwise)
  double display_w = 612, display_h = 792;    ///< points, after /Rotate and /UserUnit
  Affine user_to_display;  ///< includes /UserUnit: display points, not user units
  double user_unit = 1;    ///< /UserUnit: points per unit of user space (1 when absent or invalid)
  bool empty = false;      ///< the /MediaBox is there but has no area ([0 0 0 0]): an error
};

/// Largest /UserUnit honoured (Acrobat's limit: a page of 15,000,000 inches);
/// other values (<= 0, larger, not a number) are taken as 1.
constexpr double kMaxUserUnit = 75000.0;
/// The fewest bytes a page object takes in a file ("n 0 obj<</Type/Page>>endobj"
/// and its xref entry): bounds how many lost pages a damaged /Count may claim.
constexpr int64_t kMinPageObjectBytes = 40;
/// The most pages one PDF may have.
constexpr int32_t kMaxPdfPages = 1 << 20;
PdfPageBox pdf_page_box(QPDFPageObjectHelper& page);

/// Budget of one page's content scan (scan_pdf_page; docs/ARCHITECTURE.md,
/// "Limits on a PDF page"). Forms are entered at every use, so a few KB of
/// forms that each use the next one many times cost exponential work; the
/// scan stops at the first limit reached. Counts, not only time, so the same
/// file gets the same plan on every machine; the time limit is a backstop for
/// operators that are slow to parse.
constexpr int64_t kPdfScanMaxOperators = 1'000'000;  ///< operators and operands, all streams
constexpr int64_t kPdfScanMaxForms = 10'000;         ///< form XObjects entered
constexpr int kPdfScanMaxFormDepth = 4;              ///< forms within forms
constexpr int kPdfScanMaxMs = 2000;                  ///< wall-clock backstop

/// What a page's content paints, found by parsing its content streams (and
/// those of the forms it uses, a few levels deep).
struct PdfPageContent {
  int images = 0;          ///< image XObjects painted
  QPDFObjectHandle image;  ///< the first one
  Affine image_ctm;        ///< its unit square -> user space
  bool inline_images = false;
  bool vector = false;  ///< paths painted, shadings
  bool visible_text = false;
  bool invisible_text = false;  ///< text in render mode 3 (an OCR layer)
  double image_area = 0;        ///< sum of the painted images' boxes, user space (pt^2)
  std::string first_painting;   ///< the first operator that disqualifies one-image handling
  /// An image whose declared size cannot be drawn (issue 20 item 12): more
  /// pixels than a page may have (kTooLarge), or an uncompressed inline image
  /// with fewer bytes than its size needs (kCorrupt). pdftoppm draws nothing
  /// for it and says nothing, so the page fails instead of coming out blank.
  PageError image_fault = PageError::kNone;
  std::string image_fault_message;
  /// The scan stopped at a budget limit (what it is in first_painting): the
  /// page is rendered, and what was not scanned is unknown, so visible_text
  /// and invisible_text say only what was seen before the stop.
  bool budget_exceeded = false;
  int64_t scanned_objects = 0;  ///< operators and operands handled (for tests and limits)
  int64_t scanned_forms = 0;    ///< form XObjects entered
};
PdfPageContent scan_pdf_page(QPDFPageObjectHelper& page);

/// A page as it will be taken: the one image (native) or a rendering.
struct PdfPagePlan {
  bool native = false;
  bool render_at_image_dpi = false;  ///< JBIG2: render at the image's resolution
  std::string filter;                ///< the image's filter ("" uncompressed)
  std::string why_rendered;          ///< for pages.jsonl ("vector graphics", "2 images", ...)
  double image_dpi_x = 0, image_dpi_y = 0;
  PdfPageBox box;
  PdfPageContent content;
  /// Native: master pixel -> display points (after the lossless turn/flip).
  Affine master_to_display;
  bool transpose = false, flip_x = false, flip_y = false;  ///< image -> master
};
PdfPagePlan plan_pdf_page(QPDFPageObjectHelper& page);

/// Pages of a PDF file, from its page tree (no content is decoded).
PageCount pdf_count_pages(const std::string& path);
PageCount pdf_count_pages_memory(const std::vector<uint8_t>& bytes, const std::string& name);

/// Page `page` (0-based) of a PDF file as an 8-bit gray master, with
/// DecodedPage::pdf filled in.
DecodeResult pdf_decode_page(const std::string& path, int32_t page, const DecodeLimits& limits,
                             kernels::cpu::ThreadPool& pool);
/// The same from memory; pages that need rendering fail (pdftoppm reads files).
DecodeResult pdf_decode_page_memory(const std::vector<uint8_t>& bytes, const std::string& name,
                                    int32_t page, const DecodeLimits& limits,
                                    kernels::cpu::ThreadPool& pool);

/// The external renderer: $PAGEPREP_PDFTOPPM, else pdftoppm on PATH; "" when absent.
std::string find_pdftoppm();

}  // namespace pageprep::host
