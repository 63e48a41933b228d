// `pageprep bench --device null` (issue 19 item 2): the GPU path's host work
// per page, measured without a GPU.
//
// The real pipeline (run_pipeline: decode threads, batching, the pipelined
// executor's lanes, finish threads that encode G4 and write atomically, the
// journal) runs with the CUDA executor replaced by make_null_executor(): a
// lane device that does no preprocessing and hands back blank packed pages.
// So the process CPU time of the run is what the host would spend per page
// beside a real device, and the decode threads' CPU clocks are the decoders'
// share of it. Generated A4 pages are written as PNG masters and as JPEG
// masters into a fresh temporary folder, each set is run once, and the folder
// is removed.
//
// Model for the predicted rate: the host is the wall (issue 19: the GPU
// lanes are estimated at ~5000 pages/s with transfers, far above the host),
// so N cores give N / host_cpu_s_per_page pages/s. The GPU lanes' own limit
// is not measured here and is not applied.
#include <time.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "command/bench_command.hpp"
#include "io/codec.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/null_lane_device.hpp"
#include "pipeline/run_config.hpp"
#include "pipeline/scheduler.hpp"
#include "pipeline/shard.hpp"
#include "report/version.hpp"
#include "util/json_writer.hpp"

namespace pageprep::bench {
namespace {

namespace fs = std::filesystem;

struct NullBenchOptions {
  int pages = 40;
  int width = 2480, height = 3508;
  int dpi = 300;
  int jobs = 0;
  std::string work;  ///< parent of the temporary folder (default: $TMPDIR or /tmp)
  bool json = false;
};

/// One set of masters through the pipeline.
struct NullResult {
  std::string masters;  ///< "png" or "jpeg"
  int64_t pages_ok = 0;
  double wall_s = 0;
  double host_cpu_ms = 0;       ///< per page
  double decode_cpu_ms = 0;     ///< per page
  double cpu_path_cpu_ms = 0;   ///< per page, the CPU path on the same masters
  host::CpuSplitSeconds split;  ///< the GPU path's run, whole run (not per page)
  std::string error;
};

NullBenchOptions parse_null(const std::vector<std::string>& args) {
  NullBenchOptions o;
  std::string size = "a4";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--device") {
      value();  // "null", checked by the caller
    } else if (a == "--pages") {
      o.pages = bench_int_option(a, value(), 1, 100000);
    } else if (a == "--size") {
      size = value();
    } else if (a == "--dpi") {
      o.dpi = bench_int_option(a, value(), 50, 1200);
    } else if (a == "--jobs") {
      o.jobs = bench_int_option(a, value(), 1, 4096);
    } else if (a == "--work") {
      o.work = value();
    } else if (a == "--json") {
      o.json = true;
    } else {
      throw std::invalid_argument("unknown option '" + a + "' for --device null");
    }
  }
  if (size == "a4") {
    o.width = static_cast<int>(8.2677 * o.dpi + 0.5);
    o.height = static_cast<int>(11.6929 * o.dpi + 0.5);
  } else {
    const size_t x = size.find('x');
    if (x == std::string::npos) throw std::invalid_argument("--size must be a4 or WxH");
    o.width = bench_int_option("--size", size.substr(0, x), 16, 20000);
    o.height = bench_int_option("--size", size.substr(x + 1), 16, 20000);
  }
  return o;
}

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool write_file(const fs::path& f, const std::vector<uint8_t>& bytes) {
  std::ofstream out(f, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  return static_cast<bool>(out);
}

/// Writes the masters into `in` (a fresh folder); false with `error` set.
bool write_masters(const NullBenchOptions& o, const std::string& masters, const fs::path& in,
                   std::string* error) {
  std::error_code ec;
  if (!fs::create_directory(in, ec)) {
    *error = "cannot make " + in.string() + ": " + ec.message();
    return false;
  }
  for (int i = 0; i < o.pages; ++i) {
    const cv::Mat gray =
        generate_bench_page(o.width, o.height, o.dpi, 1000 + static_cast<uint64_t>(i));
    std::vector<uint8_t> bytes;
    std::string name = "page-" + std::to_string(i + 1);
    if (masters == "png") {
      bytes = host::encode_page(gray, host::OutputFormat::kPng, o.dpi, false).bytes;
      name += ".png";
    } else {
      if (!cv::imencode(".jpg", gray, bytes, {cv::IMWRITE_JPEG_QUALITY, 90})) bytes.clear();
      name += ".jpg";
    }
    if (bytes.empty() || !write_file(in / name, bytes)) {
      *error = "cannot write the generated page " + (in / name).string();
      return false;
    }
  }
  return true;
}

NullResult run_masters(const NullBenchOptions& o, const std::string& masters,
                       const fs::path& work) {
  NullResult r;
  r.masters = masters;
  const fs::path in = work / ("in-" + masters), out = work / ("out-" + masters);
  if (!write_masters(o, masters, in, &r.error)) return r;

  host::ExecutorFactories f = host::default_executor_factories();
  f.cuda_device_count = [] { return 1; };
  f.cuda_device_description = [](int) { return std::string("null (a device that does no work)"); };
  f.make_cuda = [](const host::StepConfig&, const host::CudaExecutorOptions& c,
                   std::unique_ptr<host::Executor> fallback, std::string*) {
    host::NullDeviceOptions n;
    n.lane_pages = c.batch_pages;
    n.download_gray = c.download_gray;
    return host::make_null_executor(n, std::move(fallback));
  };
  host::RunConfig cfg;
  cfg.inputs = {in.string()};
  cfg.outdir = out.string();
  cfg.ocr = host::OcrMode::kNone;
  cfg.documents.pdf = false;  // --output-type none: pages only, as the G4 out
  cfg.documents.sidecar = false;
  cfg.quiet = true;
  cfg.jobs = o.jobs;
  cfg.device = host::DeviceChoice::kCuda;
  cfg.executor_factories = &f;
  std::ostringstream log;
  const double cpu0 = process_cpu_s();
  const host::RunSummary s = host::run_pipeline(cfg, log);
  const double cpu = process_cpu_s() - cpu0;
  if (s.exit_code != host::kExitOk || s.pages_ok != o.pages) {
    r.error = "run failed (exit " + std::to_string(s.exit_code) + ", " +
              std::to_string(s.pages_ok) + " of " + std::to_string(o.pages) +
              " pages ok): " + log.str();
    return r;
  }
  r.pages_ok = s.pages_ok;
  r.wall_s = s.wall_s;
  r.host_cpu_ms = 1000.0 * cpu / static_cast<double>(s.pages_ok);
  r.decode_cpu_ms = 1000.0 * s.decode_cpu_s / static_cast<double>(s.pages_ok);
  r.split = s.cpu_split;
  // The peer, in the same run on the same masters: the CPU path
  // (`pageprep run --ocr none --device cpu`), its process CPU time per page.
  host::RunConfig cpu_cfg = cfg;
  cpu_cfg.outdir = (work / ("out-cpu-" + masters)).string();
  cpu_cfg.device = host::DeviceChoice::kCpu;
  cpu_cfg.executor_factories = nullptr;
  std::ostringstream cpu_log;
  const double c0 = process_cpu_s();
  const host::RunSummary cs = host::run_pipeline(cpu_cfg, cpu_log);
  const double ccpu = process_cpu_s() - c0;
  if (cs.exit_code != host::kExitOk || cs.pages_ok != o.pages) {
    r.error =
        "the CPU path's run failed (exit " + std::to_string(cs.exit_code) + "): " + cpu_log.str();
    return r;
  }
  r.cpu_path_cpu_ms = 1000.0 * ccpu / static_cast<double>(cs.pages_ok);
  return r;
}

const int kPredictCores[] = {1, 2, 16, 64};

}  // namespace

int run_null_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  NullBenchOptions o;
  try {
    o = parse_null(args);
  } catch (const std::invalid_argument& e) {
    err << "pageprep: usage error: " << e.what() << "\n(see pageprep bench --help)\n";
    return host::kExitUsage;
  }
  if (o.jobs == 0) o.jobs = host::available_cores();
  std::string parent = o.work;
  if (parent.empty()) {
    const char* t = std::getenv("TMPDIR");
    parent = t && *t ? t : "/tmp";
  }
  // A fresh folder of our own: nothing of the user's is touched or removed.
  std::string tmpl = (fs::path(parent) / "pageprep-bench-null-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    err << "pageprep bench: cannot make a temporary folder in " << parent << "\n";
    return host::kExitFatal;
  }
  const fs::path work = tmpl;
  std::vector<NullResult> results;
  for (const char* m : {"png", "jpeg"}) results.push_back(run_masters(o, m, work));
  std::error_code ec;
  fs::remove_all(work, ec);
  bool ok = true;
  for (const NullResult& r : results)
    if (!r.error.empty()) {
      err << "pageprep bench: --device null, " << r.masters << " masters: " << r.error << "\n";
      ok = false;
    }
  if (!ok) return host::kExitFatal;

  if (o.json) {
    host::JsonWriter j;
    j.begin_object();
    j.str("pageprep_version", PAGEPREP_VERSION);
    j.str("device", "null");
    j.num("threads", static_cast<int64_t>(o.jobs));
    j.key("pages").begin_object();
    j.str("source", "generated");
    j.num("count", static_cast<int64_t>(o.pages));
    j.num("width", static_cast<int64_t>(o.width)).num("height", static_cast<int64_t>(o.height));
    j.num("dpi", static_cast<int64_t>(o.dpi));
    j.end_object();
    j.str("model",
          "predicted pages/s for N cores = N / host_cpu_s_per_page (host-bound; the GPU lanes' "
          "own limit is not measured and not applied)");
    j.begin_array("results");
    for (const NullResult& r : results) {
      j.begin_object();
      j.str("masters", r.masters);
      j.num("pages", r.pages_ok);
      j.num("wall_s", r.wall_s, 3);
      j.num("host_cpu_ms_per_page", r.host_cpu_ms, 3);
      j.num("decode_cpu_ms_per_page", r.decode_cpu_ms, 3);
      j.num("beyond_decode_ms_per_page", r.host_cpu_ms - r.decode_cpu_ms, 3);
      j.num("cpu_path_cpu_ms_per_page", r.cpu_path_cpu_ms, 3);
      j.key("predicted_pages_per_s").begin_object();
      for (int n : kPredictCores) j.num(std::to_string(n), 1000.0 * n / r.host_cpu_ms, 1);
      j.end_object();
      // Where the host time goes (ms per page): thread roles, then the
      // finish threads' steps; the rest of host_cpu is the main thread.
      const double per = 1000.0 / static_cast<double>(r.pages_ok);
      const host::CpuSplitSeconds& c = r.split;
      j.key("host_cpu_split_ms_per_page").begin_object();
      j.num("decode_threads", c.decode_threads * per, 3);
      j.num("executor_thread", c.executor * per, 3);
      j.num("finish_threads", c.finish_threads * per, 3);
      j.num("finish_unpack", c.unpack * per, 3);
      j.num("finish_encode", c.encode * per, 3);
      j.num("finish_write", c.write * per, 3);
      j.num("journal_thread", c.journal * per, 3);
      j.end_object();
      j.end_object();
    }
    j.end_array();
    j.end_object();
    out << j.text() << "\n";
    return host::kExitOk;
  }
  out << "pageprep bench --device null: " << o.pages << " generated pages per set, " << o.width
      << "x" << o.height << " at " << o.dpi << " dpi, " << o.jobs << " threads\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-8s %14s %16s %16s %14s %14s\n", "masters", "host ms/page",
                "decode ms/page", "beyond decode", "pages/s @16", "cpu path ms");
  out << line;
  for (const NullResult& r : results) {
    std::snprintf(line, sizeof line, "%-8s %14.3f %16.3f %16.3f %14.1f %14.3f\n", r.masters.c_str(),
                  r.host_cpu_ms, r.decode_cpu_ms, r.host_cpu_ms - r.decode_cpu_ms,
                  16000.0 / r.host_cpu_ms, r.cpu_path_cpu_ms);
    out << line;
  }
  return host::kExitOk;
}

}  // namespace pageprep::bench
