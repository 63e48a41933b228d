#include "doc/mrc.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "io/codec.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::host {

namespace {

uint32_t read_u(const std::vector<uint8_t>& b, size_t at, int bytes, bool le) {
  if (at + static_cast<size_t>(bytes) > b.size()) throw std::runtime_error("TIFF truncated");
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) {
    const uint32_t byte = b[at + static_cast<size_t>(le ? i : bytes - 1 - i)];
    v |= byte << (8 * i);
  }
  return v;
}

/// 255 where the master is ink that belongs in the mask, 0 elsewhere.
cv::Mat text_mask(const cv::Mat& gray, double dpi) {
  kernels::BinarizeParams params;  // the run's default Sauvola
  kernels::BatchLimits limits;
  limits.max_batch = 1;
  limits.max_width = gray.cols;
  limits.max_height = gray.rows;
  std::unique_ptr<kernels::cpu::Binarize> op;
  kernels::Status st = kernels::cpu::Binarize::create(params, limits, &op);
  if (!st) throw std::runtime_error("mrc: " + st.message());
  cv::Mat bin(gray.size(), CV_8UC1);
  const kernels::ConstGrayView in{gray.data, gray.cols, gray.rows, static_cast<int64_t>(gray.step)};
  const kernels::GrayView out{bin.data, bin.cols, bin.rows, static_cast<int64_t>(bin.step)};
  kernels::cpu::ThreadPool pool(1);
  const float page_dpi = static_cast<float>(dpi);
  st = op->run(pool, {&in, 1}, {&out, 1}, &page_dpi);
  if (!st) throw std::runtime_error("mrc: " + st.message());
  cv::Mat ink = bin == 0;  // 255 ink
  // Components too large on both sides to be a glyph stay in the background.
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  const int max_side = std::max(8, static_cast<int>(std::lround(kMaxGlyphInches * dpi)));
  // Specks smaller than the smallest mark of print (a 6-point period at
  // 300 dpi covers ~16 pixels) are noise: the background keeps them, blurred.
  const double px_per_300 = dpi / 300.0;
  const int min_area =
      std::max(2, static_cast<int>(std::lround(kMinMarkPixelsAt300 * px_per_300 * px_per_300)));
  std::vector<uint8_t> keep(static_cast<size_t>(n), 1);
  keep[0] = 0;
  for (int i = 1; i < n; ++i)
    if ((stats.at<int>(i, cv::CC_STAT_WIDTH) > max_side &&
         stats.at<int>(i, cv::CC_STAT_HEIGHT) > max_side) ||
        stats.at<int>(i, cv::CC_STAT_AREA) < min_area)
      keep[static_cast<size_t>(i)] = 0;
  for (int y = 0; y < ink.rows; ++y) {
    const int32_t* l = labels.ptr<int32_t>(y);
    uint8_t* m = ink.ptr<uint8_t>(y);
    for (int x = 0; x < ink.cols; ++x) m[x] = keep[static_cast<size_t>(l[x])] ? 255 : 0;
  }
  return ink;
}

/// The master without its mask, reduced by `scale`: each cell averages the
/// pixels the mask leaves (around glyphs, a slightly grown mask is left
/// out so their dark fringes do not ghost); cells the mask covers take the
/// value of their neighbours.
cv::Mat background(const cv::Mat& master, const cv::Mat& mask, cv::Size small) {
  cv::Mat grown;
  cv::dilate(mask, grown, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
  cv::Mat keep_f;
  cv::Mat(grown == 0).convertTo(keep_f, CV_32F, 1.0 / 255);
  cv::Mat img_f;
  master.convertTo(img_f, CV_32F);
  std::vector<cv::Mat> ch;
  cv::split(img_f, ch);
  for (auto& c : ch) c = c.mul(keep_f);
  cv::Mat weighted;
  cv::merge(ch, weighted);
  cv::Mat num, den;
  cv::resize(weighted, num, small, 0, 0, cv::INTER_AREA);
  cv::resize(keep_f, den, small, 0, 0, cv::INTER_AREA);
  // Fill the cells with no paper from their neighbours, growing outwards.
  cv::Mat valid = den > 0.02;
  const double paper = cv::mean(master, grown == 0)[0];
  std::vector<cv::Mat> nch;
  cv::split(num, nch);
  for (auto& c : nch) c = c / cv::max(den, 1e-6);
  cv::Mat value;
  cv::merge(nch, value);
  for (int pass = 0; pass < 64 && cv::countNonZero(valid) < valid.rows * valid.cols; ++pass) {
    cv::Mat vf;
    valid.convertTo(vf, CV_32F, 1.0 / 255);
    cv::Mat sum_v, sum_w;
    std::vector<cv::Mat> vc;
    cv::split(value, vc);
    for (auto& c : vc) {
      cv::Mat cw = c.mul(vf);
      cv::blur(cw, cw, {3, 3});
      c = cw;
    }
    cv::merge(vc, sum_v);
    cv::blur(vf, sum_w, {3, 3});
    const cv::Mat grow = (sum_w > 1e-6) & (valid == 0);
    if (cv::countNonZero(grow) == 0) break;
    std::vector<cv::Mat> sc;
    cv::split(sum_v, sc);
    for (auto& c : sc) c = c / cv::max(sum_w, 1e-6);
    cv::Mat filled;
    cv::merge(sc, filled);
    filled.copyTo(value, grow);
    valid |= grow;
  }
  value.setTo(cv::Scalar::all(paper), valid == 0);
  cv::Mat out;
  value.convertTo(out, master.type());
  return out;
}

}  // namespace

std::vector<uint8_t> single_strip_of_tiff(const std::vector<uint8_t>& t) {
  if (t.size() < 8) throw std::runtime_error("TIFF truncated");
  const bool le = t[0] == 'I';
  if (!(le || t[0] == 'M') || read_u(t, 2, 2, le) != 42) throw std::runtime_error("not a TIFF");
  const uint32_t ifd = read_u(t, 4, 4, le);
  const uint32_t entries = read_u(t, ifd, 2, le);
  int64_t offset = -1, count = -1, strips = 0;
  for (uint32_t e = 0; e < entries; ++e) {
    const size_t at = ifd + 2 + 12 * static_cast<size_t>(e);
    const uint32_t tag = read_u(t, at, 2, le), type = read_u(t, at + 2, 2, le),
                   n = read_u(t, at + 4, 4, le);
    const uint32_t v = type == 3 ? read_u(t, at + 8, 2, le) : read_u(t, at + 8, 4, le);
    if (tag == 273) {
      offset = v;
      strips = n;
    }
    if (tag == 279) count = v;
  }
  if (strips != 1 || offset < 0 || count < 0 ||
      static_cast<uint64_t>(offset) + static_cast<uint64_t>(count) > t.size())
    throw std::runtime_error("not a one-strip TIFF");
  return std::vector<uint8_t>(t.begin() + offset, t.begin() + offset + count);
}

MrcLayers make_mrc_layers(const cv::Mat& master, double dpi) {
  if (master.empty() || (master.type() != CV_8UC1 && master.type() != CV_8UC3))
    throw std::runtime_error("mrc: the master must be 8-bit gray or colour");
  if (!(dpi > 0)) dpi = 300;
  cv::Mat gray;
  if (master.channels() == 3)
    cv::cvtColor(master, gray, cv::COLOR_BGR2GRAY);
  else
    gray = master;
  MrcLayers l;
  l.width = master.cols;
  l.height = master.rows;
  const cv::Mat ink = text_mask(gray, dpi);
  // tiff_encode's bilevel convention: 0 is ink.
  const EncodeResult g4 = encode_page(~ink, OutputFormat::kTiffG4, dpi, true);
  if (g4.error != PageError::kNone) throw std::runtime_error("mrc: " + g4.message);
  l.mask_g4 = single_strip_of_tiff(g4.bytes);
  const double scale = std::min(1.0, kBackgroundDpi / dpi);
  const cv::Size small(std::max(1, static_cast<int>(std::lround(master.cols * scale))),
                       std::max(1, static_cast<int>(std::lround(master.rows * scale))));
  const cv::Mat bg = background(master, ink, small);
  l.bg_width = bg.cols;
  l.bg_height = bg.rows;
  l.bg_channels = bg.channels();
  if (!cv::imencode(".jpg", bg, l.bg_jpeg,
                    {cv::IMWRITE_JPEG_QUALITY, kBackgroundQuality, cv::IMWRITE_JPEG_OPTIMIZE, 1}))
    throw std::runtime_error("mrc: JPEG encoding of the background failed");
  return l;
}

}  // namespace pageprep::host
