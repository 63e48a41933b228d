/// \file host_slab.hpp
/// \brief A first-fit allocator over one block of host memory that the
/// caller provides and keeps alive (the CUDA executor's pinned memory).
///
/// Two uses: as the cv::MatAllocator decoders allocate decoded pages with
/// (Executor::page_allocator()), so uploads copy straight from pinned memory;
/// and through take() / give() for the pinned buffers downloads land in.
/// When no block is free, allocate() hands the request to OpenCV's standard
/// allocator instead (ordinary memory; never blocks, never fails for lack of
/// slab), and take() returns nullptr so the caller uses its fallback path.
///
/// Thread safety: every member may be called from any thread (decoders,
/// the executor, writers releasing holds). Blocks are 256-byte aligned.
/// The slab must outlive every Mat and block it handed out.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace pageprep::host {

class HostSlab final : public cv::MatAllocator {
 public:
  static constexpr size_t kAlign = 256;

  HostSlab(uint8_t* base, size_t bytes);
  HostSlab(const HostSlab&) = delete;
  HostSlab& operator=(const HostSlab&) = delete;

  /// A block of at least `bytes`, or nullptr when no free block is large enough.
  uint8_t* take(size_t bytes);
  /// Returns a block from take() (or from a Mat this allocator made).
  void give(uint8_t* p);
  /// Whether `p` points into the slab.
  bool owns(const void* p) const;
  size_t free_bytes() const;
  size_t capacity() const { return bytes_; }

  // cv::MatAllocator
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, size_t* step,
                         cv::AccessFlag flags, cv::UMatUsageFlags usage) const override;
  bool allocate(cv::UMatData* data, cv::AccessFlag flags, cv::UMatUsageFlags usage) const override;
  void deallocate(cv::UMatData* data) const override;

 private:
  uint8_t* const base_;
  const size_t bytes_;
  mutable std::mutex mutex_;
  mutable std::map<size_t, size_t> free_;  ///< offset -> size, coalesced
  mutable std::map<size_t, size_t> used_;  ///< offset -> size
};

}  // namespace pageprep::host
