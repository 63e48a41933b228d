// Tesseract's hOCR, ALTO and TSV with their coordinates moved to the master
// (ocr_outputs.hpp). The rewriting touches numbers in known attributes only
// and copies everything else byte for byte.
#include "doc/ocr_outputs.hpp"

#include <tesseract/baseapi.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "util/json_writer.hpp"

namespace pageprep::host {
namespace {

// XML specials escaped, and raw bytes that XML rejects written as "\xNN".
std::string xml_escape(const std::string& raw) {
  const std::string s = xml_safe_utf8(raw);
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default:
        o.push_back(c);
    }
  }
  return o;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

// The text on the master is turned this much counter-clockwise (degrees, in
// (-180, 180]): the skew the deskew removed plus the quarter turn undone.
double master_text_rotation(const PageGeometry& g) {
  double r = -(g.rotation_deg + g.turn_deg);
  r = std::fmod(r, 360.0);
  if (r <= -180) r += 360;
  if (r > 180) r -= 360;
  return r;
}

// ----------------------------------------------------------------- hOCR ----

std::string rewrite_title(const std::string& title, bool is_page, const PageGeometry& g) {
  std::vector<std::string> props;
  std::stringstream ss(title);
  std::string p;
  while (std::getline(ss, p, ';')) props.push_back(trim(p));
  double bx0 = 0, by0 = 0, bx1 = 0, by1 = 0;
  bool have_bbox = false;
  for (const auto& q : props)
    if (std::sscanf(q.c_str(), "bbox %lf %lf %lf %lf", &bx0, &by0, &bx1, &by1) == 4)
      have_bbox = true;
  std::string out;
  bool have_baseline = false;
  for (auto& q : props) {
    if (q.rfind("bbox ", 0) == 0 && have_bbox) {
      PixelBox b = is_page
                       ? PixelBox{0, 0, g.master_w, g.master_h}
                       : map_box(g.processed_to_master, bx0, by0, bx1, by1, g.master_w, g.master_h);
      q = "bbox " + std::to_string(b.x0) + " " + std::to_string(b.y0) + " " + std::to_string(b.x1) +
          " " + std::to_string(b.y1);
    } else if (q.rfind("baseline ", 0) == 0 && have_bbox) {
      double slope = 0, offset = 0;
      if (std::sscanf(q.c_str(), "baseline %lf %lf", &slope, &offset) == 2) {
        have_baseline = true;
        // The baseline through the line box's left and right edges, mapped
        // into the master (or, on a turned page, the upright turned frame).
        const Affine& m = g.turn_deg == 0 ? g.processed_to_master : g.processed_to_turned;
        const auto a = m.apply(bx0, by1 + offset);
        const auto b = m.apply(bx1, by1 + offset + slope * (bx1 - bx0));
        const PixelBox nb = map_box(m, bx0, by0, bx1, by1, 1 << 30, 1 << 30);
        const double dx = b[0] - a[0];
        const double s = std::fabs(dx) > 1e-9 ? (b[1] - a[1]) / dx : 0.0;
        const double at_left = a[1] + s * (nb.x0 - a[0]);
        char buf[64];
        std::snprintf(buf, sizeof buf, "baseline %.3f %.0f", s, at_left - nb.y1);
        q = buf;
      }
    }
    if (!out.empty()) out += "; ";
    out += q;
  }
  if (have_baseline && g.turn_deg != 0) out += "; textangle " + std::to_string(360 - g.turn_deg);
  return out;
}

// The class attribute of the tag that holds position `pos`.
std::string class_of_tag(const std::string& doc, size_t pos) {
  const size_t lt = doc.rfind('<', pos);
  if (lt == std::string::npos) return "";
  const size_t c = doc.find("class=", lt);
  if (c == std::string::npos || c > pos) return "";
  const char q = doc[c + 6];
  const size_t e = doc.find(q, c + 7);
  return e == std::string::npos ? "" : doc.substr(c + 7, e - c - 7);
}

// ----------------------------------------------------------- attributes ----

struct Attr {
  std::string name, value;
};

// name="value" pairs of a tag's attribute text, in order.
std::vector<Attr> parse_attrs(const std::string& s) {
  std::vector<Attr> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    const size_t eq = s.find('=', i);
    if (eq == std::string::npos || eq + 1 >= s.size()) break;
    const char q = s[eq + 1];
    if (q != '"' && q != '\'') break;
    const size_t end = s.find(q, eq + 2);
    if (end == std::string::npos) break;
    out.push_back({s.substr(i, eq - i), s.substr(eq + 2, end - eq - 2)});
    i = end + 1;
  }
  return out;
}

const std::string* find_attr(const std::vector<Attr>& a, const char* name) {
  for (const auto& x : a)
    if (x.name == name) return &x.value;
  return nullptr;
}
void set_attr(std::vector<Attr>* a, const char* name, const std::string& v) {
  for (auto& x : *a)
    if (x.name == name) {
      x.value = v;
      return;
    }
  a->push_back({name, v});
}

}  // namespace

std::string hocr_on_master(const std::string& hocr, const PageGeometry& g) {
  std::string out;
  out.reserve(hocr.size() + hocr.size() / 8);
  size_t pos = 0;
  for (;;) {
    const size_t t = hocr.find("title=", pos);
    if (t == std::string::npos || t + 7 > hocr.size()) break;
    const char q = hocr[t + 6];
    if (q != '\'' && q != '"') {
      out.append(hocr, pos, t + 6 - pos);
      pos = t + 6;
      continue;
    }
    const size_t e = hocr.find(q, t + 7);
    if (e == std::string::npos) break;
    const std::string cls = class_of_tag(hocr, t);
    out.append(hocr, pos, t + 7 - pos);
    out += rewrite_title(hocr.substr(t + 7, e - t - 7), cls == "ocr_page", g);
    pos = e;
  }
  out.append(hocr, pos, std::string::npos);
  // Tesseract escapes the image name's XML specials but not its bytes.
  return xml_safe_utf8(out);
}

namespace {

// The picture zones as ALTO Illustration blocks, last in the PrintSpace (a
// PrintSpace over the whole master is made when Tesseract wrote none, or
// wrote it self-closing).
void insert_illustrations(std::string* body, const std::vector<std::array<int32_t, 4>>& zones,
                          const PageGeometry& g) {
  std::string blocks;
  int n = 0;
  for (const auto& z : zones)
    blocks += "\t\t\t\t<Illustration ID=\"pageprep_illustration_" + std::to_string(++n) +
              "\" HPOS=\"" + std::to_string(z[0]) + "\" VPOS=\"" + std::to_string(z[1]) +
              "\" WIDTH=\"" + std::to_string(z[2]) + "\" HEIGHT=\"" + std::to_string(z[3]) +
              "\"/>\n";
  const size_t close = body->rfind("</PrintSpace>");
  if (close != std::string::npos) {
    body->insert(close, blocks);
    return;
  }
  const std::string space = "<PrintSpace HPOS=\"0\" VPOS=\"0\" WIDTH=\"" +
                            std::to_string(g.master_w) + "\" HEIGHT=\"" +
                            std::to_string(g.master_h) + "\">\n";
  const size_t open = body->find("<PrintSpace");
  if (open != std::string::npos) {  // self-closing: <PrintSpace .../>
    const size_t end = body->find("/>", open);
    if (end != std::string::npos) {
      body->replace(open, end + 2 - open, space + blocks + "\t\t\t</PrintSpace>");
      return;
    }
  }
  const size_t page_end = body->rfind("</Page>");
  if (page_end != std::string::npos)
    body->insert(page_end, "\t\t\t" + space + blocks + "\t\t\t</PrintSpace>\n\t\t");
}

}  // namespace

std::string alto_on_master(const std::string& alto_page, const PageGeometry& g,
                           const std::string& source_name,
                           const std::vector<std::array<int32_t, 4>>& illustrations) {
  const double rotation = master_text_rotation(g);
  char rot[32];
  std::snprintf(rot, sizeof rot, "%.2f", rotation);
  std::string body;
  size_t pos = 0;
  for (;;) {
    const size_t lt = alto_page.find('<', pos);
    if (lt == std::string::npos) break;
    const size_t gt = alto_page.find('>', lt);
    if (gt == std::string::npos) break;
    body.append(alto_page, pos, lt - pos);
    const std::string tag = alto_page.substr(lt, gt - lt + 1);
    pos = gt + 1;
    if (tag.size() < 3 || tag[1] == '/' || tag[1] == '?' || tag[1] == '!') {
      body += tag;
      continue;
    }
    size_t name_end = 1;
    while (name_end < tag.size() && tag[name_end] != ' ' && tag[name_end] != '/' &&
           tag[name_end] != '>')
      ++name_end;
    const std::string name = tag.substr(1, name_end - 1);
    const bool self_closing = tag.size() >= 2 && tag[tag.size() - 2] == '/';
    const size_t attr_end = tag.size() - (self_closing ? 2 : 1);
    std::vector<Attr> attrs = parse_attrs(tag.substr(name_end, attr_end - name_end));
    const std::string *h = find_attr(attrs, "HPOS"), *v = find_attr(attrs, "VPOS"),
                      *w = find_attr(attrs, "WIDTH"), *hh = find_attr(attrs, "HEIGHT");
    bool changed = false;
    if (name == "Page") {
      set_attr(&attrs, "WIDTH", std::to_string(g.master_w));
      set_attr(&attrs, "HEIGHT", std::to_string(g.master_h));
      changed = true;
    } else if (name == "PrintSpace" && h && v && w && hh) {
      set_attr(&attrs, "HPOS", "0");
      set_attr(&attrs, "VPOS", "0");
      set_attr(&attrs, "WIDTH", std::to_string(g.master_w));
      set_attr(&attrs, "HEIGHT", std::to_string(g.master_h));
      changed = true;
    } else if (h && v && w) {
      const double x0 = std::atof(h->c_str()), y0 = std::atof(v->c_str());
      const double x1 = x0 + std::atof(w->c_str()), y1 = y0 + (hh ? std::atof(hh->c_str()) : 0);
      const PixelBox b = map_box(g.processed_to_master, x0, y0, x1, y1, g.master_w, g.master_h);
      set_attr(&attrs, "HPOS", std::to_string(b.x0));
      set_attr(&attrs, "VPOS", std::to_string(b.y0));
      set_attr(&attrs, "WIDTH", std::to_string(b.x1 - b.x0));
      if (hh) set_attr(&attrs, "HEIGHT", std::to_string(b.y1 - b.y0));
      if (name == "TextBlock" && std::fabs(rotation) >= 0.005) set_attr(&attrs, "ROTATION", rot);
      changed = true;
    }
    if (!changed) {
      body += tag;
      continue;
    }
    body += "<" + name;
    for (const auto& a : attrs) body += " " + a.name + "=\"" + a.value + "\"";
    body += self_closing ? "/>" : ">";
  }
  body.append(alto_page, pos, std::string::npos);
  if (!illustrations.empty()) insert_illustrations(&body, illustrations, g);
  // The document around the page, as TessAltoRenderer writes it.
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v3#\" "
      "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v3# "
      "http://www.loc.gov/alto/v3/alto-3-0.xsd\">\n"
      "\t<Description>\n"
      "\t\t<MeasurementUnit>pixel</MeasurementUnit>\n"
      "\t\t<sourceImageInformation>\n"
      "\t\t\t<fileName>" +
      xml_escape(source_name) +
      "</fileName>\n"
      "\t\t</sourceImageInformation>\n"
      "\t\t<OCRProcessing ID=\"OCR_0\">\n"
      "\t\t\t<ocrProcessingStep>\n"
      "\t\t\t\t<processingSoftware>\n"
      "\t\t\t\t\t<softwareName>tesseract " +
      std::string(tesseract::TessBaseAPI::Version()) +
      " via pageprep " PAGEPREP_VERSION
      "</softwareName>\n"
      "\t\t\t\t</processingSoftware>\n"
      "\t\t\t</ocrProcessingStep>\n"
      "\t\t</OCRProcessing>\n"
      "\t</Description>\n"
      "\t<Layout>\n" +
      body +
      "\t</Layout>\n"
      "</alto>\n";
  return doc;
}

std::string tsv_on_master(const std::string& tsv_rows, const PageGeometry& g) {
  std::string out =
      "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\t"
      "text\n";
  std::stringstream in(tsv_rows);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    size_t b = 0;
    for (int i = 0; i < 11; ++i) {
      const size_t e = line.find('\t', b);
      if (e == std::string::npos) break;
      f.push_back(line.substr(b, e - b));
      b = e + 1;
    }
    if (f.size() < 11) {
      out += line + "\n";
      continue;
    }
    const std::string text = line.substr(b);
    PixelBox box;
    if (f[0] == "1") {
      box = {0, 0, g.master_w, g.master_h};
    } else {
      const double l = std::atof(f[6].c_str()), t = std::atof(f[7].c_str());
      box = map_box(g.processed_to_master, l, t, l + std::atof(f[8].c_str()),
                    t + std::atof(f[9].c_str()), g.master_w, g.master_h);
    }
    f[6] = std::to_string(box.x0);
    f[7] = std::to_string(box.y0);
    f[8] = std::to_string(box.x1 - box.x0);
    f[9] = std::to_string(box.y1 - box.y0);
    for (const auto& x : f) out += x + "\t";
    out += text + "\n";
  }
  return out;
}

}  // namespace pageprep::host
