// Removes an old invisible OCR layer (text objects that show text only in
// render mode 3) from a page copied into an output PDF, so that the new OCR
// layer replaces it instead of sitting beside stale words (issue 20 item 7,
// OCRmyPDF's --redo-ocr convention). Visible text is kept as it is.
#pragma once

#include <qpdf/QPDFPageObjectHelper.hh>

namespace pageprep::host {

/// Installs a content token filter on `page` (applied when the PDF is
/// written) that drops every BT ... ET object whose text-showing operators
/// all run in render mode 3. The state such an object sets (font, colours,
/// render mode, marked content) is kept, outside the text object, so later
/// content draws as before.
void strip_invisible_text(QPDFPageObjectHelper page);

}  // namespace pageprep::host
