/// \file report.hpp
/// \brief Per-operation verdicts of the kernels-only check, printed as
/// `parity <op>: pass|FAIL|skipped <detail>` lines (device_check.sh and
/// kcheck_test.sh read them).
#pragma once

#include <cstdio>
#include <string>

namespace pageprep::kcheck {

class Report {
 public:
  void pass(const std::string& op, const std::string& detail = "") {
    ++passed_;
    std::printf("parity %s: pass %s\n", op.c_str(), detail.c_str());
    std::fflush(stdout);
  }
  void fail(const std::string& op, const std::string& detail) {
    ++failed_;
    std::printf("parity %s: FAIL %s\n", op.c_str(), detail.c_str());
    std::fflush(stdout);
  }
  void skip(const std::string& op, const std::string& reason) {
    ++skipped_;
    std::printf("parity %s: skipped (%s)\n", op.c_str(), reason.c_str());
    std::fflush(stdout);
  }
  /// pass or fail on one condition.
  void expect(bool ok, const std::string& op, const std::string& detail) {
    if (ok) {
      pass(op);
    } else {
      fail(op, detail);
    }
  }
  int passed() const { return passed_; }
  int failed() const { return failed_; }
  int skipped() const { return skipped_; }

 private:
  int passed_ = 0, failed_ = 0, skipped_ = 0;
};

}  // namespace pageprep::kcheck
