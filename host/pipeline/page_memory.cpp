// Page images in their own huge-page mappings (contract in page_memory.hpp).
#include "pipeline/page_memory.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace pageprep::host {
namespace {

constexpr size_t kHuge = size_t{2} << 20;

class HugePageAllocator final : public cv::MatAllocator {
 public:
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, size_t* step,
                         cv::AccessFlag flags, cv::UMatUsageFlags usage) const override {
    const size_t total = mat_bytes(dims, sizes, type);
    if (data != nullptr || total < kHuge)
      return cv::Mat::getStdAllocator()->allocate(dims, sizes, type, data, step, flags, usage);
    // Map one huge page more than needed and trim to a 2 MiB-aligned block,
    // so the kernel can use 2 MiB pages for all of it.
    const size_t size = (total + kHuge - 1) / kHuge * kHuge;
    void* raw =
        mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
      return cv::Mat::getStdAllocator()->allocate(dims, sizes, type, data, step, flags, usage);
    auto* base = static_cast<uint8_t*>(raw);
    const uintptr_t a = reinterpret_cast<uintptr_t>(base);
    const size_t lead = (kHuge - a % kHuge) % kHuge;
    if (lead) munmap(base, lead);
    if (kHuge - lead) munmap(base + lead + size, kHuge - lead);
    uint8_t* p = base + lead;
    madvise(p, size, MADV_HUGEPAGE);  // advisory: without THP it is a plain mapping
    return wrap_block(this, dims, sizes, type, step, p, size);  // size: the mapping's, for munmap
  }
  bool allocate(cv::UMatData* data, cv::AccessFlag, cv::UMatUsageFlags) const override {
    return data != nullptr;
  }
  void deallocate(cv::UMatData* u) const override {
    if (u == nullptr) return;
    munmap(u->origdata, u->size);
    delete u;
  }
};

}  // namespace

size_t mat_bytes(int dims, const int* sizes, int type) {
  size_t total = CV_ELEM_SIZE(type);
  for (int i = dims - 1; i >= 0; --i) total *= static_cast<size_t>(sizes[i]);
  return total;
}

cv::UMatData* wrap_block(const cv::MatAllocator* owner, int dims, const int* sizes, int type,
                         size_t* step, uint8_t* p, size_t size) {
  size_t s = CV_ELEM_SIZE(type);
  for (int i = dims - 1; i >= 0; --i) {
    if (step != nullptr) step[i] = s;
    s *= static_cast<size_t>(sizes[i]);
  }
  auto* u = new cv::UMatData(owner);
  u->data = u->origdata = p;
  u->size = size;
  return u;
}

cv::MatAllocator* page_image_allocator() {
  static HugePageAllocator allocator;
  return &allocator;
}

cv::Mat make_page_image(int rows, int cols) {
  cv::Mat m;
  m.allocator = page_image_allocator();
  m.create(rows, cols, CV_8UC1);
  m.allocator = nullptr;  // copies and later creates use OpenCV's default
  return m;
}

}  // namespace pageprep::host
