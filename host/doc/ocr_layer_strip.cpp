// See ocr_layer_strip.hpp.
#include "doc/ocr_layer_strip.hpp"

#include <qpdf/QPDFTokenizer.hh>

#include <memory>
#include <string>
#include <vector>

namespace pageprep::host {
namespace {

bool shows_text(const std::string& op) {
  return op == "Tj" || op == "TJ" || op == "'" || op == "\"";
}
// Operators that only make sense inside a text object.
bool text_object_only(const std::string& op) {
  return shows_text(op) || op == "Td" || op == "TD" || op == "Tm" || op == "T*" || op == "BT" ||
         op == "ET";
}

class InvisibleTextFilter : public QPDFObjectHandle::TokenFilter {
 public:
  void handleToken(const QPDFTokenizer::Token& t) override {
    const bool op = t.getType() == QPDFTokenizer::tt_word;
    const std::string v = op ? t.getValue() : std::string();
    if (!in_text_) {
      if (op && v == "BT") {
        in_text_ = true;
        visible_ = false;
        block_.clear();
        kept_.clear();
        operands_.clear();
        block_.push_back(t);
        return;
      }
      if (op && v == "q") modes_.push_back(mode_);
      if (op && v == "Q" && !modes_.empty()) {
        mode_ = modes_.back();
        modes_.pop_back();
      }
      if (op && v == "Tr" && last_number_ >= 0) mode_ = last_number_;
      note_number(t);
      writeToken(t);
      return;
    }
    block_.push_back(t);
    if (!op) {
      note_number(t);
      operands_.push_back(t);
      return;
    }
    if (v == "Tr" && last_number_ >= 0) mode_ = last_number_;
    if (shows_text(v) && mode_ != 3) visible_ = true;
    if (!text_object_only(v)) {
      for (const auto& o : operands_) kept_.push_back(o);
      kept_.push_back(t);
      kept_.emplace_back(QPDFTokenizer::tt_space, " ");
    }
    operands_.clear();
    last_number_ = -1;
    if (v == "ET") {
      in_text_ = false;
      if (visible_) {
        for (const auto& b : block_) writeToken(b);
      } else {
        write(" ");
        for (const auto& k : kept_) writeToken(k);
      }
      block_.clear();
      kept_.clear();
    }
  }
  void handleEOF() override {
    for (const auto& b : block_) writeToken(b);  // an unterminated text object: as it was
  }

 private:
  void note_number(const QPDFTokenizer::Token& t) {
    if (t.getType() == QPDFTokenizer::tt_integer) {
      last_number_ = std::atoi(t.getValue().c_str());
    } else if (t.getType() != QPDFTokenizer::tt_space && t.getType() != QPDFTokenizer::tt_comment) {
      last_number_ = -1;
    }
  }

  bool in_text_ = false, visible_ = false;
  int mode_ = 0, last_number_ = -1;
  std::vector<int> modes_;
  std::vector<QPDFTokenizer::Token> block_, kept_, operands_;
};

}  // namespace

void strip_invisible_text(QPDFPageObjectHelper page) {
  page.addContentTokenFilter(std::make_shared<InvisibleTextFilter>());
}

}  // namespace pageprep::host
