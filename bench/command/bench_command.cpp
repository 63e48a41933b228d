// `pageprep bench`: pages per second, stage by stage, on the CPU and on each
// CUDA device (contract in bench_command.hpp).
//
// Stages (each measured for at least --seconds, after one warm-up):
//   decode      the pages' files in memory -> 8-bit gray (host codec), on 1 and
//               on J threads (J = --jobs, each thread its own pages)
//   preprocess  the CPU executor: deskew, Sauvola, despeckle (the defaults),
//               1 thread, and J one-thread executors side by side (page-parallel,
//               as `pageprep run --ocr none` uses cores)
//   encode      the binary page -> CCITT G4 TIFF bytes, 1 and J threads
//   kernels     per CUDA device: skew (with its small host round trip),
//               rotate, Sauvola, despeckle, pack to 1 bit, on a batch already
//               on the device; CUDA events around each iteration
//   transfers   the same, plus the upload from pinned memory and the download
//               of the 1-bit pages, inside the events
//   end to end  `pageprep run --ocr none` on the pages written as PNG files,
//               per executor (files to files, journal and all)
// Generated pages are lines of word-like blocks, skewed by up to 3 degrees,
// with noise and specks: the work per page of a text page, drawn without
// fonts so the product needs none. --input DIR measures the user's own pages.
#include "command/bench_command.hpp"

#include <unistd.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "io/codec.hpp"
#include "pageprep/kernels/device.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/run_config.hpp"
#include "pipeline/scheduler.hpp"
#include "pipeline/shard.hpp"
#include "report/version.hpp"
#include "util/json_writer.hpp"

#if defined(PAGEPREP_HAVE_CUDA)
#include <cuda_runtime_api.h>

#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/pack.hpp"
#endif

namespace pageprep::bench {

const char* const kBenchUsage = R"(usage: pageprep bench [options]

Measures pages per second on this machine, stage by stage: decode, the CPU
preprocessing, encode, and per CUDA device the kernels alone and with
transfers; then `pageprep run --ocr none` end to end per executor.

Options:
  --pages N        pages to generate (default 16), or the most to read with --input
  --size SIZE      a4 (default), a3, letter, or WxH in pixels at --dpi
  --dpi D          resolution of the generated pages (default 300)
  --input DIR      measure the image files in DIR instead of generated pages
  --device WHICH   cpu, cuda, cuda:N or all (default all: the CPU and every device);
                   null: the GPU path's host cost per page with a device that
                   does no work (options --pages, --size, --dpi, --jobs,
                   --work, --json; see docs/PERFORMANCE.md)
  --batch N        pages per GPU batch (default 8)
  --jobs N         threads for the parallel rows (default: the cores available)
  --seconds S      least time per measurement (default 2)
  --no-end-to-end  skip the `pageprep run` rows
  --work DIR       folder for the end-to-end files (default: a temporary folder, removed)
  --json           print one JSON record instead of the table
)";

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  int pages = 16;
  int width = 2480, height = 3508;
  int dpi = 300;
  std::string size_name = "a4";
  std::string input;
  std::string device = "all";
  int batch = 8;
  int jobs = 0;
  double seconds = 2.0;
  bool end_to_end = true;
  bool json = false;
  std::string work;
};

struct Result {
  std::string stage;
  std::string device;
  int threads = 1;
  int batch = 0;
  double pages_per_s = 0;
  std::string note;
};

struct Page {
  std::vector<uint8_t> file;  ///< encoded bytes (PNG for generated pages)
  std::string name;
  cv::Mat gray;    ///< decoded
  cv::Mat binary;  ///< the CPU executor's binary page
  double dpi = 300;
};

BenchOptions parse(const std::vector<std::string>& args) {
  BenchOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--pages") {
      o.pages = bench_int_option(a, value(), 1, 100000);
    } else if (a == "--size") {
      o.size_name = value();
    } else if (a == "--dpi") {
      o.dpi = bench_int_option(a, value(), 50, 1200);
    } else if (a == "--input") {
      o.input = value();
    } else if (a == "--device") {
      o.device = value();
    } else if (a == "--batch") {
      o.batch = bench_int_option(a, value(), 1, 256);
    } else if (a == "--jobs") {
      o.jobs = bench_int_option(a, value(), 1, 4096);
    } else if (a == "--seconds") {
      o.seconds = std::strtod(value().c_str(), nullptr);
      if (!(o.seconds > 0 && o.seconds <= 600))
        throw std::invalid_argument("--seconds needs a number in (0, 600]");
    } else if (a == "--no-end-to-end") {
      o.end_to_end = false;
    } else if (a == "--work") {
      o.work = value();
    } else if (a == "--json") {
      o.json = true;
    } else {
      throw std::invalid_argument("unknown option '" + a + "'");
    }
  }
  const double in_per_px = 1.0 / o.dpi;
  if (o.size_name == "a4") {
    o.width = static_cast<int>(8.2677 / in_per_px + 0.5);
    o.height = static_cast<int>(11.6929 / in_per_px + 0.5);
  } else if (o.size_name == "a3") {
    o.width = static_cast<int>(11.6929 / in_per_px + 0.5);
    o.height = static_cast<int>(16.5354 / in_per_px + 0.5);
  } else if (o.size_name == "letter") {
    o.width = static_cast<int>(8.5 / in_per_px + 0.5);
    o.height = static_cast<int>(11.0 / in_per_px + 0.5);
  } else {
    const size_t x = o.size_name.find('x');
    if (x == std::string::npos) throw std::invalid_argument("--size must be a4, a3, letter or WxH");
    o.width = bench_int_option("--size", o.size_name.substr(0, x), 16, kernels::kMaxPageSide);
    o.height = bench_int_option("--size", o.size_name.substr(x + 1), 16, kernels::kMaxPageSide);
  }
  if (o.device != "all" && o.device != "cpu" && o.device.rfind("cuda", 0) != 0)
    throw std::invalid_argument("--device must be cpu, cuda, cuda:N or all");
  return o;
}

/// A text-like page: paragraphs of word blocks at 11 pt, skewed, noisy.
cv::Mat generate_page(const BenchOptions& o, uint64_t seed) {
  std::mt19937_64 rng(seed);
  cv::Mat page(o.height, o.width, CV_8UC1, cv::Scalar(236));
  const double px_pt = o.dpi / 72.0;
  const int x_height = std::max(2, static_cast<int>(5.5 * px_pt));
  const int leading = std::max(x_height + 2, static_cast<int>(13.5 * px_pt));
  const int margin = o.dpi;
  std::uniform_int_distribution<int> word(static_cast<int>(1.5 * x_height), 6 * x_height);
  std::uniform_int_distribution<int> asc(0, 3);
  for (int y = margin; y + leading < o.height - margin; y += leading) {
    if (rng() % 9 == 0) continue;  // paragraph break
    int x = margin + (rng() % 5 == 0 ? 3 * x_height : 0);
    const int line_end = o.width - margin - static_cast<int>(rng() % (8 * x_height));
    while (x < line_end) {
      const int w = std::min(word(rng), line_end - x);
      const int top = y - (asc(rng) == 0 ? x_height / 2 : 0);
      cv::rectangle(page, {x, top}, {x + w, y + x_height}, cv::Scalar(25), cv::FILLED);
      // Letter gaps, so components are letter-sized.
      for (int g = x + x_height; g < x + w; g += x_height)
        cv::line(page, {g, top}, {g, y + x_height}, cv::Scalar(236), 1);
      x += w + x_height;
    }
  }
  const double skew = std::uniform_real_distribution<double>(-3.0, 3.0)(rng);
  const cv::Mat rot = cv::getRotationMatrix2D(
      cv::Point2f(static_cast<float>(o.width) / 2.f, static_cast<float>(o.height) / 2.f), skew,
      1.0);
  cv::Mat skewed;
  cv::warpAffine(page, skewed, rot, page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(236));
  cv::Mat noise(skewed.size(), CV_16SC1);
  cv::randn(noise, 0, 6);
  cv::Mat out;
  skewed.convertTo(out, CV_16SC1);
  out += noise;
  out.convertTo(out, CV_8UC1);
  const int specks = static_cast<int>(20.0 * o.width * o.height / 1e6);
  for (int i = 0; i < specks; ++i)
    out.at<uint8_t>(static_cast<int>(rng() % static_cast<uint64_t>(o.height)),
                    static_cast<int>(rng() % static_cast<uint64_t>(o.width))) = 20;
  return out;
}

/// Repeats `one(thread, i)` (page index i, cycling) on `threads` threads for
/// at least `seconds`; pages per second over all threads.
template <typename Fn>
double measure(int pages, int threads, double seconds, Fn&& one) {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
  for (int t = 0; t < threads; ++t) one(t, t % pages);  // warm-up: lazy allocations, first touch
  const auto t0 = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int64_t k = t; !stop.load(std::memory_order_relaxed); k += threads) {
        one(t, static_cast<int>(k % pages));
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  while (std::chrono::duration<double>(Clock::now() - t0).count() < seconds)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (auto& w : workers) w.join();
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(done.load()) / s;
}

bool load_pages(const BenchOptions& o, std::vector<Page>* pages, std::ostream& err) {
  kernels::cpu::ThreadPool pool(1);
  if (o.input.empty()) {
    for (int i = 0; i < o.pages; ++i) {
      Page p;
      p.gray = generate_page(o, 1000 + static_cast<uint64_t>(i));
      p.dpi = o.dpi;
      p.file = host::encode_page(p.gray, host::OutputFormat::kPng, o.dpi, false).bytes;
      p.name = "page-" + std::to_string(i + 1) + ".png";
      pages->push_back(std::move(p));
    }
    return true;
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(o.input, ec))
    if (e.is_regular_file(ec)) files.push_back(e.path());
  if (ec) {
    err << "pageprep bench: cannot list " << o.input << ": " << ec.message() << "\n";
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    if (static_cast<int>(pages->size()) >= o.pages) break;
    std::ifstream in(f, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    if (host::sniff_format(bytes.data(), bytes.size()).empty()) continue;
    host::DecodeResult d = host::decode_page_from_memory(bytes, f.string(), 0, {}, pool);
    if (d.error != host::PageError::kNone) {
      err << "pageprep bench: skipping " << d.message << "\n";
      continue;
    }
    Page p;
    p.file = std::move(bytes);
    p.gray = d.page.gray;
    p.dpi = d.page.dpi_x;
    p.name = f.filename().string();
    pages->push_back(std::move(p));
  }
  if (pages->empty()) {
    err << "pageprep bench: no decodable image files in " << o.input << "\n";
    return false;
  }
  return true;
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

#if defined(PAGEPREP_HAVE_CUDA)

/// The preprocessing chain of the CUDA executor on one device-resident
/// batch, timed with events; `transfers` adds the upload from pinned memory
/// and the download of the 1-bit pages. Returns pages per second, or < 0
/// with `*why` set.
double cuda_chain(int device, const std::vector<Page>& pages, int batch, double seconds,
                  bool transfers, std::string* why) {
  namespace k = kernels;
  auto fail = [&](const std::string& what) {
    *why = what;
    return -1.0;
  };
  if (cudaSetDevice(device) != cudaSuccess) return fail("cudaSetDevice failed");
  const int n = std::min<int>(batch, static_cast<int>(pages.size()));
  k::BatchLimits limits{n, 1, 1, 0};
  int64_t pixels = 0;
  for (int i = 0; i < n; ++i) {
    limits.max_width = std::max(limits.max_width, pages[static_cast<size_t>(i)].gray.cols);
    limits.max_height = std::max(limits.max_height, pages[static_cast<size_t>(i)].gray.rows);
    pixels += static_cast<int64_t>(pages[static_cast<size_t>(i)].gray.total());
  }
  limits.max_batch_pixels = pixels;
  const host::StepConfig steps;
  std::unique_ptr<k::cuda::SkewEstimator> skew;
  std::unique_ptr<k::cuda::Binarize> binarize;
  std::unique_ptr<k::cuda::Despeckle> despeckle;
  k::Status st;
  if (!(st = k::cuda::SkewEstimator::create(host::skew_params(steps), limits, &skew)) ||
      !(st = k::cuda::Binarize::create(steps.binarize_params, limits, &binarize)) ||
      !(st = k::cuda::Despeckle::create(host::despeckle_params(steps), limits, &despeckle)))
    return fail(st.message());
  cudaStream_t stream = nullptr;
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess ||
      cudaEventCreate(&e0) != cudaSuccess || cudaEventCreate(&e1) != cudaSuccess)
    return fail("stream or event creation failed");
  std::vector<void*> device_mem;
  std::vector<void*> pinned_mem;
  auto dalloc = [&](size_t bytes) {
    void* p = nullptr;
    if (cudaMalloc(&p, bytes) != cudaSuccess) return static_cast<uint8_t*>(nullptr);
    device_mem.push_back(p);
    return static_cast<uint8_t*>(p);
  };
  auto halloc = [&](size_t bytes) {
    void* p = nullptr;
    if (cudaMallocHost(&p, bytes) != cudaSuccess) return static_cast<uint8_t*>(nullptr);
    pinned_mem.push_back(p);
    return static_cast<uint8_t*>(p);
  };
  std::vector<k::GrayView> src(static_cast<size_t>(n)), rot(src), bin(src), packed(src);
  std::vector<k::ConstGrayView> csrc(src.size()), crot(src.size()), cbin(src.size());
  std::vector<uint8_t*> host_in(src.size()), host_out(src.size());
  std::vector<float> dpi(src.size()), angles(src.size());
  std::vector<uint8_t> fill(src.size());
  std::vector<k::SkewResult> skew_res(src.size());
  std::vector<int64_t> specks(src.size());
  bool ok = true;
  for (int i = 0; i < n && ok; ++i) {
    const cv::Mat& g = pages[static_cast<size_t>(i)].gray;
    const int64_t pitch = (g.cols + 255) / 256 * 256, ppitch = ((g.cols + 7) / 8 + 255) / 256 * 256;
    uint8_t *s = dalloc(pitch * g.rows), *r = dalloc(pitch * g.rows), *b = dalloc(pitch * g.rows),
            *p = dalloc(ppitch * g.rows);
    host_in[static_cast<size_t>(i)] = halloc(static_cast<size_t>(g.total()));
    host_out[static_cast<size_t>(i)] = halloc(static_cast<size_t>((g.cols + 7) / 8 * g.rows));
    ok = s && r && b && p && host_in[static_cast<size_t>(i)] && host_out[static_cast<size_t>(i)];
    if (!ok) break;
    for (int y = 0; y < g.rows; ++y)
      std::memcpy(host_in[static_cast<size_t>(i)] + static_cast<size_t>(y) * g.cols, g.ptr(y),
                  static_cast<size_t>(g.cols));
    src[static_cast<size_t>(i)] = {s, g.cols, g.rows, pitch};
    rot[static_cast<size_t>(i)] = {r, g.cols, g.rows, pitch};
    bin[static_cast<size_t>(i)] = {b, g.cols, g.rows, pitch};
    packed[static_cast<size_t>(i)] = {p, g.cols, g.rows, ppitch};
    csrc[static_cast<size_t>(i)] = k::as_const(src[static_cast<size_t>(i)]);
    crot[static_cast<size_t>(i)] = k::as_const(rot[static_cast<size_t>(i)]);
    cbin[static_cast<size_t>(i)] = k::as_const(bin[static_cast<size_t>(i)]);
    dpi[static_cast<size_t>(i)] = static_cast<float>(pages[static_cast<size_t>(i)].dpi);
    fill[static_cast<size_t>(i)] =
        host::rotation_fill(steps, {g.data, g.cols, g.rows, static_cast<int64_t>(g.step[0])});
  }
  auto upload = [&]() {
    for (int i = 0; i < n; ++i) {
      const auto& v = src[static_cast<size_t>(i)];
      if (cudaMemcpy2DAsync(v.data, static_cast<size_t>(v.pitch), host_in[static_cast<size_t>(i)],
                            static_cast<size_t>(v.width), static_cast<size_t>(v.width),
                            static_cast<size_t>(v.height), cudaMemcpyHostToDevice,
                            stream) != cudaSuccess)
        return false;
    }
    return true;
  };
  auto iteration = [&]() -> std::string {
    if (transfers && !upload()) return "upload failed";
    k::Status s;
    if (!(s = skew->run(stream, {csrc.data(), n}, skew_res.data(), dpi.data()))) return s.message();
    for (int i = 0; i < n; ++i)
      angles[static_cast<size_t>(i)] = -skew_res[static_cast<size_t>(i)].angle_deg;
    if (!(s = k::cuda::rotate(stream, {}, {csrc.data(), n}, {rot.data(), n}, angles.data(),
                              fill.data())) ||
        !(s = binarize->run(stream, {crot.data(), n}, {bin.data(), n}, dpi.data())) ||
        !(s = despeckle->run(stream, {bin.data(), n}, dpi.data(), specks.data())) ||
        !(s = k::cuda::pack_bits(stream, {cbin.data(), n}, {packed.data(), n})))
      return s.message();
    if (transfers)
      for (int i = 0; i < n; ++i) {
        const auto& v = packed[static_cast<size_t>(i)];
        const size_t row = static_cast<size_t>((v.width + 7) / 8);
        if (cudaMemcpy2DAsync(host_out[static_cast<size_t>(i)], row, v.data,
                              static_cast<size_t>(v.pitch), row, static_cast<size_t>(v.height),
                              cudaMemcpyDeviceToHost, stream) != cudaSuccess)
          return "download failed";
      }
    return {};
  };
  double result = -1;
  if (ok && upload() && cudaStreamSynchronize(stream) == cudaSuccess) {
    std::string err = iteration();  // warm-up
    if (err.empty() && cudaStreamSynchronize(stream) == cudaSuccess) {
      double ms_total = 0;
      int64_t done = 0;
      while (ms_total < seconds * 1000.0 && err.empty()) {
        cudaEventRecord(e0, stream);
        err = iteration();
        cudaEventRecord(e1, stream);
        if (cudaEventSynchronize(e1) != cudaSuccess) err = "kernel failure";
        float ms = 0;
        cudaEventElapsedTime(&ms, e0, e1);
        ms_total += ms;
        done += n;
      }
      if (err.empty()) result = static_cast<double>(done) / (ms_total / 1000.0);
    }
    if (!err.empty()) *why = err;
  } else if (why->empty()) {
    *why = "out of device memory for the batch";
  }
  skew.reset();
  binarize.reset();
  despeckle.reset();
  cudaStreamSynchronize(stream);
  for (void* p : device_mem) cudaFree(p);
  for (void* p : pinned_mem) cudaFreeHost(p);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaStreamDestroy(stream);
  return result;
}

#endif

/// `pageprep run --ocr none` on the pages as files; pages per second of the run.
double end_to_end(const BenchOptions& o, const std::vector<Page>& pages, const fs::path& work,
                  const std::string& device, std::string* note) {
  const fs::path in = work / "in", out = work / ("out-" + device);
  std::error_code ec;
  fs::create_directories(in, ec);
  for (const Page& p : pages) {
    const fs::path f = in / p.name;
    if (fs::exists(f)) continue;
    std::ofstream(f, std::ios::binary)
        .write(reinterpret_cast<const char*>(p.file.data()),
               static_cast<std::streamsize>(p.file.size()));
  }
  fs::remove_all(out, ec);
  host::RunConfig cfg;
  cfg.inputs = {in.string()};
  cfg.outdir = out.string();
  cfg.ocr = host::OcrMode::kNone;
  cfg.quiet = true;
  cfg.jobs = o.jobs;
  cfg.batch_pages = o.batch;
  if (device == "cpu") {
    cfg.device = host::DeviceChoice::kCpu;
  } else {
    cfg.device = host::DeviceChoice::kCuda;
    cfg.cuda_device = std::atoi(device.c_str() + 5);
  }
  std::ostringstream log;
  const host::RunSummary s = host::run_pipeline(cfg, log);
  if (s.exit_code != host::kExitOk) {
    *note = "run failed (exit " + std::to_string(s.exit_code) + "): " + log.str();
    return -1;
  }
  return s.wall_s > 0 ? static_cast<double>(s.pages_ok) / s.wall_s : 0;
}

}  // namespace

int bench_int_option(const std::string& opt, const std::string& v, int lo, int hi) {
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < lo || x > hi)
    throw std::invalid_argument(opt + " needs an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got '" + v + "'");
  return static_cast<int>(x);
}

cv::Mat generate_bench_page(int width, int height, int dpi, uint64_t seed) {
  BenchOptions o;
  o.width = width;
  o.height = height;
  o.dpi = dpi;
  return generate_page(o, seed);
}

int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  for (const auto& a : args)
    if (a == "-h" || a == "--help") {
      out << kBenchUsage;
      return host::kExitOk;
    }
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--device" && args[i + 1] == "null") return run_null_bench(args, out, err);
  BenchOptions o;
  try {
    o = parse(args);
  } catch (const std::invalid_argument& e) {
    err << "pageprep: usage error: " << e.what() << "\n(see pageprep bench --help)\n";
    return host::kExitUsage;
  }
  if (o.jobs == 0) o.jobs = host::available_cores();
  const int count = kernels::cuda_device_count();
  if ((o.device == "cuda" || o.device.rfind("cuda:", 0) == 0) && count == 0) {
    err << "pageprep bench: no CUDA device is usable here (" << kernels::cuda_device_description(0)
        << ")\n";
    return host::kExitFatal;
  }
  std::vector<Page> pages;
  if (!load_pages(o, &pages, err)) return host::kExitFatal;
  const int n = static_cast<int>(pages.size());
  std::vector<Result> results;
  auto add = [&](const std::string& stage, const std::string& device, int threads, int batch,
                 double pps, const std::string& note = {}) {
    results.push_back({stage, device, threads, batch, pps, note});
    if (!o.json)
      err << "pageprep bench: " << stage << " (" << device << ", " << threads << " thread(s)"
          << (batch ? ", batch " + std::to_string(batch) : "")
          << "): " << (pps > 0 ? std::to_string(pps) + " pages/s" : note) << "\n";
  };

  // CPU stages; the binary pages the encode rows need come from the executor.
  const host::StepConfig steps;
  const bool want_cpu = o.device == "all" || o.device == "cpu";
  // Binary pages for the encode rows (the CPU executor's, as `run` writes them).
  for (Page& p : pages) {
    std::string e;
    auto ex = host::make_cpu_executor(steps, 1, &e);
    host::PageWork w;
    w.decoded.gray = p.gray;
    w.decoded.dpi_x = w.decoded.dpi_y = p.dpi;
    host::PageBatch b{&w};
    ex->process(b);
    p.binary = w.binary;
  }
  std::vector<int> thread_counts{1};
  if (o.jobs > 1) thread_counts.push_back(o.jobs);
  for (int threads : thread_counts) {
    std::vector<std::unique_ptr<kernels::cpu::ThreadPool>> pools;
    for (int t = 0; t < threads; ++t)
      pools.push_back(std::make_unique<kernels::cpu::ThreadPool>(1));
    add("decode", "cpu", threads, 0, measure(n, threads, o.seconds, [&](int t, int i) {
          host::DecodeResult d = host::decode_page_from_memory(
              pages[static_cast<size_t>(i)].file, "bench", 0, {}, *pools[static_cast<size_t>(t)]);
          if (d.error != host::PageError::kNone) std::abort();
        }));
    if (want_cpu) {
      std::vector<std::unique_ptr<host::Executor>> executors(static_cast<size_t>(threads));
      std::string e;
      for (auto& ex : executors) ex = host::make_cpu_executor(steps, 1, &e);
      add("preprocess", "cpu", threads, 0, measure(n, threads, o.seconds, [&](int t, int i) {
            host::PageWork w;
            w.decoded.gray = pages[static_cast<size_t>(i)].gray;
            w.decoded.dpi_x = w.decoded.dpi_y = pages[static_cast<size_t>(i)].dpi;
            host::PageBatch b{&w};
            executors[static_cast<size_t>(t)]->process(b);
          }));
    }
    add("encode G4", "cpu", threads, 0, measure(n, threads, o.seconds, [&](int, int i) {
          host::EncodeResult e =
              host::encode_page(pages[static_cast<size_t>(i)].binary, host::OutputFormat::kTiffG4,
                                pages[static_cast<size_t>(i)].dpi, true);
          if (e.error != host::PageError::kNone) std::abort();
        }));
  }

  // CUDA devices.
  std::vector<int> devices;
  if (o.device == "all" || o.device == "cuda") {
    for (int d = 0; d < count; ++d) devices.push_back(d);
  } else if (o.device.rfind("cuda:", 0) == 0) {
    devices.push_back(std::atoi(o.device.c_str() + 5));
  }
  for (int d : devices) {
    const std::string name = "cuda:" + std::to_string(d);
#if defined(PAGEPREP_HAVE_CUDA)
    for (bool transfers : {false, true}) {
      std::string why;
      const double pps = cuda_chain(d, pages, o.batch, o.seconds, transfers, &why);
      add(transfers ? "kernels + transfers" : "kernels", name, 0, std::min(o.batch, n), pps, why);
    }
#else
    add("kernels", name, 0, o.batch, -1, "built without CUDA");
#endif
  }

  // End to end, files to files.
  if (o.end_to_end) {
    fs::path work = o.work;
    bool remove_work = false;
    if (work.empty()) {
      char tmpl[] = "/tmp/pageprep-bench.XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) {
        err << "pageprep bench: cannot make a temporary folder\n";
        return host::kExitFatal;
      }
      work = tmpl;
      remove_work = true;
    }
    std::vector<std::string> executors;
    if (want_cpu) executors.push_back("cpu");
    for (int d : devices) executors.push_back("cuda:" + std::to_string(d));
    for (const std::string& ex : executors) {
      std::string note;
      const double pps = end_to_end(o, pages, work, ex, &note);
      add("end to end --ocr none", ex, o.jobs, ex == "cpu" ? 0 : o.batch, pps, note);
    }
    std::error_code ec;
    if (remove_work) fs::remove_all(work, ec);
  }

  const std::string gpu = count > 0 ? kernels::cuda_device_description(0) : "none";
  if (o.json) {
    host::JsonWriter j;
    j.begin_object();
    j.str("pageprep_version", PAGEPREP_VERSION);
    j.key("machine").begin_object();
    j.str("cpu", cpu_model()).num("threads", static_cast<int64_t>(o.jobs));
    j.begin_array("gpus");
    for (int d = 0; d < count; ++d) j.str_value(kernels::cuda_device_description(d));
    j.end_array();
    j.end_object();
    j.key("pages").begin_object();
    j.str("source", o.input.empty() ? "generated" : o.input);
    j.num("count", static_cast<int64_t>(n));
    j.num("width", static_cast<int64_t>(pages[0].gray.cols));
    j.num("height", static_cast<int64_t>(pages[0].gray.rows));
    j.num("dpi", pages[0].dpi, 1);
    j.end_object();
    j.begin_array("results");
    for (const Result& r : results) {
      j.begin_object();
      j.str("stage", r.stage).str("device", r.device);
      j.num("threads", static_cast<int64_t>(r.threads)).num("batch", static_cast<int64_t>(r.batch));
      if (r.pages_per_s > 0) {
        j.num("pages_per_s", r.pages_per_s, 2).num("ms_per_page", 1000.0 / r.pages_per_s, 3);
      } else {
        j.null("pages_per_s");
        j.str("note", r.note);
      }
      j.end_object();
    }
    j.end_array();
    j.end_object();
    out << j.text() << "\n";
    return host::kExitOk;
  }
  char line[256];
  out << "pageprep bench: " << n << " " << (o.input.empty() ? "generated" : "input") << " pages, "
      << pages[0].gray.cols << "x" << pages[0].gray.rows << " at " << pages[0].dpi << " dpi; "
      << cpu_model() << ", " << o.jobs << " threads; GPU: " << gpu << "\n";
  std::snprintf(line, sizeof line, "%-24s %-8s %8s %6s %11s %10s\n", "stage", "device", "threads",
                "batch", "pages/s", "ms/page");
  out << line;
  for (const Result& r : results) {
    if (r.pages_per_s > 0)
      std::snprintf(line, sizeof line, "%-24s %-8s %8d %6d %11.2f %10.3f\n", r.stage.c_str(),
                    r.device.c_str(), r.threads, r.batch, r.pages_per_s, 1000.0 / r.pages_per_s);
    else
      std::snprintf(line, sizeof line, "%-24s %-8s %8d %6d %11s  %s\n", r.stage.c_str(),
                    r.device.c_str(), r.threads, r.batch, "-", r.note.substr(0, 120).c_str());
    out << line;
  }
  return host::kExitOk;
}

}  // namespace pageprep::bench
