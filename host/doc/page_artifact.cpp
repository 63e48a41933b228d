#include "doc/page_artifact.hpp"

#include <cstdio>
#include <sstream>

namespace pageprep::host {
namespace {

constexpr const char* kVersionLine = "pageprep-page-artifact 1";

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\')
      o += "\\\\";
    else if (c == '\n')
      o += "\\n";
    else if (c == '\r')
      o += "\\r";
    else
      o.push_back(c);
  }
  return o;
}

std::string unescape(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char n = s[++i];
      o.push_back(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
    } else {
      o.push_back(s[i]);
    }
  }
  return o;
}

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

std::string affine_text(const Affine& m) {
  return num(m.a) + " " + num(m.b) + " " + num(m.c) + " " + num(m.d) + " " + num(m.e) + " " +
         num(m.f);
}

}  // namespace

std::string page_artifact_path(const std::string& page_stem) {
  return ".pageprep/pages/" + page_stem + ".page";
}

std::string serialize_page_artifact(const PageArtifact& a) {
  std::ostringstream o;
  const PageGeometry& g = a.geometry;
  o << kVersionLine << "\n";
  o << "key " << escape(a.key) << "\n";
  o << "input " << escape(a.input) << "\n";
  o << "page " << a.page << "\n";
  o << "master " << a.master_w << " " << a.master_h << " " << num(a.dpi_x) << " " << num(a.dpi_y)
    << "\n";
  o << "format " << a.source_channels << " " << a.source_depth_bits << " " << escape(a.format)
    << "\n";
  const double* m = a.pdf.master_to_user;
  o << "pdf " << a.pdf.valid << " " << a.pdf.native << " " << a.pdf.has_text << " "
    << affine_text({m[0], m[1], m[2], m[3], m[4], m[5]}) << "\n";
  o << "geometry " << g.master_w << " " << g.master_h << " " << g.turn_deg << " "
    << num(g.rotation_deg) << " " << g.processed_w << " " << g.processed_h << "\n";
  if (a.region_w > 0 || a.view_w > 0)
    o << "region " << a.region_x << " " << a.region_y << " " << a.region_w << " " << a.region_h
      << " " << a.view_x << " " << a.view_y << " " << a.view_w << " " << a.view_h << "\n";
  o << "clean " << a.clean_is_binary << " " << escape(a.clean_image) << "\n";
  o << "ocr " << a.ocr << " " << a.lines.size() << "\n";
  for (const auto& l : a.lines) {
    o << "L " << l.x0 << " " << l.y0 << " " << l.x1 << " " << l.y1 << " " << l.base_x0 << " "
      << l.base_y0 << " " << l.base_x1 << " " << l.base_y1 << " " << l.words.size() << "\n";
    for (const auto& w : l.words)
      o << "W " << w.x0 << " " << w.y0 << " " << w.x1 << " " << w.y1 << " " << num(w.confidence)
        << " " << escape(w.text) << "\n";
  }
  o << "text " << escape(a.text) << "\n";
  o << "end\n";
  return o.str();
}

bool parse_page_artifact(const std::string& text, PageArtifact* a, std::string* error) {
  std::istringstream in(text);
  std::string line;
  auto fail = [&](const std::string& why) {
    if (error) *error = "page artifact: " + why;
    return false;
  };
  if (!std::getline(in, line) || line != kVersionLine) return fail("unknown version");
  auto field = [&](const char* name, std::string* rest) {
    if (!std::getline(in, line)) return false;
    const std::string prefix = std::string(name) + " ";
    if (line.rfind(prefix, 0) != 0) return false;
    *rest = line.substr(prefix.size());
    return true;
  };
  std::string v;
  if (!field("key", &v)) return fail("no key");
  a->key = unescape(v);
  if (!field("input", &v)) return fail("no input");
  a->input = unescape(v);
  if (!field("page", &v)) return fail("no page");
  a->page = std::atoi(v.c_str());
  if (!field("master", &v) || std::sscanf(v.c_str(), "%d %d %lf %lf", &a->master_w, &a->master_h,
                                          &a->dpi_x, &a->dpi_y) != 4)
    return fail("bad master");
  if (!field("format", &v)) return fail("no format");
  {
    std::istringstream f(v);
    f >> a->source_channels >> a->source_depth_bits;
    std::string rest;
    std::getline(f, rest);
    a->format = unescape(rest.empty() ? rest : rest.substr(1));
  }
  int valid = 0, native = 0, has_text = 0;
  double* m = a->pdf.master_to_user;
  if (!field("pdf", &v) ||
      std::sscanf(v.c_str(), "%d %d %d %lf %lf %lf %lf %lf %lf", &valid, &native, &has_text, &m[0],
                  &m[1], &m[2], &m[3], &m[4], &m[5]) != 9)
    return fail("bad pdf placement");
  a->pdf.valid = valid;
  a->pdf.native = native;
  a->pdf.has_text = has_text;
  int mw, mh, turn, pw, ph;
  double rot;
  if (!field("geometry", &v) ||
      std::sscanf(v.c_str(), "%d %d %d %lf %d %d", &mw, &mh, &turn, &rot, &pw, &ph) != 6)
    return fail("bad geometry");
  a->geometry = make_page_geometry(mw, mh, turn, rot, pw, ph);
  a->region_x = a->region_y = a->region_w = a->region_h = 0;
  a->view_x = a->view_y = a->view_w = a->view_h = 0;
  if (!std::getline(in, line)) return fail("no clean image field");
  if (line.rfind("region ", 0) == 0) {
    if (std::sscanf(line.c_str() + 7, "%d %d %d %d %d %d %d %d", &a->region_x, &a->region_y,
                    &a->region_w, &a->region_h, &a->view_x, &a->view_y, &a->view_w,
                    &a->view_h) != 8 ||
        a->region_w < 0 || a->region_h < 0 || a->view_w < 0 || a->view_h < 0)
      return fail("bad region");
    if (a->region_w > 0)
      a->geometry = make_region_geometry(mw, mh, a->region_x, a->region_y, a->region_w, a->region_h,
                                         turn, rot, pw, ph);
    if (!std::getline(in, line)) return fail("no clean image field");
  }
  if (line.rfind("clean ", 0) != 0) return fail("no clean image field");
  v = line.substr(6);
  if (v.size() < 2) return fail("no clean image field");
  a->clean_is_binary = v[0] == '1';
  a->clean_image = unescape(v.substr(2));
  int ocr = 0;
  size_t nlines = 0;
  if (!field("ocr", &v) || std::sscanf(v.c_str(), "%d %zu", &ocr, &nlines) != 2)
    return fail("bad ocr field");
  a->ocr = ocr;
  a->lines.clear();
  for (size_t i = 0; i < nlines; ++i) {
    OcrLine l;
    size_t nw = 0;
    if (!field("L", &v) ||
        std::sscanf(v.c_str(), "%d %d %d %d %d %d %d %d %zu", &l.x0, &l.y0, &l.x1, &l.y1,
                    &l.base_x0, &l.base_y0, &l.base_x1, &l.base_y1, &nw) != 9)
      return fail("bad line");
    for (size_t k = 0; k < nw; ++k) {
      OcrWord w;
      int used = 0;
      if (!field("W", &v) || std::sscanf(v.c_str(), "%d %d %d %d %f %n", &w.x0, &w.y0, &w.x1, &w.y1,
                                         &w.confidence, &used) != 5)
        return fail("bad word");
      w.text = unescape(v.substr(static_cast<size_t>(used)));
      l.words.push_back(std::move(w));
    }
    a->lines.push_back(std::move(l));
  }
  if (!field("text", &v)) return fail("no text");
  a->text = unescape(v);
  if (!std::getline(in, line) || line != "end") return fail("truncated");
  return true;
}

}  // namespace pageprep::host
