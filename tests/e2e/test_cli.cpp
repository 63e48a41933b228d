// The CLI end to end on generated pages: OCR gets better, skew is found, bad
// input is reported page by page, exit codes say what happened, runs resume
// after kill -9, and outputs do not depend on thread count or batch size.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include <opencv2/imgcodecs.hpp>

#include "e2e/cli_harness.hpp"
#include "ocr/ocr_engine.hpp"

namespace pageprep::e2e {
namespace {

class Cli : public ::testing::Test {
 protected:
  // Ten mildly degraded pages skewed by a few degrees, with ground truth,
  // generated once per build tree and shared by every test process (each
  // test runs in its own process under gtest_discover_tests). Generation goes
  // to a temporary folder renamed into place, so parallel tests never see a
  // half-written set.
  static void SetUpTestSuite() {
    samples_ = new fs::path(PAGEPREP_E2E_SAMPLES_DIR);
    if (fs::exists(*samples_ / "manifest.jsonl")) return;
    const fs::path tmp = fresh_dir("samples");
    const auto r = run(synth() + " --preset demo --count 10 --seed 7 --out " + q(tmp));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::error_code ec;
    fs::create_directories(samples_->parent_path(), ec);
    fs::rename(tmp, *samples_, ec);
    if (ec) fs::remove_all(tmp);  // another test process got there first
    ASSERT_TRUE(fs::exists(*samples_ / "manifest.jsonl"));
  }
  static void TearDownTestSuite() { delete samples_; }
  static fs::path* samples_;
};
fs::path* Cli::samples_ = nullptr;

std::vector<fs::path> files_with_ext(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(Cli, OcrReadsBetterAfterPreprocessingAndSkewIsFound) {
  // Three pages keep this under a minute on two cores.
  const fs::path in = fresh_dir("ocr_in"), out = fresh_dir("ocr_out");
  int copied = 0;
  for (const auto& p : files_with_ext(*samples_, ".png")) {
    if (copied == 3) break;
    fs::copy_file(p, in / p.filename());
    fs::path gt = p;
    gt.replace_extension(".gt.txt");
    fs::copy_file(gt, in / gt.filename());
    ++copied;
  }
  ASSERT_EQ(copied, 3);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --eval-raw -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto skews = manifest_skews(*samples_);
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 3u);
  double cer = 0, cer_raw = 0;
  for (const auto& p : pages) {
    ASSERT_EQ(p.str.at("status"), "ok") << p.raw;
    const std::string name = fs::path(p.str.at("input")).filename().string();
    ASSERT_TRUE(skews.count(name)) << name;
    EXPECT_LT(std::fabs(p.num.at("skew_deg") - skews.at(name)), 0.2) << p.raw;
    ASSERT_TRUE(p.num.count("cer") && p.num.count("cer_raw")) << p.raw;
    cer += p.num.at("cer");
    cer_raw += p.num.at("cer_raw");
    // A folder argument's pages are named below the folder's own name.
    EXPECT_TRUE(fs::exists(out / in.filename() / (fs::path(name).stem().string() + ".txt")));
    EXPECT_TRUE(fs::exists(out / in.filename() / (fs::path(name).stem().string() + ".hocr")));
  }
  EXPECT_LT(cer, cer_raw) << "mean CER after " << cer / 3 << " vs raw " << cer_raw / 3;
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST_F(Cli, BadInputsGetPerPageErrorsAndTheRestIsDone) {
  const fs::path in = fresh_dir("bad_in"), out = fresh_dir("bad_out");
  for (const auto& p : files_with_ext(*samples_, ".png")) fs::copy_file(p, in / p.filename());
  {
    std::ofstream(in / "zero.png");  // zero bytes
    const std::string png = read_file(*samples_ / "page-0001.png");
    std::ofstream(in / "truncated.png", std::ios::binary) << png.substr(0, png.size() / 2);
    std::ofstream(in / "notes.tif") << "this is a text file, not a TIFF\n";
  }
  // An output path held by something pageprep did not write: a folder where
  // page-0003.tif goes. It is never replaced; that page fails, the rest is done.
  fs::create_directories(out / in.filename() / "page-0003.tif");
  const fs::path missing = in / "does-not-exist.png";
  const auto r =
      run(cli() + " run " + q(in) + " " + q(missing) + " -o " + q(out) + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 14u);  // 10 good + 3 bad files + 1 missing path
  std::map<std::string, std::string> code_of;
  int ok = 0;
  for (const auto& p : pages) {
    const std::string name = fs::path(p.str.at("input")).filename().string();
    if (p.str.at("status") == "ok") {
      ++ok;
      EXPECT_TRUE(
          fs::is_regular_file(out / in.filename() / (fs::path(name).stem().string() + ".tif")))
          << name;
    } else {
      code_of[name] = p.str.at("error_code");
      EXPECT_FALSE(p.str.at("error").empty()) << p.raw;
      EXPECT_NE(r.err.find(name), std::string::npos) << "stderr must name " << name;
    }
  }
  EXPECT_EQ(ok, 9);
  EXPECT_EQ(code_of["zero.png"], "empty_file");
  EXPECT_EQ(code_of["truncated.png"], "corrupt");
  EXPECT_EQ(code_of["notes.tif"], "unsupported_format");
  EXPECT_EQ(code_of["does-not-exist.png"], "not_found");
  EXPECT_EQ(code_of["page-0003.png"], "output_conflict");
  EXPECT_TRUE(fs::is_directory(out / in.filename() / "page-0003.tif"));
  EXPECT_EQ(run_json_number(out, "pages_failed"), 5);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST_F(Cli, MultiPageTiffGivesOneRecordAndOneOutputPerPage) {
  const fs::path in = fresh_dir("multi_in"), out = fresh_dir("multi_out");
  std::vector<cv::Mat> pages;
  for (int i = 1; i <= 3; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "page-%04d.png", i);
    pages.push_back(cv::imread((*samples_ / name).string(), cv::IMREAD_GRAYSCALE));
    ASSERT_FALSE(pages.back().empty());
  }
  ASSERT_TRUE(cv::imwritemulti((in / "book.tif").string(), pages));
  const auto r = run(cli() + " run " + q(in / "book.tif") + " -o " + q(out) + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto records = read_pages(out);
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].num.at("page"), i);
    EXPECT_EQ(records[i].str.at("status"), "ok");
    // An N-page document's pages go in a folder named after it, counted from 1.
    EXPECT_TRUE(fs::exists(out / "book" / ("p000" + std::to_string(i + 1) + ".tif")));
  }
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST_F(Cli, AutoLanguageReadsChineseWithChiSimAndTurnsSidewaysPagesUpright) {
  const fs::path in = fresh_dir("auto_in"), out = fresh_dir("auto_out");
  const auto zh =
      run(synth() + " --count 1 --seed 4 --lang chi_sim --skew -1.5 --out " + q(in / "zh"));
  if (zh.exit_code != 0) GTEST_SKIP() << "no CJK font to render a Chinese page: " << zh.err;
  ASSERT_EQ(
      run(synth() + " --count 1 --seed 3 --skew 2 --rotate90 90 --out " + q(in / "en")).exit_code,
      0);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " -l auto -q");
  if (r.exit_code == 1 && r.err.find("chi_sim") != std::string::npos)
    GTEST_SKIP() << "tesseract-ocr-chi-sim is not installed";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 2u);
  for (const auto& p : pages) {
    const bool chinese = p.str.at("input").find("/zh/") != std::string::npos;
    EXPECT_EQ(p.str.at("ocr_lang"), chinese ? "chi_sim" : "eng") << p.raw;
    EXPECT_EQ(p.str.at("script"), chinese ? "Han" : "Latin") << p.raw;
    EXPECT_EQ(p.num.at("orientation"), chinese ? 0 : 90) << p.raw;
    EXPECT_LT(p.num.at("cer"), 0.05) << p.raw;
  }
  fs::remove_all(in);
  fs::remove_all(out);
}

/// Share of the non-space code points of UTF-8 `text` that are CJK ideographs.
double han_share(const std::string& text) {
  int han = 0, all = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0 && i + 3 < text.size()) {
      cp = ((c & 0x07u) << 18) | ((text[i + 1] & 0x3Fu) << 12) | ((text[i + 2] & 0x3Fu) << 6) |
           (text[i + 3] & 0x3Fu);
      n = 4;
    } else if (c >= 0xE0 && i + 2 < text.size()) {
      cp = ((c & 0x0Fu) << 12) | ((text[i + 1] & 0x3Fu) << 6) | (text[i + 2] & 0x3Fu);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (text[i + 1] & 0x3Fu);
      n = 2;
    }
    i += n;
    if (cp == ' ' || cp == '\n' || cp == '\t') continue;
    ++all;
    han += cp >= 0x4E00 && cp <= 0x9FFF;
  }
  return all ? static_cast<double>(han) / all : 0.0;
}

// The seed scenario: a folder of English and Chinese pages (one of them
// noisy) and no -l. Every page is read in its own script; a forced -l eng is
// flagged on the Chinese pages.
TEST_F(Cli, WithNoOptionsEachPageIsReadInItsOwnScript) {
  const fs::path in = fresh_dir("script_in"), out = fresh_dir("script_out"),
                 forced = fresh_dir("script_forced");
  const auto zh = run(synth() + " --count 1 --seed 4 --lang chi_sim --skew -1.5 --noise 12 --out " +
                      q(in / "zh"));
  if (zh.exit_code != 0) GTEST_SKIP() << "no CJK font to render a Chinese page: " << zh.err;
  ASSERT_EQ(
      run(synth() + " --count 1 --seed 4 --lang chi_sim --skew 2.5 --noise 4 --blur 0.7 --out " +
          q(in / "zh2"))
          .exit_code,
      0);
  ASSERT_EQ(
      run(synth() + " --count 2 --seed 3 --skew-max 3 --noise 6 --out " + q(in / "en")).exit_code,
      0);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " -q");
  if (r.exit_code == 1 && r.err.find("chi_sim") != std::string::npos)
    GTEST_SKIP() << "tesseract-ocr-chi-sim is not installed";
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 4u);
  for (const auto& p : pages) {
    const bool chinese = p.str.at("input").find("/zh") != std::string::npos;
    EXPECT_EQ(p.str.at("ocr_lang"), chinese ? "chi_sim" : "eng") << p.raw;
    EXPECT_EQ(p.str.at("script"), chinese ? "Han" : "Latin") << p.raw;
    EXPECT_LT(p.num.at("cer"), 0.05) << p.raw;
    EXPECT_EQ(p.raw.find("script_mismatch"), std::string::npos) << p.raw;
    const std::string text = read_file(out / p.str.at("text"));  // relative to OUTDIR
    ASSERT_FALSE(text.empty()) << p.raw;
    if (chinese)
      EXPECT_GT(han_share(text), 0.8) << text.substr(0, 200);
    else
      EXPECT_LT(han_share(text), 0.01) << text.substr(0, 200);
  }

  // Forced English: the Chinese pages are flagged, once each on stderr and in
  // pages.jsonl, and counted in run.json; the English pages are not.
  const auto f = run(cli() + " run " + q(in) + " -o " + q(forced) + " -l eng -q");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  int flagged = 0;
  for (const auto& p : read_pages(forced)) {
    const bool chinese = p.str.at("input").find("/zh") != std::string::npos;
    EXPECT_EQ(p.str.at("ocr_lang"), "eng");
    EXPECT_EQ(p.raw.find("\"script_mismatch\"") != std::string::npos, chinese) << p.raw;
    flagged += chinese;
  }
  // One warning line per flagged page (other warnings, such as the skipped
  // truth files, are not about scripts).
  size_t lines = 0;
  for (size_t at = 0; (at = f.err.find("script_mismatch:", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, static_cast<size_t>(flagged)) << f.err;
  EXPECT_NE(f.err.find("script_mismatch"), std::string::npos) << f.err;
  const std::string run_json = read_file(forced / "run.json");
  EXPECT_NE(run_json.find("\"pages_script_mismatch\":" + std::to_string(flagged)),
            std::string::npos)
      << run_json;
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(forced);
}

// A script with no installed model is said per page: which script, which model
// read it instead, and which Debian package has the right one.
TEST_F(Cli, AScriptWithoutAModelIsReportedWithItsPackage) {
  const char* shared = std::getenv("PAGEPREP_SHARED_DIR");
  const fs::path scan = fs::path(shared ? shared : "") / "data/real-scans/devatest-rotated-270.png";
  if (!shared || !fs::exists(scan)) GTEST_SKIP() << "no shared real scans";
  const auto langs = host::installed_ocr_languages();
  for (const char* l : {"hin", "mar", "nep", "san"})
    if (std::find(langs.begin(), langs.end(), l) != langs.end())
      GTEST_SKIP() << "a Devanagari model (" << l << ") is installed";
  const fs::path in = fresh_dir("missing_in"), out = fresh_dir("missing_out");
  fs::copy_file(scan, in / scan.filename());
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 1u);
  const auto& p = pages[0];
  EXPECT_EQ(p.str.at("script"), "Devanagari") << p.raw;
  EXPECT_EQ(p.num.at("orientation"), 90) << p.raw;  // the file's 270 in Tesseract's terms
  EXPECT_NE(p.raw.find("\"model_missing\":{\"script\":\"Devanagari\",\"read_with\":\"eng\","
                       "\"package\":\"tesseract-ocr-hin\"}"),
            std::string::npos)
      << p.raw;
  EXPECT_NE(r.err.find("apt-get install tesseract-ocr-hin"), std::string::npos) << r.err;
  EXPECT_NE(read_file(out / "run.json").find("\"pages_model_missing\":1"), std::string::npos);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST_F(Cli, UnwritableOutputFolderIsFatal) {
  const fs::path d = fresh_dir("unwritable");
  std::ofstream(d / "a-file") << "x";
  const auto r = run(cli() + " run " + q(*samples_ / "page-0001.png") + " -o " +
                     q(d / "a-file" / "out") + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot create output folder"), std::string::npos) << r.err;
  fs::remove_all(d);
}

TEST_F(Cli, UsageErrorsExitWith2) {
  EXPECT_EQ(run(cli() + " run").exit_code, 2);
  EXPECT_EQ(run(cli() + " run x.png").exit_code, 2);  // no -o
  EXPECT_EQ(run(cli() + " run x.png -o /tmp/x --binarize magic").exit_code, 2);
  EXPECT_EQ(run(cli() + " frobnicate").exit_code, 2);
  EXPECT_EQ(run(cli() + " --help").exit_code, 0);
  EXPECT_EQ(run(cli() + " --version").exit_code, 0);
}

TEST_F(Cli, AskingForCudaWithoutADeviceIsAClearError) {
  const fs::path out = fresh_dir("nocuda");
  const auto r = run(cli() + " run " + q(*samples_ / "page-0001.png") + " -o " + q(out) +
                     " --ocr none --device cuda -q");
  // Where a device exists this run succeeds; here there is none.
  if (r.exit_code == 0) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cuda"), std::string::npos) << r.err;
  fs::remove_all(out);
}

TEST_F(Cli, RerunSkipsDonePagesAndRedoesOnNewParameters) {
  const fs::path out = fresh_dir("resume");
  const std::string base = cli() + " run " + q(*samples_) + " -o " + q(out) + " --ocr none -q";
  ASSERT_EQ(run(base).exit_code, 0);
  const fs::path page2 = out / samples_->filename() / "page-0002.tif";
  const std::string first = read_file(page2);
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(run(base).exit_code, 0);
  EXPECT_EQ(run_json_number(out, "pages_resumed"), 10);
  EXPECT_EQ(run_json_number(out, "pages_ok"), 0);
  EXPECT_EQ(read_file(page2), first);
  EXPECT_EQ(read_pages(out).size(), 10u);
  ASSERT_EQ(run(base + " --binarize otsu").exit_code, 0);
  EXPECT_EQ(run_json_number(out, "pages_resumed"), 0);
  EXPECT_EQ(run_json_number(out, "pages_ok"), 10);
  fs::remove_all(out);
}

TEST_F(Cli, KillNineThenRerunLeavesEveryOutputExactlyOnce) {
  const fs::path in = fresh_dir("kill_in"), out = fresh_dir("kill_out");
  // 30 pages: long enough to be killed mid-run on any machine here.
  for (int rep = 0; rep < 3; ++rep)
    for (const auto& p : files_with_ext(*samples_, ".png"))
      fs::copy_file(p, in / (std::to_string(rep) + "-" + p.filename().string()));
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string o = out.string(), i = in.string();
    execl(cli().c_str(), "pageprep", "run", i.c_str(), "-o", o.c_str(), "--ocr", "none", "-q",
          "--jobs", "1", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill once some, but not all, pages are journaled.
  const fs::path journal = out / ".pageprep" / "journal.jsonl";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string j = read_file(journal);
    if (std::count(j.begin(), j.end(), '\n') >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run finished before it could be killed";
  const std::string j = read_file(journal);
  const auto done_before = std::count(j.begin(), j.end(), '\n');
  EXPECT_LT(done_before, 30);

  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(run_json_number(out, "pages_resumed"), static_cast<double>(done_before));
  const auto tifs = files_with_ext(out, ".tif");
  EXPECT_EQ(tifs.size(), 30u);
  for (const auto& e : fs::recursive_directory_iterator(out))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  // Every output decodes completely: none truncated.
  const auto verify = run(cli() + " run " + q(out) + " -o " + q(fresh_dir("kill_verify")) +
                          " --ocr none --no-deskew -q");
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  const auto pages = read_pages(out);
  EXPECT_EQ(pages.size(), 30u);
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(fresh_dir("kill_verify"));
}

TEST_F(Cli, OutputsDoNotDependOnJobsOrBatchSize) {
  const fs::path a = fresh_dir("det_a"), b = fresh_dir("det_b"), c = fresh_dir("det_c");
  const std::string base = cli() + " run " + q(*samples_) + " --ocr none -q --save-gray";
  ASSERT_EQ(run(base + " -o " + q(a) + " --jobs 1 --batch 1").exit_code, 0);
  ASSERT_EQ(run(base + " -o " + q(b) + " --jobs 2 --batch 16").exit_code, 0);
  ASSERT_EQ(run(base + " -o " + q(c) + " --jobs 3 --batch 4").exit_code, 0);
  const auto fa = files_with_ext(a, ".tif");
  ASSERT_EQ(fa.size(), 10u);
  for (const auto& ext : {".tif", ".png"})
    for (const auto& f : files_with_ext(a, ext)) {
      const auto rel = fs::relative(f, a);
      EXPECT_EQ(read_file(f), read_file(b / rel)) << rel;
      EXPECT_EQ(read_file(f), read_file(c / rel)) << rel;
    }
  fs::remove_all(a);
  fs::remove_all(b);
  fs::remove_all(c);
}

}  // namespace
}  // namespace pageprep::e2e
