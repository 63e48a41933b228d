/// \file pdf_write.hpp
/// \brief Writes a qpdf document to a file crash-safely and sees every write error.
///
/// write_pdf_atomic() writes `pdf` to a temporary (in `temp_dir`, else beside
/// `path`, as write_file_atomic() places them), fsyncs it and renames it over
/// `path`. Any failure (a full disk, a file size limit, an I/O error, a qpdf
/// error) returns false with an `error` that names `path`; the temporary is
/// removed and an existing `path` is left as it was. It never leaves a
/// truncated PDF at `path`.
///
/// `encryption_of`, when given and encrypted (a PDF master that opened without
/// a password: an owner password and its restrictions only), gives the output
/// the same encryption: the same owner password, permissions and an empty user
/// password, so the input's print/copy/modify restrictions are kept.
#pragma once

#include <string>

class QPDF;

namespace pageprep::host {

bool write_pdf_atomic(QPDF& pdf, const std::string& path, const std::string& temp_dir,
                      std::string* error, QPDF* encryption_of = nullptr);

}  // namespace pageprep::host
