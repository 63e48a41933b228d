// A user's files are sacred: each test here is a command line that used to
// destroy data (issue 9, defects 1-8 and 17) and now must not.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

std::string none_run(const std::string& args) {
  return cli() + " run " + args + " --ocr none -q";
}

std::set<std::string> files_below(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

// Defect 1: `run scans -o scans` overwrote the masters.
TEST(DataSafety, OutputFolderThatIsTheInputFolderIsRefusedAndMastersAreUntouched) {
  const fs::path scans = fresh_dir("ds_same");
  write_page(scans / "scan.tif", 1);
  write_page(scans / "page.png", 2);
  const std::string tif = read_file(scans / "scan.tif"), png = read_file(scans / "page.png");
  for (const std::string extra : {"", " --save-gray"}) {
    const auto r = run(none_run(q(scans) + " -o " + q(scans) + extra));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("is the input folder"), std::string::npos) << r.err;
  }
  const auto r = run(none_run(q(scans / "scan.tif") + " -o " + q(scans)));
  EXPECT_EQ(r.exit_code, 2) << "a file argument in the output folder: " << r.err;
  EXPECT_EQ(read_file(scans / "scan.tif"), tif);
  EXPECT_EQ(read_file(scans / "page.png"), png);
  EXPECT_EQ(files_below(scans), (std::set<std::string>{"page.png", "scan.tif"}));
  fs::remove_all(scans);
}

// Defect 2 (and issue 12): two books into one OUTDIR.
TEST(DataSafety, TwoFoldersIntoOneOutputFolderKeepBothAndReportBoth) {
  const fs::path in = fresh_dir("ds_vols"), out = fresh_dir("ds_vols_out");
  write_page(in / "vol1" / "p1.png", 1);
  write_page(in / "vol2" / "p1.png", 2);
  ASSERT_EQ(run(none_run(q(in / "vol1") + " -o " + q(out))).exit_code, 0);
  const std::string vol1 = read_file(out / "vol1" / "p1.tif");
  ASSERT_FALSE(vol1.empty());
  ASSERT_EQ(run(none_run(q(in / "vol2") + " -o " + q(out))).exit_code, 0);
  EXPECT_EQ(read_file(out / "vol1" / "p1.tif"), vol1);
  EXPECT_TRUE(fs::exists(out / "vol2" / "p1.tif"));
  EXPECT_NE(read_file(out / "vol2" / "p1.tif"), vol1);
  EXPECT_EQ(read_pages(out).size(), 2u) << "pages.jsonl covers both runs";
  ASSERT_EQ(run(none_run(q(in / "vol1") + " -o " + q(out))).exit_code, 0);
  EXPECT_EQ(run_json_number(out, "pages_resumed"), 1);
  EXPECT_EQ(read_file(out / "vol1" / "p1.tif"), vol1);
  // Another folder of the same name elsewhere cannot take vol1's names.
  write_page(in / "elsewhere" / "vol1" / "p1.png", 3);
  const auto r = run(none_run(q(in / "elsewhere" / "vol1") + " -o " + q(out)));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("output_conflict"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out / "vol1" / "p1.tif"), vol1);
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 3: a file added beside a done one took over its output.
TEST(DataSafety, AnAddedFileWithTheSameStemNeverOverwritesAnOutput) {
  const fs::path in = fresh_dir("ds_stem"), out = fresh_dir("ds_stem_out");
  write_page(in / "a.tif", 1);
  ASSERT_EQ(run(none_run(q(in) + " -o " + q(out))).exit_code, 0);
  const fs::path first = out / in.filename() / "a.tif";
  const std::string a_tif = read_file(first);
  ASSERT_FALSE(a_tif.empty());
  write_page(in / "a.png", 2);
  const auto r = run(none_run(q(in) + " -o " + q(out)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(first), a_tif) << "a.png's page must not replace a.tif's";
  // Both inputs now keep their extensions in their names, so neither collides.
  EXPECT_TRUE(fs::exists(out / in.filename() / "a.tif.tif"));
  EXPECT_TRUE(fs::exists(out / in.filename() / "a.png.tif"));
  EXPECT_NE(read_file(out / in.filename() / "a.tif.tif"),
            read_file(out / in.filename() / "a.png.tif"));
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 4: book.tif page 1 and book.p0001.png wrote one file.
TEST(DataSafety, MultiPageDocumentAndAPageNamedLikeItsPageDoNotCollide) {
  const fs::path in = fresh_dir("ds_book"), out = fresh_dir("ds_book_out");
  ASSERT_TRUE(cv::imwritemulti((in / "book.tif").string(),
                               std::vector<cv::Mat>{small_page(1), small_page(2)}));
  write_page(in / "book.p0001.png", 3);
  ASSERT_EQ(run(none_run(q(in) + " -o " + q(out))).exit_code, 0);
  const fs::path o = out / in.filename();
  EXPECT_TRUE(fs::exists(o / "book" / "p0001.tif"));
  EXPECT_TRUE(fs::exists(o / "book" / "p0002.tif"));
  EXPECT_TRUE(fs::exists(o / "book.p0001.tif"));
  EXPECT_NE(read_file(o / "book" / "p0001.tif"), read_file(o / "book.p0001.tif"));
  EXPECT_EQ(read_pages(out).size(), 3u);
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 5: a second process on the same OUTDIR deleted the first's temporaries.
TEST(DataSafety, ASecondRunOnABusyOutputFolderIsRefusedAndTheFirstFinishes) {
  const fs::path in = fresh_dir("ds_lock"), out = fresh_dir("ds_lock_out");
  for (int i = 0; i < 40; ++i) write_page(in / ("p" + std::to_string(100 + i) + ".png"), i);
  // Deterministic half: the lock held by someone else refuses a run at once.
  {
    fs::create_directories(out / ".pageprep");
    const int fd = ::open((out / ".pageprep" / "lock").c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX), 0);
    const auto r = run(none_run(q(in) + " -o " + q(out)));
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("in use by another pageprep run"), std::string::npos) << r.err;
    ::close(fd);
  }
  // Live half: the first run's last input is a FIFO that we write only after
  // the second run has been turned away, so the first run is certainly still
  // working (it holds the lock from start-up to exit) when the second starts.
  const fs::path fifo_dir = fresh_dir("ds_lock_fifo");
  const fs::path fifo = fifo_dir / "last.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string o = out.string(), i = in.string(), f = fifo.string();
    execl(cli().c_str(), "pageprep", "run", i.c_str(), f.c_str(), "-o", o.c_str(), "--ocr", "none",
          "-q", "--jobs", "1", "--batch", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Readiness: the FIFO opens for writing only once the first run reads it.
  int wfd = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (wfd < 0 && std::chrono::steady_clock::now() < deadline) {
    wfd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (wfd < 0) std::this_thread::yield();
  }
  ASSERT_GE(wfd, 0) << "the first run never opened its FIFO input";
  const auto second = run(none_run(q(in) + " -o " + q(out)));
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("in use by another pageprep run"), std::string::npos) << second.err;
  // Now let the first run finish: one more page through the FIFO.
  const fs::path last = fifo_dir / "last_source.png";
  write_page(last, 99, 2);
  const std::string bytes = read_file(last);
  ASSERT_EQ(::fcntl(wfd, F_SETFL, 0), 0);  // blocking writes from here on
  ASSERT_EQ(::write(wfd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ::close(wfd);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the first run must finish untouched";
  const auto pages = read_pages(out);
  EXPECT_EQ(pages.size(), 41u);
  for (const auto& p : pages) EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
  fs::remove_all(fifo_dir);
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 6: every .*.tmp under OUTDIR was deleted at start-up.
TEST(DataSafety, TheUsersOwnTemporaryLookingFilesAreNeverDeleted) {
  const fs::path in = fresh_dir("ds_tmp"), out = fresh_dir("ds_tmp_out");
  write_page(in / "p1.png", 1);
  fs::create_directories(out / "notes");
  std::ofstream(out / "notes" / ".draft.txt.tmp") << "mine";
  std::ofstream(out / ".p1.tif.123.0.tmp") << "mine too";
  ASSERT_EQ(run(none_run(q(in) + " -o " + q(out))).exit_code, 0);
  EXPECT_EQ(read_file(out / "notes" / ".draft.txt.tmp"), "mine");
  EXPECT_EQ(read_file(out / ".p1.tif.123.0.tmp"), "mine too");
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 7: OUTDIR inside the input folder fed each run its previous outputs.
TEST(DataSafety, AnOutputFolderInsideTheInputFolderIsNeverReadBack) {
  const fs::path in = fresh_dir("ds_nested");
  write_page(in / "p1.png", 1);
  write_page(in / "p2.png", 2);
  for (int round = 0; round < 3; ++round) {
    const auto r = run(none_run(q(in) + " -o " + q(in / "out") + " --save-gray"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(run_json_number(in / "out", "pages_total"), 2) << "round " << round;
  }
  EXPECT_FALSE(fs::exists(in / "out" / in.filename() / "out"));
  // Another run's output folder inside an input folder is skipped too.
  const fs::path other = fresh_dir("ds_nested_other");
  const auto r = run(none_run(q(in) + " -o " + q(other)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_json_number(other, "pages_total"), 2);
  fs::remove_all(in);
  fs::remove_all(other);
}

// Defect 8: a resumed run trusted the journal although outputs were gone.
TEST(DataSafety, AResumedRunRedoesPagesWhoseOutputsWereDeleted) {
  const fs::path in = fresh_dir("ds_resume"), out = fresh_dir("ds_resume_out");
  write_page(in / "p1.png", 1);
  write_page(in / "p2.png", 2);
  ASSERT_EQ(run(none_run(q(in) + " -o " + q(out))).exit_code, 0);
  const fs::path p1 = out / in.filename() / "p1.tif";
  const std::string before = read_file(p1);
  fs::remove(p1);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("missing outputs"), std::string::npos) << r.err;
  EXPECT_EQ(run_json_number(out, "pages_resumed"), 1);
  EXPECT_EQ(run_json_number(out, "pages_ok"), 1);
  EXPECT_EQ(read_file(p1), before);
  fs::remove_all(in);
  fs::remove_all(out);
}

// Defect 17: names of 240-255 bytes failed on the temporary's name.
TEST(DataSafety, NamesUpToNameMaxAreProcessed) {
  const fs::path in = fresh_dir("ds_long"), out = fresh_dir("ds_long_out");
  const std::string name = std::string(251, 'n') + ".png";  // 255 bytes
  write_page(in / name, 1);
  write_page(in / (std::string(240, 'm') + ".png"), 2);
  const auto r = run(none_run(q(in) + " -o " + q(out) + " --save-gray"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 2u);
  for (const auto& p : pages) EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
  int tifs = 0;
  for (const auto& f : files_below(out)) tifs += fs::path(f).extension() == ".tif";
  EXPECT_EQ(tifs, 2);
  fs::remove_all(in);
  fs::remove_all(out);
}

}  // namespace
}  // namespace pageprep::e2e
