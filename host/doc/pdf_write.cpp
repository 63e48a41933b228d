// write_pdf_atomic: a qpdf document to a temporary, fsync, rename (pdf_write.hpp).
//
// qpdf's own stdio output (Pl_StdioFile) drops the error of its final fflush
// (it throws only for EBADF), so a full disk used to leave a truncated PDF that
// was renamed over a good one. Here qpdf writes into FdPipeline, which writes
// with write(2) and throws on any failure, inside write_file_atomic_with(),
// which fsyncs, renames and reports "<path>: <step>: <strerror>".
#include "doc/pdf_write.hpp"

#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>

#include <cerrno>
#include <system_error>

#include "io/atomic_file.hpp"

namespace pageprep::host {
namespace {

/// A qpdf pipeline end that writes straight to a descriptor and throws
/// std::system_error when a write fails (ENOSPC, EFBIG, EIO, ...).
class FdPipeline : public Pipeline {
 public:
  explicit FdPipeline(int fd) : Pipeline("pageprep pdf output", nullptr), fd_(fd) {}
  void write(unsigned char const* data, size_t len) override {
    if (!write_all(fd_, data, len)) throw std::system_error(errno, std::generic_category());
  }
  void finish() override {}

 private:
  int fd_;
};

}  // namespace

bool write_pdf_atomic(QPDF& pdf, const std::string& path, const std::string& temp_dir,
                      std::string* error, QPDF* encryption_of) {
  std::string qpdf_error;  // an error of qpdf's own (not an I/O error)
  auto produce = [&](int fd) {
    try {
      FdPipeline out(fd);
      QPDFWriter w(pdf);
      w.setOutputPipeline(&out);
      // An encrypted output keeps the master's /ID (its key depends on it);
      // qpdf cannot make a deterministic ID for an encrypted file.
      const bool encrypt = encryption_of && encryption_of->isEncrypted();
      if (!encrypt) w.setDeterministicID(true);
      w.setObjectStreamMode(qpdf_o_generate);
      w.setCompressStreams(true);
      w.setMinimumPDFVersion("1.7");
      if (encrypt) w.copyEncryptionParameters(*encryption_of);
      w.write();
      return true;
    } catch (const std::system_error& e) {
      errno = e.code().value();
      return false;
    } catch (const std::exception& e) {
      qpdf_error = e.what();
      errno = EIO;
      return false;
    }
  };
  std::string message;
  if (write_file_atomic_with(path, produce, &message, temp_dir) == PageError::kNone) return true;
  *error = "cannot write the PDF " + message;
  if (!qpdf_error.empty()) *error += " (qpdf: " + qpdf_error + ")";
  return false;
}

}  // namespace pageprep::host
