// write_pdf_atomic: a file that cannot grow (RLIMIT_FSIZE, as a full disk)
// never replaces a good PDF, never leaves a truncated one, and is reported.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "doc/pdf_write.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A one-page PDF whose content stream is `n` incompressible bytes, so the
// written file is a little over n bytes.
void make_pdf(QPDF& pdf, size_t n, unsigned seed) {
  pdf.emptyPDF();
  std::mt19937 rng(seed);
  std::string data(n, '\0');
  for (auto& c : data) c = static_cast<char>(rng() & 0xff);
  QPDFObjectHandle page = pdf.makeIndirectObject(
      QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 612 792] /Resources << >> >>"));
  QPDFObjectHandle stream = QPDFObjectHandle::newStream(&pdf, data);
  page.replaceKey("/Contents", stream);
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(page), false);
}

// Sets the soft file size limit for this process, restoring it on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // writes fail with EFBIG instead
    rlimit r = old_;
    r.rlim_cur = bytes;
    ok_ = ::setrlimit(RLIMIT_FSIZE, &r) == 0;
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
  bool ok_ = false;
};

class PdfWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_pdfwrite_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    fs::create_directories(dir_ + "/tmp");
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  size_t entries(const std::string& d) const {
    size_t k = 0;
    for (const auto& e : fs::directory_iterator(d)) {
      (void)e;
      ++k;
    }
    return k;
  }
  std::string dir_;
};

TEST_F(PdfWriteTest, WritesAValidPdf) {
  QPDF pdf;
  make_pdf(pdf, 50000, 1);
  const std::string path = dir_ + "/book.pdf";
  std::string err;
  ASSERT_TRUE(host::write_pdf_atomic(pdf, path, dir_ + "/tmp", &err)) << err;
  const std::string bytes = read_all(path);
  EXPECT_GT(bytes.size(), 50000u);
  EXPECT_EQ(bytes.substr(0, 5), "%PDF-");
  EXPECT_NE(bytes.find("%%EOF", bytes.size() - 16), std::string::npos);
  QPDF back;
  back.processFile(path.c_str());
  EXPECT_EQ(QPDFPageDocumentHelper(back).getAllPages().size(), 1u);
  EXPECT_EQ(entries(dir_ + "/tmp"), 0u);
}

// Each limit cuts the file at another point: in the middle, and within the
// last stdio buffer (the data qpdf's own flush writes and whose error it
// drops). Every one must fail, naming the PDF, and leave the old PDF intact.
TEST_F(PdfWriteTest, FullFileSystemNeverReplacesAGoodPdf) {
  for (const bool temp_in_own_dir : {true, false}) {
    const std::string path = dir_ + "/book.pdf";
    const std::string temp_dir = temp_in_own_dir ? dir_ + "/tmp" : std::string();
    QPDF good;
    make_pdf(good, 20000, 2);
    std::string err;
    ASSERT_TRUE(host::write_pdf_atomic(good, path, temp_dir, &err)) << err;
    const std::string before = read_all(path);

    QPDF big;
    make_pdf(big, 200000, 3);
    const std::string probe = dir_ + "/probe.pdf";
    ASSERT_TRUE(host::write_pdf_atomic(big, probe, temp_dir, &err)) << err;
    const size_t full = read_all(probe).size();
    fs::remove(probe);

    for (const size_t limit : {full / 2, full - 3000, full - 100, full - 1}) {
      SCOPED_TRACE("limit " + std::to_string(limit) + " of " + std::to_string(full) +
                   (temp_in_own_dir ? ", temp_dir" : ", beside"));
      bool written = true;
      err.clear();
      {
        FileSizeLimit cap(limit);
        ASSERT_TRUE(cap.ok());
        written = host::write_pdf_atomic(big, path, temp_dir, &err);
      }
      EXPECT_FALSE(written);
      EXPECT_NE(err.find(path), std::string::npos) << err;
      EXPECT_TRUE(read_all(path) == before) << "the good PDF was replaced";
      EXPECT_EQ(entries(dir_), 2u);  // book.pdf and tmp/: no temporary left beside
      if (temp_in_own_dir) {
        EXPECT_EQ(entries(dir_ + "/tmp"), 0u);
      }
    }
    fs::remove(path);
  }
}

// A PDF written for the first time on a full file system is not left behind
// truncated.
TEST_F(PdfWriteTest, FullFileSystemLeavesNoTruncatedNewPdf) {
  QPDF big;
  make_pdf(big, 100000, 4);
  const std::string path = dir_ + "/new.pdf";
  std::string err;
  {
    FileSizeLimit cap(100000 - 50);
    ASSERT_TRUE(cap.ok());
    EXPECT_FALSE(host::write_pdf_atomic(big, path, dir_ + "/tmp", &err));
  }
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(entries(dir_ + "/tmp"), 0u);
}

}  // namespace
}  // namespace pageprep
