// Internal helpers shared by the PDF files (not a public header):
//   pdf_document.cpp  opening, page boxes, content scan, the per-page plan, entry points
//   pdf_image.cpp     one image XObject's samples to 8-bit gray
//   pdf_render.cpp    pdftoppm as a child process
#pragma once

#include <qpdf/QPDFObjectHandle.hh>

#include <string>

#include "io/codec.hpp"

namespace pageprep::host::detail {

/// An image XObject (its own pixel grid, row 0 at the top of the image) to
/// 8-bit gray. `filter` is the stream's single filter ("" when none or only
/// general-purpose ones); messages are prefixed with `name`.
DecodeResult pdf_decode_image(QPDFObjectHandle image, const std::string& filter,
                              const std::string& name, const DecodeLimits& limits,
                              kernels::cpu::ThreadPool& pool);

/// Renders page `page` (0-based) of the PDF at `path` to exactly
/// `width` x `height` gray pixels (the crop box, as displayed) with pdftoppm.
DecodeResult pdf_render_page(const std::string& path, int32_t page, int64_t width, int64_t height,
                             const std::string& name, const DecodeLimits& limits,
                             kernels::cpu::ThreadPool& pool);

}  // namespace pageprep::host::detail
