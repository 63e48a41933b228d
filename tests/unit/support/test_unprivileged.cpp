// run_unprivileged (tests/support/unprivileged.hpp): "cannot drop privileges"
// is exit code 77 and nothing else; a crash, another exit code or an
// exception in the child fails the caller with the signal or the code named,
// so it can never pass as a skip.
#include "support/unprivileged.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace pageprep {
namespace {

// The message run_unprivileged throws for fn, or "" when it throws nothing.
std::string thrown_by(const std::function<std::string()>& fn) {
  try {
    (void)test::run_unprivileged(fn);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Unprivileged, ResultOfFnComesBackThroughThePipe) {
  const auto r =
      test::run_unprivileged([] { return std::string("uid ") + std::to_string(::geteuid()); });
  if (!r) GTEST_SKIP() << "cannot drop to an unprivileged user here";
  EXPECT_NE(*r, "uid 0");  // fn ran without root
  EXPECT_EQ(r->rfind("uid ", 0), 0u) << *r;
}

TEST(Unprivileged, ExitCode77MeansCannotDropAndNothingElse) {
  const auto r = test::run_unprivileged([]() -> std::string { ::_exit(test::kCannotDropExit); });
  EXPECT_FALSE(r.has_value());
}

TEST(Unprivileged, ASegfaultInTheChildIsAFailureNamingTheSignal) {
  const std::string msg = thrown_by([]() -> std::string {
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
    return "not reached";
  });
  EXPECT_NE(msg.find("killed by signal " + std::to_string(SIGSEGV)), std::string::npos) << msg;
}

TEST(Unprivileged, AnAbortLikeAnAsanReportIsAFailure) {
  const std::string msg = thrown_by([]() -> std::string { std::abort(); });
  EXPECT_NE(msg.find("killed by signal " + std::to_string(SIGABRT)), std::string::npos) << msg;
}

TEST(Unprivileged, AnotherExitCodeIsAFailureNamingTheCode) {
  const std::string msg = thrown_by([]() -> std::string { ::_exit(3); });
  EXPECT_NE(msg.find("exited with code 3"), std::string::npos) << msg;
}

TEST(Unprivileged, AnExceptionEscapingFnIsAFailure) {
  const std::string msg = thrown_by([]() -> std::string { throw std::logic_error("boom"); });
  EXPECT_NE(msg.find("exited with code " + std::to_string(test::kThrewExit)), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace pageprep
