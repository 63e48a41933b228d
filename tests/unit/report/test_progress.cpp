// Progress: on a terminal, the bar that finish() draws says how many pages are
// done and failed and is ended with a newline; --quiet prints nothing at all;
// off a terminal nothing is printed before the interval has passed, and
// finish() adds nothing (issue 23 item 7). The expected text is written here.
#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <string>

#include "report/progress.hpp"

namespace pageprep::host {
namespace {

TEST(Progress, TheTerminalBarCountsPagesAndFailuresAndEndsItsLine) {
  std::ostringstream out;
  std::mutex mutex;
  Progress p(out, mutex, 4, /*quiet=*/false, 5, /*terminal=*/true);
  p.page_done(true);
  p.page_done(false);
  p.page_done(true);
  p.finish();
  const std::string s = out.str();
  // The last drawing is the final one: 3 of 4, a bar 3/4 full, one failure.
  const size_t last = s.rfind('\r');
  ASSERT_NE(last, std::string::npos) << s;
  const std::string bar = s.substr(last);
  EXPECT_EQ(bar.rfind("\r[######################........] 3/4 pages  ", 0), 0u) << bar;
  EXPECT_NE(bar.find("failed 1\033[K\n"), std::string::npos) << bar;
}

TEST(Progress, AfterFinishThereIsNoBarLeftToClear) {
  std::ostringstream out;
  std::mutex mutex;
  Progress p(out, mutex, 2, false, 5, true);
  p.page_done(true);
  p.finish();  // the bar is ended by a newline: nothing left to clear
  const std::string before = out.str();
  p.clear_line();
  EXPECT_EQ(out.str(), before);
}

TEST(Progress, QuietPrintsNothing) {
  std::ostringstream out;
  std::mutex mutex;
  for (bool terminal : {true, false}) {
    Progress p(out, mutex, 3, /*quiet=*/true, 1, terminal);
    p.page_done(true);
    p.page_done(false);
    p.tick();
    p.finish();
  }
  EXPECT_EQ(out.str(), "");
}

TEST(Progress, OffATerminalNothingBeforeTheIntervalAndNothingAtTheEnd) {
  std::ostringstream out;
  std::mutex mutex;
  Progress p(out, mutex, 100, false, /*interval_s=*/3600, /*terminal=*/false);
  for (int i = 0; i < 50; ++i) p.page_done(i % 7 != 0);
  p.tick();
  p.finish();  // the run's summary line follows from the caller
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace pageprep::host
