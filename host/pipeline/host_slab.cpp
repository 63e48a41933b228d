// First-fit allocator over a caller's block (contract in host_slab.hpp).
#include "pipeline/host_slab.hpp"

#include <iterator>

#include "pipeline/page_memory.hpp"

namespace pageprep::host {

HostSlab::HostSlab(uint8_t* base, size_t bytes) : base_(base), bytes_(bytes / kAlign * kAlign) {
  if (bytes_ > 0) free_[0] = bytes_;
}

uint8_t* HostSlab::take(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t need = (bytes + kAlign - 1) / kAlign * kAlign;
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->second < need) continue;
    const size_t at = it->first;
    const size_t rest = it->second - need;
    free_.erase(it);
    if (rest > 0) free_[at + need] = rest;
    used_[at] = need;
    return base_ + at;
  }
  return nullptr;
}

void HostSlab::give(uint8_t* p) {
  if (p == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto used = used_.find(static_cast<size_t>(p - base_));
  if (used == used_.end()) return;  // not ours (or given twice): ignore
  size_t at = used->first, size = used->second;
  used_.erase(used);
  // Coalesce with the free neighbours.
  auto next = free_.lower_bound(at);
  if (next != free_.end() && next->first == at + size) {
    size += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == at) {
      at = prev->first;
      size += prev->second;
      free_.erase(prev);
    }
  }
  free_[at] = size;
}

bool HostSlab::owns(const void* p) const {
  const auto* b = static_cast<const uint8_t*>(p);
  return b >= base_ && b < base_ + bytes_;
}

size_t HostSlab::free_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  for (const auto& f : free_) total += f.second;
  return total;
}

cv::UMatData* HostSlab::allocate(int dims, const int* sizes, int type, void* data, size_t* step,
                                 cv::AccessFlag flags, cv::UMatUsageFlags usage) const {
  // Only fresh, continuous pages come from the slab; anything else (user
  // data, a full slab) is OpenCV's standard allocator's.
  const size_t total = mat_bytes(dims, sizes, type);
  uint8_t* p = data == nullptr ? const_cast<HostSlab*>(this)->take(total) : nullptr;
  if (p == nullptr)
    return cv::Mat::getStdAllocator()->allocate(dims, sizes, type, data, step, flags, usage);
  return wrap_block(this, dims, sizes, type, step, p, total);
}

bool HostSlab::allocate(cv::UMatData* data, cv::AccessFlag, cv::UMatUsageFlags) const {
  return data != nullptr;  // host memory: nothing more to map
}

void HostSlab::deallocate(cv::UMatData* u) const {
  if (u == nullptr) return;
  const_cast<HostSlab*>(this)->give(u->origdata);
  u->origdata = nullptr;
  delete u;
}

}  // namespace pageprep::host
