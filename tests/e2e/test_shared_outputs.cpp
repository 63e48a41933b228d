// Two inputs of one run never share an output (issue 20, item 2): the later
// input's pages fail with output_conflict, the first input's outputs are its
// own, as across two runs.
#include <opencv2/imgcodecs.hpp>

#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

TEST(SharedOutputs, ADocumentAndAFolderOfItsPageNamesInOneRunDoNotShareAnOutput) {
  const fs::path in = fresh_dir("so_book"), out = fresh_dir("so_book_out");
  // d/book.tif (2 pages: book/p0001, book/p0002) and d/x/book/p0001.png
  // (book/p0001 too).
  ASSERT_TRUE(cv::imwritemulti((in / "book.tif").string(),
                               std::vector<cv::Mat>{small_page(1), small_page(2)}));
  write_page(in / "x" / "book" / "p0001.png", 3);
  const auto r = run(cli() + " run " + q(in / "book.tif") + " " + q(in / "x" / "book") + " -o " +
                     q(out) + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << "a page failed: " << r.err;
  EXPECT_NE(r.err.find("output_conflict"), std::string::npos) << r.err;
  // book/p0001.tif is book.tif's first page, exactly as a run of book.tif alone makes it.
  const fs::path alone = fresh_dir("so_book_alone");
  ASSERT_EQ(
      run(cli() + " run " + q(in / "book.tif") + " -o " + q(alone) + " --ocr none -q").exit_code,
      0);
  ASSERT_TRUE(fs::exists(out / "book" / "p0001.tif"));
  EXPECT_TRUE(read_file(out / "book" / "p0001.tif") == read_file(alone / "book" / "p0001.tif"))
      << "the PNG's page took book.tif's output";
  // The refused input has its own record with the error.
  bool refused = false;
  for (const auto& p : read_pages(out))
    if (p.raw.find("p0001.png") != std::string::npos &&
        p.raw.find("output_conflict") != std::string::npos)
      refused = true;
  EXPECT_TRUE(refused) << read_file(out / "pages.jsonl");
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(alone);
}

}  // namespace
}  // namespace pageprep::e2e
