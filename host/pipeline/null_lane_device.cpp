// NullLaneDevice: the GPU path's host pipeline with a device that does no
// work (contract in null_lane_device.hpp).
#include "pipeline/null_lane_device.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace pageprep::host {

/// Free list of packed buffers by size; thread-safe because writer threads
/// release them (PageWork::host_hold) while the executor thread takes them.
struct NullLaneDevice::Pool {
  std::mutex mu;
  std::vector<std::pair<size_t, uint8_t*>> free;
  /// Per page size (w, h): the first such page thresholded and packed.
  std::map<std::pair<int32_t, int32_t>, std::vector<uint8_t>> templates;
  int64_t out = 0;

  /// The packed page every buffer of `gray`'s size holds (ink = 1, MSB first).
  const std::vector<uint8_t>& template_for(const cv::Mat& gray) {
    std::vector<uint8_t>& t = templates[{gray.cols, gray.rows}];
    if (t.empty()) {
      const int32_t row = (gray.cols + 7) / 8;
      t.assign(static_cast<size_t>(row) * static_cast<size_t>(gray.rows), 0);
      for (int y = 0; y < gray.rows; ++y) {
        const uint8_t* g = gray.ptr<uint8_t>(y);
        uint8_t* o = t.data() + static_cast<size_t>(y) * static_cast<size_t>(row);
        for (int x = 0; x < gray.cols; ++x)
          if (g[x] < 128) o[x / 8] |= static_cast<uint8_t>(0x80u >> (x % 8));
      }
    }
    return t;
  }

  uint8_t* take(const cv::Mat& gray, size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++out;
      for (size_t i = 0; i < free.size(); ++i)
        if (free[i].first == bytes) {
          uint8_t* p = free[i].second;
          free[i] = free.back();
          free.pop_back();
          return p;
        }
    }
    // A new buffer gets the page size's binary page once; pages never write to it.
    uint8_t* p = static_cast<uint8_t*>(std::malloc(bytes));
    if (p) {
      std::lock_guard<std::mutex> lock(mu);
      const std::vector<uint8_t>& t = template_for(gray);
      std::memcpy(p, t.data(), std::min(bytes, t.size()));
    }
    return p;
  }
  void give(size_t bytes, uint8_t* p) {
    std::lock_guard<std::mutex> lock(mu);
    --out;
    if (free.size() < 256) {
      free.emplace_back(bytes, p);
      return;
    }
    std::free(p);
  }
  ~Pool() {
    for (auto& f : free) std::free(f.second);
  }
};

NullLaneDevice::NullLaneDevice(const NullDeviceOptions& o)
    : options_(o), jobs_(static_cast<size_t>(o.lanes) + 1), pool_(std::make_shared<Pool>()) {}

NullLaneDevice::~NullLaneDevice() = default;

int64_t NullLaneDevice::page_bytes(const PageWork& page) const {
  return static_cast<int64_t>(page.decoded.gray.total());
}

bool NullLaneDevice::prepare_large_lane(const PageWork&, std::string*) {
  return true;
}

std::string NullLaneDevice::begin(int lane, const PageBatch& pages) {
  jobs_[static_cast<size_t>(lane)] = pages;
  return {};
}

std::string NullLaneDevice::middle(int) {
  return {};
}

std::string NullLaneDevice::finish(int lane) {
  PageBatch& job = jobs_[static_cast<size_t>(lane)];
  for (PageWork* p : job) {
    const cv::Mat& in = p->decoded.gray;
    const int32_t w = in.cols, h = in.rows, row = (w + 7) / 8;
    const size_t bytes = static_cast<size_t>(row) * static_cast<size_t>(h);
    uint8_t* buf = pool_->take(in, bytes);
    if (!buf) return "null device: out of host memory";
    p->binary_packed = cv::Mat(h, row, CV_8UC1, buf, static_cast<size_t>(row));
    p->binary_packed_width = w;
    if (options_.download_gray) p->gray = in;
    std::shared_ptr<Pool> pool = pool_;
    p->host_hold = std::shared_ptr<void>(
        buf, [pool, bytes](void* b) { pool->give(bytes, static_cast<uint8_t*>(b)); });
    p->specks_removed = 0;
    p->border_pixels_removed = 0;
  }
  job.clear();
  return {};
}

void NullLaneDevice::abandon(int lane) {
  jobs_[static_cast<size_t>(lane)].clear();
}

int64_t NullLaneDevice::buffers_out() const {
  std::lock_guard<std::mutex> lock(pool_->mu);
  return pool_->out;
}

std::unique_ptr<Executor> make_null_executor(const NullDeviceOptions& options,
                                             std::unique_ptr<Executor> fallback) {
  return std::make_unique<PipelinedExecutor>(std::make_unique<NullLaneDevice>(options),
                                             std::move(fallback));
}

}  // namespace pageprep::host
