// The review sheet's cells: pages.jsonl records grouped per master, their
// decisions in words and why they are doubtful (review_sheet.hpp).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

#include "report/review_sheet.hpp"
#include "util/json_reader.hpp"

namespace pageprep::host {
namespace {

std::optional<ReviewBox> box_of(const JsonValue& rec, const char* key) {
  const JsonValue* v = rec.get(key);
  if (!v || v->kind() != JsonValue::Kind::kArray || v->items().size() != 4) return std::nullopt;
  int64_t n[4];
  for (size_t i = 0; i < 4; ++i) {
    const JsonValue& e = v->items()[i];
    if (e.kind() != JsonValue::Kind::kNumber || !std::isfinite(e.as_number())) return std::nullopt;
    n[i] = static_cast<int64_t>(std::llround(e.as_number()));
  }
  if (n[2] <= 0 || n[3] <= 0) return std::nullopt;
  return ReviewBox{n[0], n[1], n[2], n[3]};
}

std::optional<double> number_of(const JsonValue& rec, const char* key) {
  const JsonValue* v = rec.get(key);
  if (!v || v->kind() != JsonValue::Kind::kNumber || !std::isfinite(v->as_number()))
    return std::nullopt;
  return v->as_number();
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string box_text(const ReviewBox& b) {
  return "[" + std::to_string(b.x) + "," + std::to_string(b.y) + "," + std::to_string(b.w) + "," +
         std::to_string(b.h) + "]";
}

// Notes that say a step was rightly not needed, not that it failed.
bool benign_crop_note(const std::string& n) {
  return n.find("fills the image") != std::string::npos;
}
bool benign_skew_note(const std::string& n) {
  return n.find("rounds to zero") != std::string::npos;
}
bool benign_dewarp_note(const std::string& n) {
  return n.find("flat") != std::string::npos;
}

// Adds the doubts of one part (prefix: "left: " for a half).
void judge(const ReviewPart& p, const std::string& prefix, ReviewCell* c) {
  auto add = [&](int w, const std::string& why) {
    c->doubt += w;
    c->reasons.push_back(prefix + why);
  };
  if (p.status == "error") add(100, "page failed (" + p.error_code + ")");
  if (!p.split_note.empty()) add(50, "not split: " + p.split_note);
  if (p.split_confidence && *p.split_confidence < kReviewLowSplitConfidence)
    add(40, "split confidence " + fmt("%.2f", *p.split_confidence));
  if (!p.crop_note.empty() && !benign_crop_note(p.crop_note)) add(40, "crop: " + p.crop_note);
  if (p.dewarp_max_px && p.dewarp_confidence && *p.dewarp_confidence < kReviewLowDewarpConfidence)
    add(30, "dewarp confidence " + fmt("%.2f", *p.dewarp_confidence));
  if (!p.dewarp_note.empty() && !benign_dewarp_note(p.dewarp_note))
    add(20, "dewarp: " + p.dewarp_note);
  if (p.has_skew && std::fabs(p.skew_deg) >= kReviewLargeAngleDeg)
    add(20 + static_cast<int>(std::fabs(p.skew_deg)), "large angle " + fmt("%+.2f", p.skew_deg));
  if (!p.skew_note.empty() && !benign_skew_note(p.skew_note))
    add(p.skew_note.find("confidence") != std::string::npos ? 15 : 5, "deskew: " + p.skew_note);
}

// Word-wraps `s` to lines of at most `width` characters.
void wrap(const std::string& s, size_t width, std::vector<std::string>* out) {
  std::string line;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    std::string word = s.substr(i, j - i);
    i = j + 1;
    while (word.size() > width) {  // a word longer than a line is cut
      if (!line.empty()) out->push_back(line), line.clear();
      out->push_back(word.substr(0, width));
      word = word.substr(width);
    }
    if (!line.empty() && line.size() + 1 + word.size() > width) out->push_back(line), line.clear();
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out->push_back(line);
}

// A short name: the last two components of the input path, and the page.
std::string page_name(const ReviewCell& c) {
  std::string p = c.input;
  size_t cut = p.rfind('/');
  if (cut != std::string::npos && cut > 0) {
    const size_t up = p.rfind('/', cut - 1);
    if (up != std::string::npos) p = p.substr(up + 1);
  }
  if (c.page > 0 || (!c.parts.empty() && c.parts[0].format == "pdf") ||
      (!c.parts.empty() && c.parts[0].format == "tiff"))
    p += " p." + std::to_string(c.page + 1);
  return p;
}

}  // namespace

ReviewPart review_part(const JsonValue& r) {
  ReviewPart p;
  p.status = r.str("status");
  p.error_code = r.str("error_code");
  p.error = r.str("error");
  p.width = static_cast<int64_t>(number_of(r, "width").value_or(0));
  p.height = static_cast<int64_t>(number_of(r, "height").value_or(0));
  p.format = r.str("format");
  p.split_part = r.str("split_part");
  p.source_box = box_of(r, "source_box");
  p.crop_box = box_of(r, "crop_box");
  p.split_confidence = number_of(r, "split_confidence");
  p.split_note = r.str("split_note");
  p.crop_note = r.str("crop_note");
  p.skew_note = r.str("skew_note");
  if (const auto s = number_of(r, "skew_deg")) p.has_skew = true, p.skew_deg = *s;
  p.skew_confidence = number_of(r, "skew_confidence").value_or(0);
  p.rotated = r.boolean("rotated");
  p.dewarp_confidence = number_of(r, "dewarp_confidence");
  p.dewarp_max_px = number_of(r, "dewarp_max_px");
  p.dewarp_note = r.str("dewarp_note");
  return p;
}

void sort_review_cells(std::vector<ReviewCell>* cells) {
  std::stable_sort(cells->begin(), cells->end(), [](const ReviewCell& a, const ReviewCell& b) {
    if (a.doubt != b.doubt) return a.doubt > b.doubt;
    return a.order < b.order;
  });
}

std::vector<ReviewCell> review_cells(const std::vector<JsonValue>& records) {
  std::vector<ReviewCell> cells;
  std::map<std::pair<std::string, int32_t>, size_t> index;
  for (size_t i = 0; i < records.size(); ++i) {
    const JsonValue& r = records[i];
    if (!r.is_object()) continue;
    // The master page: `source_page` when a step names it, else `page`.
    const auto page = static_cast<int32_t>(
        number_of(r, "source_page").value_or(number_of(r, "page").value_or(0)));
    const auto key = std::make_pair(r.str("input"), page);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, cells.size()).first;
      ReviewCell c;
      c.input = key.first;
      c.page = page;
      c.order = i;
      cells.push_back(std::move(c));
    }
    cells[it->second].parts.push_back(review_part(r));
  }
  for (ReviewCell& c : cells) {
    // Halves in reading order on the master: left, then right.
    std::stable_sort(c.parts.begin(), c.parts.end(), [](const ReviewPart& a, const ReviewPart& b) {
      return a.split_part == "left" && b.split_part != "left";
    });
    const bool halves = c.parts.size() > 1 || !c.parts[0].split_part.empty();
    for (const ReviewPart& p : c.parts)
      judge(p, halves && !p.split_part.empty() ? p.split_part + ": " : "", &c);
  }
  sort_review_cells(&cells);
  return cells;
}

std::vector<std::string> review_cell_text(const ReviewCell& c, size_t max_lines) {
  constexpr size_t kWidth = 40;  // characters of 6.2-pt Helvetica in a cell
  std::vector<std::string> lines;
  wrap(page_name(c), kWidth, &lines);
  if (!c.thumb_error.empty()) wrap("NO THUMBNAIL: " + c.thumb_error, kWidth, &lines);
  if (c.doubt > 0) {
    std::string s = "CHECK:";
    for (size_t i = 0; i < c.reasons.size(); ++i) s += (i ? "; " : " ") + c.reasons[i];
    wrap(s, kWidth, &lines);
  }
  for (const ReviewPart& p : c.parts) {
    const std::string pre = p.split_part.empty() ? "" : p.split_part + ": ";
    std::string s;
    if (p.source_box) s += pre + "split half " + box_text(*p.source_box);
    if (p.split_confidence) s += " conf " + fmt("%.2f", *p.split_confidence);
    if (!p.split_note.empty()) s += "split: left whole (" + p.split_note + ")";
    if (!s.empty()) wrap(s, kWidth, &lines);
    if (p.status == "error") {
      wrap(pre + "ERROR " + p.error_code + ": " + p.error, kWidth, &lines);
      continue;
    }
    s = pre;
    if (p.crop_box)
      s += "crop " + box_text(*p.crop_box) + "; ";
    else if (!p.crop_note.empty())
      s += "not cropped (" + p.crop_note + "); ";
    if (p.has_skew) {
      s += "skew " + fmt("%+.2f", p.skew_deg) + "\xC2\xB0 " +
           (p.rotated ? "rotated" : "not rotated");
      if (!p.skew_note.empty()) s += " (" + p.skew_note + ")";
    }
    wrap(s, kWidth, &lines);
    s.clear();
    if (p.dewarp_max_px) {
      s = pre + "dewarped, max " + fmt("%.1f", *p.dewarp_max_px) + " px";
      if (p.dewarp_confidence) s += ", conf " + fmt("%.2f", *p.dewarp_confidence);
    } else if (!p.dewarp_note.empty()) {
      s = pre + "not dewarped (" + p.dewarp_note + ")";
    }
    if (!s.empty()) wrap(s, kWidth, &lines);
  }
  if (lines.size() > max_lines) {
    const size_t left = lines.size() - (max_lines - 1);
    lines.resize(max_lines - 1);
    lines.push_back("... " + std::to_string(left) + " more line(s) in pages.jsonl");
  }
  return lines;
}

}  // namespace pageprep::host
