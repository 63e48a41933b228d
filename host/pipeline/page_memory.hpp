/// \file page_memory.hpp
/// \brief Where page-sized images live on the CPU path: their own mappings,
/// backed by transparent huge pages where the kernel offers them.
///
/// Every page image is allocated and freed whole, on its own mapping, so its
/// memory goes back to the OS at once and stays flat over long runs whatever
/// glibc's mmap threshold (host/cli/main.cpp lowers it only with --ocr none).
/// A fresh 4 KiB-page mapping of an A4 page costs about 2,100 page faults,
/// several per image and page; measured on the dev VM, faults and their
/// zeroing were ~12% of `pageprep run --ocr none --jobs 1` (perf). This
/// allocator maps images of at least 2 MiB itself,
/// 2 MiB-aligned, with madvise(MADV_HUGEPAGE), so the kernel can back them
/// with 2 MiB pages (a few faults per image) when transparent huge pages are
/// in "always" or "madvise" mode; it unmaps them on release, so memory still
/// goes back to the OS at once. Smaller images use OpenCV's allocator.
/// Thread-safe; lives for the whole process.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>

namespace pageprep::host {

/// Bytes of a continuous `dims`-dimensional Mat of `type` (for allocators).
size_t mat_bytes(int dims, const int* sizes, int type);

/// The UMatData of a continuous Mat whose data is the block `p` of `size`
/// bytes, owned by `owner` (which frees it in deallocate()); fills `step`
/// when it is not null. For cv::MatAllocator::allocate of our allocators.
cv::UMatData* wrap_block(const cv::MatAllocator* owner, int dims, const int* sizes, int type,
                         size_t* step, uint8_t* p, size_t size);

/// The process-wide allocator for page images (a cv::MatAllocator).
cv::MatAllocator* page_image_allocator();

/// A CV_8UC1 image of rows x cols from page_image_allocator().
cv::Mat make_page_image(int rows, int cols);

}  // namespace pageprep::host
