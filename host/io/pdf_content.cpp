// What a page's content paints (scan_pdf_page, pdf_document.hpp): a content
// stream parser that follows the graphics state, the clip and the forms a
// page uses, and records each image's placement and what could hide part of
// it (clip paths, form /BBox, optional content).
#include <qpdf/QPDFPageObjectHelper.hh>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "io/pdf_document.hpp"
#include "io/pdf_internal.hpp"
#include "pageprep/kernels/batch.hpp"

namespace pageprep::host {

namespace detail {

double number_or(QPDFObjectHandle o, double fallback) {
  return o.isNumber() ? o.getNumericValue() : fallback;
}

bool read_rect(QPDFObjectHandle o, double* x0, double* y0, double* x1, double* y1) {
  if (!o.isArray() || o.getArrayNItems() != 4) return false;
  double v[4];
  for (int i = 0; i < 4; ++i) {
    QPDFObjectHandle it = o.getArrayItem(i);
    if (!it.isNumber()) return false;
    v[i] = it.getNumericValue();
  }
  *x0 = std::min(v[0], v[2]);
  *x1 = std::max(v[0], v[2]);
  *y0 = std::min(v[1], v[3]);
  *y1 = std::max(v[1], v[3]);
  return *x1 > *x0 && *y1 > *y0;
}

}  // namespace detail

namespace {

using detail::number_or;
using detail::read_rect;

Affine matrix_from(const std::vector<QPDFObjectHandle>& ops) {
  Affine m;
  if (ops.size() < 6) return m;
  double v[6];
  for (size_t i = 0; i < 6; ++i) {
    const QPDFObjectHandle& o = ops[ops.size() - 6 + i];
    if (!const_cast<QPDFObjectHandle&>(o).isNumber()) return m;
    v[i] = const_cast<QPDFObjectHandle&>(o).getNumericValue();
  }
  return {v[0], v[1], v[2], v[3], v[4], v[5]};
}

// The clip in force, as a rectangle in the page's user space: a viewer shows
// only what lies inside it. `exact` is false once a clip that is not an
// axis-aligned rectangle (a curve, a turned rectangle, several subpaths) has
// been intersected: nothing is then known to be fully visible.
struct ClipState {
  bool set = false, exact = true;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::string by;  ///< what set it ("a clip path", "a form's /BBox")

  void intersect(double ax0, double ay0, double ax1, double ay1, bool axis_aligned,
                 const char* what) {
    if (by.empty()) by = what;
    if (!axis_aligned) exact = false;
    if (!set) {
      x0 = ax0, y0 = ay0, x1 = ax1, y1 = ay1;
      set = true;
    } else {
      x0 = std::max(x0, ax0), y0 = std::max(y0, ay0);
      x1 = std::min(x1, ax1), y1 = std::min(y1, ay1);
    }
  }
  /// Whether the user-space box lies inside the clip (to `tol` points).
  bool shows_all_of(double bx0, double by0, double bx1, double by1, double tol) const {
    if (!set) return true;
    return exact && bx0 >= x0 - tol && by0 >= y0 - tol && bx1 <= x1 + tol && by1 <= y1 + tol;
  }
};

// The bounding box of a rectangle under `m`; `axis_aligned` says whether the
// image of the rectangle is that box (m neither turns nor shears it).
void box_under(const Affine& m, double x0, double y0, double x1, double y1, double* bx0,
               double* by0, double* bx1, double* by1, bool* axis_aligned) {
  const auto p0 = m.apply(x0, y0), p1 = m.apply(x1, y0), p2 = m.apply(x1, y1), p3 = m.apply(x0, y1);
  *bx0 = std::min({p0[0], p1[0], p2[0], p3[0]});
  *bx1 = std::max({p0[0], p1[0], p2[0], p3[0]});
  *by0 = std::min({p0[1], p1[1], p2[1], p3[1]});
  *by1 = std::max({p0[1], p1[1], p2[1], p3[1]});
  const double s = std::max({std::fabs(m.a), std::fabs(m.b), std::fabs(m.c), std::fabs(m.d)});
  *axis_aligned = (std::fabs(m.b) <= s * 1e-6 && std::fabs(m.c) <= s * 1e-6) ||
                  (std::fabs(m.a) <= s * 1e-6 && std::fabs(m.d) <= s * 1e-6);
}

// Walks content streams, tracking the CTM, the text render mode and the clip
// through q/Q, and records what is painted. Forms are entered (a few levels
// deep). An image is "hidden" (and the page rendered, as a viewer shows it)
// when a clip path or a form's /BBox cuts any of it away, or when it is
// optional content (/OC on it or on its form, or inside a BDC /OC section):
// pageprep does not evaluate optional-content configurations, so any /OC is
// taken as possibly off.
// Thrown out of the callbacks (through qpdf's parser, which only catches its
// own TerminateParsing) when the page's scan budget is spent: it unwinds every
// nested form scan at once.
struct ScanBudgetSpent {
  std::string what;
};

// The page's budget, shared by the scanners of the page and of its forms.
class ScanBudget {
 public:
  explicit ScanBudget(PdfPageContent* out)
      : out_(out),
        deadline_(std::chrono::steady_clock::now() + std::chrono::milliseconds(kPdfScanMaxMs)) {}
  void object() {
    const int64_t n = ++out_->scanned_objects;
    if (n > kPdfScanMaxOperators)
      throw ScanBudgetSpent{"more than " + std::to_string(kPdfScanMaxOperators) +
                            " content operators and operands"};
    if ((n & 4095) == 0 && std::chrono::steady_clock::now() > deadline_)
      throw ScanBudgetSpent{"content scan longer than " + std::to_string(kPdfScanMaxMs) + " ms"};
  }
  void form() {
    if (++out_->scanned_forms > kPdfScanMaxForms)
      throw ScanBudgetSpent{"more than " + std::to_string(kPdfScanMaxForms) +
                            " form XObjects used"};
  }

 private:
  PdfPageContent* out_;
  std::chrono::steady_clock::time_point deadline_;
};

class ContentScanner : public QPDFObjectHandle::ParserCallbacks {
 public:
  ContentScanner(PdfPageContent* out, ScanBudget* budget, QPDFObjectHandle resources, Affine ctm,
                 int depth, ClipState clip = {})
      : out_(out),
        budget_(budget),
        resources_(resources),
        ctm_(ctm),
        depth_(depth),
        clip_(std::move(clip)) {}

  void handleObject(QPDFObjectHandle obj) override {
    budget_->object();
    if (obj.isInlineImage()) {
      out_->inline_images = true;
      mark("inline image");
      check_inline_image(obj.getInlineImageValue().size());
      return;
    }
    if (!obj.isOperator()) {
      operands_.push_back(obj);
      return;
    }
    const std::string op = obj.getOperatorValue();
    if (op == "q") {
      stack_.push_back({ctm_, render_mode_, clip_});
    } else if (op == "Q") {
      if (!stack_.empty()) {
        ctm_ = stack_.back().ctm;
        render_mode_ = stack_.back().render_mode;
        clip_ = stack_.back().clip;
        stack_.pop_back();
      }
    } else if (op == "cm") {
      ctm_ = then(matrix_from(operands_), ctm_);
    } else if (op == "Tr") {
      if (!operands_.empty() && operands_.back().isNumber())
        render_mode_ = static_cast<int>(operands_.back().getNumericValue());
    } else if (op == "Tj" || op == "TJ" || op == "'" || op == "\"") {
      if (render_mode_ == 3) {
        out_->invisible_text = true;
      } else {
        out_->visible_text = true;
        mark("text");
      }
      if (render_mode_ >= 4) clip_.intersect(0, 0, 0, 0, false, "a text clip");
    } else if (op == "re") {
      path_rect();
    } else if (op == "m" || op == "l" || op == "c" || op == "v" || op == "y" || op == "h") {
      path_other_ = true;
    } else if (op == "W" || op == "W*") {
      clip_path();
    } else if (op == "S" || op == "s" || op == "f" || op == "F" || op == "f*" || op == "B" ||
               op == "B*" || op == "b" || op == "b*" || op == "sh") {
      out_->vector = true;
      mark("vector graphics");
      end_path();
    } else if (op == "n") {
      end_path();
    } else if (op == "BDC" && operands_.size() >= 2 && operands_[0].isNameAndEquals("/OC")) {
      mark("optional content (a BDC /OC section)");
    } else if (op == "BI") {
      out_->inline_images = true;
      mark("inline image");
    } else if (op == "ID") {
      inline_dict_ = operands_;  // the inline image's keys and values
    } else if (op == "Do" && !operands_.empty() && operands_.back().isName()) {
      do_xobject(operands_.back().getName());
    }
    operands_.clear();
  }
  void handleEOF() override {}

 private:
  struct Saved {
    Affine ctm;
    int render_mode;
    ClipState clip;
  };

  void mark(const std::string& what) {
    if (out_->first_painting.empty()) out_->first_painting = what;
  }

  // `re` operands: x y w h.
  void path_rect() {
    double v[4];
    const size_t n = operands_.size();
    for (size_t i = 0; i < 4; ++i) {
      if (n < 4 || !operands_[n - 4 + i].isNumber()) {
        path_other_ = true;
        return;
      }
      v[i] = operands_[n - 4 + i].getNumericValue();
    }
    const double x = v[0], y = v[1], w = v[2], h = v[3];
    double bx0, by0, bx1, by1;
    bool aligned;
    box_under(ctm_, std::min(x, x + w), std::min(y, y + h), std::max(x, x + w), std::max(y, y + h),
              &bx0, &by0, &bx1, &by1, &aligned);
    if (++path_rects_ == 1) {
      rect_[0] = bx0, rect_[1] = by0, rect_[2] = bx1, rect_[3] = by1;
      rect_aligned_ = aligned;
    }
  }

  void clip_path() {
    // One axis-aligned rectangle is exact; anything else (curves, several
    // subpaths, whose union or even-odd fill we do not compute) is not.
    if (path_rects_ == 1 && !path_other_)
      clip_.intersect(rect_[0], rect_[1], rect_[2], rect_[3], rect_aligned_, "a clip path");
    else
      clip_.intersect(0, 0, 0, 0, false, "a clip path");
  }

  void end_path() {
    path_rects_ = 0;
    path_other_ = false;
  }

  void fault(PageError e, const std::string& message) {
    if (out_->image_fault != PageError::kNone) return;
    out_->image_fault = e;
    out_->image_fault_message = message;
  }

  // An image's /Width x /Height beyond what any page may have.
  bool check_pixels(const char* what, double w, double h) {
    if (w * h <= static_cast<double>(kernels::kMaxPagePixels)) return true;
    fault(PageError::kTooLarge,
          std::string(what) + " claims " + std::to_string(static_cast<int64_t>(w)) + " x " +
              std::to_string(static_cast<int64_t>(h)) + " pixels; the limit is " +
              std::to_string(kernels::kMaxPagePixels));
    return false;
  }

  // The inline image whose data is `bytes` long, by the keys before its ID.
  void check_inline_image(size_t bytes) {
    double w = 0, h = 0, bpc = 8, comps = 0;
    bool filtered = false;
    for (size_t i = 0; i + 1 < inline_dict_.size(); i += 2) {
      if (!inline_dict_[i].isName()) continue;
      const std::string k = inline_dict_[i].getName();
      QPDFObjectHandle v = inline_dict_[i + 1];
      if (k == "/W" || k == "/Width") w = number_or(v, 0);
      if (k == "/H" || k == "/Height") h = number_or(v, 0);
      if (k == "/BPC" || k == "/BitsPerComponent") bpc = number_or(v, 8);
      if (k == "/F" || k == "/Filter") filtered = !v.isNull();
      if ((k == "/IM" || k == "/ImageMask") && v.isBool() && v.getBoolValue()) comps = 1, bpc = 1;
      if ((k == "/CS" || k == "/ColorSpace") && v.isName()) {
        const std::string cs = v.getName();
        comps = (cs == "/G" || cs == "/DeviceGray" || cs == "/I" || cs == "/Indexed") ? 1
                : (cs == "/RGB" || cs == "/DeviceRGB")                                ? 3
                : (cs == "/CMYK" || cs == "/DeviceCMYK")                              ? 4
                                                                                      : 0;
      }
    }
    inline_dict_.clear();
    if (!check_pixels("an inline image", w, h) || filtered || comps == 0) return;
    const double need = std::ceil(w * comps * bpc / 8) * h;
    if (static_cast<double>(bytes) < need)
      fault(PageError::kCorrupt,
            "an inline image of " + std::to_string(static_cast<int64_t>(w)) + " x " +
                std::to_string(static_cast<int64_t>(h)) + " holds " + std::to_string(bytes) +
                " of the " + std::to_string(static_cast<int64_t>(need)) + " bytes it needs");
  }

  void do_xobject(const std::string& name) {
    if (!resources_.isDictionary()) return;
    QPDFObjectHandle xobjects = resources_.getKey("/XObject");
    if (!xobjects.isDictionary()) return;
    QPDFObjectHandle x = xobjects.getKey(name);
    if (!x.isStream()) return;
    QPDFObjectHandle dict = x.getDict();
    QPDFObjectHandle subtype = dict.getKey("/Subtype");
    if (subtype.isNameAndEquals("/Image")) {
      if (dict.hasKey("/OC")) mark("optional content (/OC on an image)");
      check_pixels("an image", number_or(dict.getKey("/Width"), 0),
                   number_or(dict.getKey("/Height"), 0));
      double bx0, by0, bx1, by1;
      bool aligned;
      box_under(ctm_, 0, 0, 1, 1, &bx0, &by0, &bx1, &by1, &aligned);
      const double tol = 0.005 * std::max(bx1 - bx0, by1 - by0);
      if (!clip_.shows_all_of(bx0, by0, bx1, by1, tol)) mark("image partly hidden by " + clip_.by);
      out_->image_area += (bx1 - bx0) * (by1 - by0);
      if (out_->images++ == 0) {
        out_->image = x;
        out_->image_ctm = ctm_;
      } else {
        mark("several images");
      }
    } else if (subtype.isNameAndEquals("/Form")) {
      if (depth_ >= kPdfScanMaxFormDepth) {
        mark("deeply nested forms");
        return;
      }
      budget_->form();
      if (dict.hasKey("/OC")) mark("optional content (/OC on a form)");
      Affine m;
      QPDFObjectHandle mo = dict.getKey("/Matrix");
      if (mo.isArray() && mo.getArrayNItems() == 6) m = matrix_from(mo.getArrayAsVector());
      const Affine form_ctm = then(m, ctm_);
      ClipState clip = clip_;
      double fx0, fy0, fx1, fy1;
      if (read_rect(dict.getKey("/BBox"), &fx0, &fy0, &fx1, &fy1)) {
        double bx0, by0, bx1, by1;
        bool aligned;
        box_under(form_ctm, fx0, fy0, fx1, fy1, &bx0, &by0, &bx1, &by1, &aligned);
        clip.intersect(bx0, by0, bx1, by1, aligned, "a form's /BBox");
      } else {
        clip.intersect(0, 0, 0, 0, false, "a form's /BBox");  // required; absent or empty
      }
      QPDFObjectHandle res = dict.getKey("/Resources");
      ContentScanner inner(out_, budget_, res.isDictionary() ? res : resources_, form_ctm,
                           depth_ + 1, clip);
      QPDFObjectHandle::parseContentStream(x, &inner);
    }
  }

  PdfPageContent* out_;
  ScanBudget* budget_;
  QPDFObjectHandle resources_;
  Affine ctm_;
  int depth_;
  ClipState clip_;
  int render_mode_ = 0;
  int path_rects_ = 0;
  bool path_other_ = false, rect_aligned_ = true;
  double rect_[4] = {0, 0, 0, 0};
  std::vector<Saved> stack_;
  std::vector<QPDFObjectHandle> operands_;
  std::vector<QPDFObjectHandle> inline_dict_;  ///< the last BI ... ID keys and values
};

}  // namespace

PdfPageContent scan_pdf_page(QPDFPageObjectHelper& page) {
  PdfPageContent c;
  ScanBudget budget(&c);
  ContentScanner scanner(&c, &budget, page.getAttribute("/Resources", false), Affine{}, 0);
  try {
    page.parseContents(&scanner);
  } catch (const ScanBudgetSpent& spent) {
    // Never a long scan: what the page paints is left to the renderer, which
    // has its own time and memory limits (pdf_render.cpp).
    c.budget_exceeded = true;
    c.first_painting = "content too complex to scan (" + spent.what + ")";
  }
  return c;
}

}  // namespace pageprep::host
