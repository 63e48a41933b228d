// hOCR and ALTO stay well-formed XML for file names that are not valid UTF-8
// or hold control characters (issue 20, item 13): xmllint must accept them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "doc/ocr_outputs.hpp"
#include "doc/page_geometry.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::make_page_geometry;

// xmllint's verdict on `doc` (exit status 0: well-formed).
int xmllint_status(const std::string& doc) {
  char tmpl[] = "/tmp/pageprep_xml_XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd < 0) return -1;
  ::close(fd);
  {
    std::ofstream out(tmpl, std::ios::binary);
    out << doc;
  }
  const std::string cmd = std::string("xmllint --noout ") + tmpl + " 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  fs::remove(tmpl);
  return rc;
}

// Names as a file system may hold them: Latin-1 bytes, a lone continuation
// byte, a truncated sequence, an overlong '/', a control character.
const char* const kBadNames[] = {"caf\xe9.tif",
                                 "a\x80"
                                 "b.png",
                                 "x\xe2\x82.png",
                                 "o\xc0\xaf.tif",
                                 "bell\x07"
                                 "name.tif",
                                 "tab\tand&<\"q\".png"};

TEST(XmlNames, XmllintIsPresent) {
  // The check below is only as good as xmllint (libxml2-utils, .ci/setup-debian.sh).
  EXPECT_EQ(xmllint_status("<a>ok</a>\n"), 0);
  EXPECT_NE(xmllint_status("<a>\xff</a>\n"), 0);
}

TEST(XmlNames, AltoWithAnyFileNameIsWellFormed) {
  const auto g = make_page_geometry(100, 100, 0, 0, 100, 100);
  for (const char* name : kBadNames) {
    SCOPED_TRACE(name);
    const std::string alto =
        host::alto_on_master("<Page WIDTH=\"100\" HEIGHT=\"100\"></Page>", g, name);
    EXPECT_EQ(xmllint_status(alto), 0) << alto;
  }
  // A valid UTF-8 name is kept as it is.
  const std::string alto =
      host::alto_on_master("<Page WIDTH=\"100\" HEIGHT=\"100\"></Page>", g, "caf\xc3\xa9.tif");
  EXPECT_NE(alto.find("<fileName>caf\xc3\xa9.tif</fileName>"), std::string::npos) << alto;
}

// Tesseract escapes & < > " ' in the image name of its hOCR, but passes the
// bytes through: hocr_on_master must make the document valid.
TEST(XmlNames, HocrWithAnyFileNameIsWellFormed) {
  const auto g = make_page_geometry(100, 100, 0, 0, 100, 100);
  for (const std::string name : {"caf\xe9.tif",
                                 "a\x80"
                                 "b.png",
                                 "bell\x07"
                                 "name.tif"}) {
    SCOPED_TRACE(name);
    const std::string hocr =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<html><body>"
        "<div class='ocr_page' id='page_1' title='image \"" +
        name +
        "\"; bbox 0 0 100 100; ppageno 0'><span class='ocrx_word' title='bbox 1 1 9 9'>Hi</span>"
        "</div></body></html>\n";
    const std::string out = host::hocr_on_master(hocr, g);
    EXPECT_EQ(xmllint_status(out), 0) << out;
    EXPECT_NE(out.find(">Hi</span>"), std::string::npos) << out;
  }
  // Valid UTF-8 text (a word in the page) is kept byte for byte.
  const std::string utf8 =
      "<div class='ocr_page' title='bbox 0 0 100 100'><span>\xc3\xa9t\xc3\xa9</span></div>";
  EXPECT_EQ(host::hocr_on_master(utf8, g), utf8);
}

}  // namespace
}  // namespace pageprep
