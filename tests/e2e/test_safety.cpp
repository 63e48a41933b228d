// The CLI against issue 9's red-team defects that are not about output names:
// hangs on FIFOs and signals (13), silent skips and empty inputs (10),
// binary lists (19), file names that are not UTF-8 (16), inputs given twice
// (18), an implausible DPI that erased every glyph (9), a noise page with a
// confident empty text (12), option checks (20, 22, 23), and permissions that
// root never meets, run as `nobody` (setpriv).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <random>
#include <thread>

#include "e2e/cli_harness.hpp"
#include "io/codec.hpp"

namespace pageprep::e2e {
namespace {

// One clean 300-dpi page with its text, generated once per test process.
class Safety : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir("safety_" +
                     std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  }
  void TearDown() override {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_, ec))
      fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  // A page from pageprep-synth (A4 at 300 dpi, clean), copied to `to`.
  fs::path page(const fs::path& to) {
    const fs::path gen = dir_ / "gen";
    if (!fs::exists(gen / "page-0001.png")) {
      const auto r = run(synth() + " --out " + q(gen) + " --count 1 --seed 3 --preset clean");
      EXPECT_EQ(r.exit_code, 0) << r.err;
    }
    fs::create_directories(to.parent_path());
    fs::copy_file(gen / "page-0001.png", to, fs::copy_options::overwrite_existing);
    return to;
  }
  static std::string py_json_check(const fs::path& file) {
    return "python3 -c 'import json,sys\nfor l in open(sys.argv[1],encoding=\"utf-8\"):\n"
           "  l.strip() and json.loads(l)' " +
           q(file);
  }
  fs::path dir_;
};

// Starts `cmd` under /bin/sh in its own process group; returns the pid (that
// of the command itself when `exec_it`, so signals reach it directly).
pid_t spawn(const std::string& cmd, bool exec_it = true) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const std::string line = exec_it ? "exec " + cmd : cmd;
    ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits up to `seconds` for `pid`; -1 (after killing it) if it did not exit.
int wait_exit(pid_t pid, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// Readiness, not a fixed delay: waits until `pid` has a handler for `sig`
// (Linux: the SigCgt mask of /proc/PID/status). The CLI installs its SIGINT
// and SIGTERM handlers first thing in main, so from then on a signal is
// handled (exit 130) and never the default death (143). False after
// `seconds` or when the process is gone.
bool wait_until_handled(pid_t pid, int sig, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  const std::string status = "/proc/" + std::to_string(pid) + "/status";
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(status);
    if (!in) return false;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("SigCgt:", 0) != 0) continue;
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      if (mask & (1ull << (sig - 1))) return true;
    }
    std::this_thread::yield();
  }
  return false;
}

// ------------------------------------------------------ hangs (13) ----

TEST_F(Safety, FifoInputNeverHangsAndSigtermStopsTheRunPromptly) {
  const fs::path fifo = dir_ / "in.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const int sig : {SIGTERM, SIGINT}) {
    const pid_t pid =
        spawn(cli() + " run " + q(fifo) + " -o " + q(dir_ / "out") + " --ocr none -q 2>/dev/null");
    ASSERT_TRUE(wait_until_handled(pid, sig, 30)) << "the CLI never installed its handler";
    ::kill(pid, sig);
    const int code = wait_exit(pid, 10);
    EXPECT_EQ(code, 130) << "signal " << sig << ": the run did not stop (it hung on the FIFO)";
  }
}

TEST_F(Safety, SigtermStopsAWaitOnStdin) {
  // stdin is a pipe that nobody writes to or closes (this process holds the
  // write end until the CLI has exited).
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string out = (dir_ / "out").string(), exe = cli();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(fds[0], 0);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(exe.c_str(), "pageprep", "run", "-", "-o", out.c_str(), "-q",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  ASSERT_TRUE(wait_until_handled(pid, SIGTERM, 30)) << "the CLI never installed its handler";
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_exit(pid, 10), 130) << "still reading stdin after SIGTERM, or not stopped by it";
  ::close(fds[1]);
}

TEST_F(Safety, FifoWithAWriterIsReadAsAPage) {
  const fs::path fifo = dir_ / "piped.png";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path src = page(dir_ / "src" / "p.png");
  const pid_t writer = spawn("sleep 1; cat " + q(src) + " > " + q(fifo), false);
  const auto r = run(cli() + " run " + q(fifo) + " -o " + q(dir_ / "out") + " --ocr none -q");
  wait_exit(writer, 10);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir_ / "out");
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].str.at("status"), "ok") << pages[0].raw;
}

// ------------------------------------------- silent skips, empty (10) ----

TEST_F(Safety, SkippedEntriesAreCountedInRunJsonAndNamedOnStderr) {
  const fs::path in = dir_ / "in";
  page(in / "a.png");
  std::ofstream(in / "notes.docx") << "x";
  std::ofstream(in / ".DS_Store") << "x";
  ASSERT_EQ(::symlink((in / "gone.png").c_str(), (in / "dangling.png").c_str()), 0);
  ASSERT_EQ(::mkfifo((in / "pipe.tif").c_str(), 0600), 0);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(dir_ / "out") + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("skipped 1 file that is not a page: " + (in / "notes.docx").string()),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("skipped 1 dangling symbolic link"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 1 FIFO, socket or device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 1 hidden file or folder"), std::string::npos) << r.err;
  const std::string run_json = read_file(dir_ / "out" / "run.json");
  for (const char* field :
       {"\"not_a_page\":1", "\"hidden\":1", "\"dangling_link\":1", "\"special\":1", "\"total\":4"})
    EXPECT_NE(run_json.find(field), std::string::npos) << field << " in " << run_json;
}

TEST_F(Safety, EmptyFolderEmptyStdinAndNoPagesAreErrors) {
  fs::create_directories(dir_ / "empty");
  // Exit 3 exactly (a failed "no_pages" entry), not any non-zero: an ASan abort
  // or a crash must not pass.
  auto r = run(cli() + " run " + q(dir_ / "empty") + " -o " + q(dir_ / "o1") + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("no_pages"), std::string::npos) << r.err;
  r = run(cli() + " run - -o " + q(dir_ / "o2") + " --ocr none -q < /dev/null");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  r = run("printf '# only a comment\\n' | " + cli() + " run - -o " + q(dir_ / "o3") +
          " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  // An empty folder beside a good page: the page is done, the folder reported.
  page(dir_ / "good" / "p.png");
  r = run(cli() + " run " + q(dir_ / "good") + " " + q(dir_ / "empty") + " -o " + q(dir_ / "o4") +
          " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto pages = read_pages(dir_ / "o4");
  ASSERT_EQ(pages.size(), 2u);
  for (const auto& p : pages) {
    if (p.str.at("input").find("empty") != std::string::npos)
      EXPECT_EQ(p.str.at("error_code"), "no_pages") << p.raw;
    else
      EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
  }
}

// ---------------------------------------------------- binary list (19) ----

TEST_F(Safety, BinaryDataOnStdinIsOneErrorNotThousands) {
  std::string junk;
  std::mt19937 rng(19);
  for (int i = 0; i < 200000; ++i) junk.push_back(static_cast<char>(rng()));
  std::ofstream(dir_ / "junk.bin", std::ios::binary) << junk;
  const auto r =
      run(cli() + " run - -o " + q(dir_ / "out") + " --ocr none -q < " + q(dir_ / "junk.bin"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto pages = read_pages(dir_ / "out");
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].str.at("error_code"), "unsupported_format");
  EXPECT_NE(pages[0].str.at("error").find("not a list of paths"), std::string::npos);
}

// ------------------------------------------------- non-UTF-8 names (16) ----

TEST_F(Safety, NamesThatAreNotUtf8GiveValidJsonAndCanBeRecovered) {
  const fs::path in = dir_ / "in";
  const std::string raw_name = "caf\xe9 \xff.png";  // Latin-1 é and a stray byte
  page(in / raw_name);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(dir_ / "out") + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const fs::path& f : {dir_ / "out" / "pages.jsonl", dir_ / "out" / "run.json",
                            dir_ / "out" / ".pageprep" / "journal.jsonl"}) {
    if (!fs::exists(f)) continue;  // the journal's place belongs to the lead's work
    const auto check = run(py_json_check(f));
    EXPECT_EQ(check.exit_code, 0) << f << " is not valid UTF-8 JSON: " << check.err;
  }
  // PEP 383: os.fsencode gives back the exact bytes of the name.
  const auto back =
      run("python3 -c 'import json,os,sys\nr=json.loads(open(sys.argv[1]).readline())\n"
          "sys.exit(0 if os.fsencode(r[\"input\"])==os.fsencode(sys.argv[2]) else 1)' " +
          q(dir_ / "out" / "pages.jsonl") + " " + q(in / raw_name));
  EXPECT_EQ(back.exit_code, 0) << back.err;
  // A second run finds the page done (the journal key survives the escape).
  const auto again = run(cli() + " run " + q(in) + " -o " + q(dir_ / "out") + " --ocr none");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("1 already done"), std::string::npos) << again.err;
}

// ------------------------------------------------------ duplicates (18) ----

TEST_F(Safety, TheSameInputGivenTwiceIsProcessedOnce) {
  const fs::path a = page(dir_ / "in" / "a.png");
  const auto r = run("cd " + q(dir_) + " && " + cli() + " run in/a.png " + q(a) +
                     " ./in/../in/a.png in -o out --ocr none -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("processed once"), std::string::npos) << r.err;
  EXPECT_EQ(read_pages(dir_ / "out").size(), 1u);
}

// ------------------------------------------------------------ DPI (9) ----

TEST_F(Safety, APageTaggedAt2400DpiKeepsItsGlyphs) {
  // The same A4 300-dpi page, tagged 300 and 2400 dpi. At 2400, despeckle
  // tuned for that resolution removed every glyph.
  const fs::path src = page(dir_ / "src.png");
  const cv::Mat gray = cv::imread(src.string(), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(gray.empty());
  fs::create_directories(dir_ / "in");
  for (const double dpi : {300.0, 2400.0}) {
    const auto enc = host::encode_page(gray, host::OutputFormat::kPng, dpi, false);
    ASSERT_EQ(enc.error, host::PageError::kNone) << enc.message;
    std::ofstream(dir_ / "in" / ("p" + std::to_string(int(dpi)) + ".png"), std::ios::binary)
        .write(reinterpret_cast<const char*>(enc.bytes.data()),
               static_cast<std::streamsize>(enc.bytes.size()));
  }
  ASSERT_TRUE(fs::exists(dir_ / "in" / "p2400.png"));
  const auto r =
      run(cli() + " run " + q(dir_ / "in") + " -o " + q(dir_ / "out") + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir_ / "out");
  ASSERT_EQ(pages.size(), 2u);
  for (const auto& p : pages) {
    const bool tagged_high = p.str.at("input").find("p2400") != std::string::npos;
    EXPECT_EQ(p.num.at("dpi"), 300) << p.raw;
    EXPECT_EQ(p.str.at("dpi_source"), tagged_high ? "estimated" : "file") << p.raw;
    if (tagged_high) {
      EXPECT_EQ(p.num.at("dpi_file"), 2400) << p.raw;
    }
  }
  auto ink = [&](const std::string& name) {
    // A folder argument's outputs go below its name (README, output layout).
    const cv::Mat m = cv::imread((dir_ / "out" / "in" / name).string(), cv::IMREAD_GRAYSCALE);
    EXPECT_FALSE(m.empty()) << name;
    return m.empty() ? 0 : cv::countNonZero(m < 128);
  };
  const int ink_300 = ink("p300.tif"), ink_2400 = ink("p2400.tif");
  EXPECT_GT(ink_300, 10000);
  EXPECT_GT(ink_2400, ink_300 * 9 / 10) << "glyphs lost at 2400 dpi";
  // --image-dpi chooses the replacement instead of the estimate.
  const auto o = run(cli() + " run " + q(dir_ / "in" / "p2400.png") + " -o " + q(dir_ / "out2") +
                     " --ocr none -q --image-dpi 400");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto op = read_pages(dir_ / "out2");
  ASSERT_EQ(op.size(), 1u);
  EXPECT_EQ(op[0].str.at("dpi_source"), "option");
  EXPECT_EQ(op[0].num.at("dpi"), 400);
}

// -------------------------------------------------- OCR confidence (12) ----

TEST_F(Safety, NoisePageHasNoConfidenceAndSaysItFoundNoText) {
  cv::Mat noise(1100, 850, CV_8UC1, cv::Scalar(255));
  std::mt19937 rng(14);
  for (int i = 0; i < 400; ++i) {
    const int x = static_cast<int>(rng() % 848), y = static_cast<int>(rng() % 1098);
    cv::rectangle(noise, {x, y}, {x + 4, y + 4}, cv::Scalar(0), cv::FILLED);
  }
  fs::create_directories(dir_ / "in");
  const auto enc = host::encode_page(noise, host::OutputFormat::kPng, 100, false);
  std::ofstream(dir_ / "in" / "noise.png", std::ios::binary)
      .write(reinterpret_cast<const char*>(enc.bytes.data()),
             static_cast<std::streamsize>(enc.bytes.size()));
  const auto r =
      run(cli() + " run " + q(dir_ / "in") + " -o " + q(dir_ / "out") +
          " --ocr-input gray --despeckle none --binarize none --no-deskew --no-rotate-pages -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir_ / "out");
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_FALSE(pages[0].has("ocr_confidence")) << pages[0].raw;
  EXPECT_EQ(pages[0].num.at("ocr_words"), 0) << pages[0].raw;
  EXPECT_EQ(pages[0].str.at("ocr_note"), "no text found") << pages[0].raw;
}

// ---------------------------------------------- options (20, 22, 23) ----

TEST_F(Safety, OptionChecksHappenUpFront) {
  const fs::path a = page(dir_ / "-dash.png");
  auto r = run(cli() + " run " + q(dir_ / "-dash.png") + " -o " + q(dir_ / "o") + " --window 301");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "o")) << "a usage error must not start the run";
  r = run("cd " + q(dir_) + " && " + cli() +
          " run -o o --ocr none -q --ocr-input auto -- -dash.png");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_pages(dir_ / "o").size(), 1u);
}

// ------------------------------------------------------ permissions ----

// Runs `cmd` as nobody with setpriv; nullopt when that cannot work here.
std::optional<CommandResult> run_as_nobody(const std::string& cmd) {
  const std::string drop =
      ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups -- " : std::string();
  if (run(drop + "test -x " + cli()).exit_code != 0) return std::nullopt;
  return run(drop + "sh -c " + q(cmd));
}

TEST_F(Safety, UnreadableInputsAndUnwritableOutputsAsAnUnprivilegedUser) {
  const fs::path in = dir_ / "in";
  page(in / "ok.png");
  page(in / "locked.png");
  page(in / "sub" / "b.png");
  fs::permissions(dir_, fs::perms::all, fs::perm_options::add);  // nobody writes outputs here
  ASSERT_EQ(::chmod((in / "locked.png").c_str(), 0), 0);
  ASSERT_EQ(::chmod((in / "sub").c_str(), 0), 0);
  fs::create_directories(dir_ / "ro");
  ASSERT_EQ(::chmod((dir_ / "ro").c_str(), 0555), 0);

  const auto r =
      run_as_nobody(cli() + " run " + q(in) + " -o " + q(dir_ / "out") + " --ocr none -q");
  if (!r) GTEST_SKIP() << "cannot run the CLI as nobody here";
  EXPECT_EQ(r->exit_code, 3) << r->err;
  EXPECT_NE(r->err.find("locked.png [page 0]: unreadable"), std::string::npos) << r->err;
  EXPECT_NE(r->err.find("cannot list folder"), std::string::npos) << r->err;
  const auto pages = read_pages(dir_ / "out");
  ASSERT_EQ(pages.size(), 3u);
  int ok = 0;
  for (const auto& p : pages) ok += p.str.at("status") == "ok";
  EXPECT_EQ(ok, 1);

  const auto w = run_as_nobody(cli() + " run " + q(in / "ok.png") + " -o " + q(dir_ / "ro") +
                               " --ocr none -q");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->exit_code, 1) << w->err;
  EXPECT_NE(w->err.find("not writable"), std::string::npos) << w->err;
}

}  // namespace
}  // namespace pageprep::e2e
