/// \file null_lane_device.hpp
/// \brief A lane device that does no preprocessing work, for measuring the
/// host's own cost per page on the GPU path without a GPU (issue 19 item 2).
///
/// NullLaneDevice implements LaneDevice (pipelined_executor.hpp) with every
/// phase done at once: begin() takes the job's pages, middle() does nothing,
/// finish() hands each page the results a device would download, in the
/// same form (binary_packed at 1 bit per pixel, held by host_hold, plus the
/// decoded gray as `gray` when gray output is needed), so the writers do the
/// unpack, encode, write and journal work they would do after a real
/// device. The binary page it delivers is the first page of its size
/// thresholded at mid-gray (made once per page size, copied into each new
/// buffer): a real page's ink, so the G4 encode costs what it costs on text.
/// The point is the host's cost, not the pixels: later pages of that size get
/// the same binary page. Packed buffers come from a small free list, as the
/// CUDA device's pinned slab would give them, so neither the allocation nor
/// the threshold is counted as host work per page.
///
/// Used by make_null_executor(); never chosen by `--device auto`.
#pragma once

#include <memory>
#include <string>

#include "pipeline/executor.hpp"
#include "pipeline/pipelined_executor.hpp"

namespace pageprep::host {

struct NullDeviceOptions {
  int lanes = 3;
  int32_t lane_pages = 8;
  int64_t lane_bytes = int64_t{8} * 7200 * 10200;  ///< like the CUDA lanes
  bool download_gray = false;                      ///< give pages `gray` as well
};

class NullLaneDevice final : public LaneDevice {
 public:
  explicit NullLaneDevice(const NullDeviceOptions& o);
  ~NullLaneDevice() override;

  std::string name() const override { return "null"; }
  int lanes() const override { return options_.lanes; }
  int32_t lane_pages() const override { return options_.lane_pages; }
  int64_t lane_bytes() const override { return options_.lane_bytes; }
  int64_t page_bytes(const PageWork& page) const override;
  bool prepare_large_lane(const PageWork& page, std::string* why) override;

  std::string begin(int lane, const PageBatch& pages) override;
  std::string middle(int lane) override;
  std::string finish(int lane) override;
  bool ready(int) override { return true; }
  std::string wait(int) override { return {}; }
  bool recover() override { return true; }
  void abandon(int lane) override;

  /// Packed buffers handed to pages and not yet released (tests).
  int64_t buffers_out() const;

 private:
  struct Pool;
  NullDeviceOptions options_;
  std::vector<PageBatch> jobs_;  ///< per lane (and the large lane), the job's pages
  std::shared_ptr<Pool> pool_;   ///< outlives the device while pages hold buffers
};

/// The pipelined executor on a NullLaneDevice, with `fallback` for pages it
/// retries (none, unless a page arrives failed).
std::unique_ptr<Executor> make_null_executor(const NullDeviceOptions& options,
                                             std::unique_ptr<Executor> fallback);

}  // namespace pageprep::host
