// Internal helpers shared by the PDF files (not a public header):
//   pdf_document.cpp  opening, page boxes, the per-page plan, entry points
//   pdf_content.cpp   the content scan (what a page paints, what hides it)
//   pdf_image.cpp     one image XObject's samples to 8-bit gray
//   pdf_render.cpp    pdftoppm as a child process
#pragma once

#include <qpdf/QPDFObjectHandle.hh>

#include <string>

#include "io/codec.hpp"

namespace pageprep::host::detail {

/// A PDF number, or `fallback` for anything else.
double number_or(QPDFObjectHandle o, double fallback);
/// A four-number rectangle array, normalised (x0 < x1, y0 < y1); false when
/// it is not one or has no area.
bool read_rect(QPDFObjectHandle o, double* x0, double* y0, double* x1, double* y1);

/// Limits on one pdftoppm rendering (docs/ARCHITECTURE.md, "Limits on a PDF
/// page"): wall-clock seconds (CPU seconds: this + 5), and its address space:
/// a base plus four times the gray page, at most the maximum.
constexpr int kPdfRenderTimeoutS = 60;
constexpr int64_t kPdfRenderBaseAddressSpace = 1LL << 30;
constexpr int64_t kPdfRenderMaxAddressSpace = 3LL << 30;

/// An image XObject (its own pixel grid, row 0 at the top of the image) to
/// 8-bit gray. `filter` is the stream's single filter ("" when none or only
/// general-purpose ones); messages are prefixed with `name`.
DecodeResult pdf_decode_image(QPDFObjectHandle image, const std::string& filter,
                              const std::string& name, const DecodeLimits& limits,
                              kernels::cpu::ThreadPool& pool);

/// Renders page `page` (0-based) of the PDF at `path` to exactly
/// `width` x `height` gray pixels (the crop box, as displayed) with pdftoppm.
/// `quarter_turn`: the page's /Rotate is 90 or 270 (pdftoppm applies its
/// -scale-to sizes before the turn).
DecodeResult pdf_render_page(const std::string& path, int32_t page, int64_t width, int64_t height,
                             bool quarter_turn, const std::string& name, const DecodeLimits& limits,
                             kernels::cpu::ThreadPool& pool);

}  // namespace pageprep::host::detail
