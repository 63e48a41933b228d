/// \file page_box.hpp
/// \brief Crop to the page: find a page lying on a darker scanner bed (flatbed
/// lid, book cradle, camera photo) and its box.
///
/// Contract:
/// - page_cell_sums (CPU or CUDA schedule) fills one uint32 per
///   ops::kPageBoxCell cell, row-major, page_box_cells(width) per row; both
///   schedules give identical sums (ops/page_box_ops.hpp).
/// - find_page_box decides from the sums alone (host, a few thousand cells):
///   Otsu threshold of the cell means; the largest 4-connected region of paper
///   cells; its bounding box is the page box. It is *confident* only when
///   (a) paper and bed means differ by >= kMinContrast levels, (b) the region
///   covers >= 25% of the image and >= 60% of its own box, (c) the cells
///   outside the box are at most 10% paper (the surround really is bed), and
///   (d) the box leaves at least one cell on some side. Otherwise found is false
///   and `note` says why; a page that fills the image is never cropped.
/// - The box is in pixels, clamped to the image, at cell resolution: a side
///   grows by one cell when the strip just outside it is more than 5% of the way
///   from bed to paper (an edge cell partly on the page), so an edge is off by
///   less than one cell and cuts into the page by at most ~1 px (docs/QUALITY.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

struct PageBox {
  bool found = false;  ///< confident: crop to (x, y, width, height)
  int32_t x = 0, y = 0, width = 0, height = 0;
  int32_t paper_level = 0, bed_level = 0;  ///< mean of the paper / bed cells
  std::string note;                        ///< why not found
};

/// Smallest paper-minus-bed contrast (gray levels) for a confident box.
constexpr int32_t kPageBoxMinContrast = 50;

/// The box from the cell sums of a width x height page (see the contract).
PageBox find_page_box(const std::vector<uint32_t>& sums, int32_t width, int32_t height);

namespace cpu {
/// Fills *sums (resized) with the page's cell sums.
Status page_cell_sums(ThreadPool& pool, ConstGrayView page, std::vector<uint32_t>* sums);
/// page_cell_sums then find_page_box.
Status find_page_box(ThreadPool& pool, ConstGrayView page, PageBox* box);
}  // namespace cpu

namespace cuda {
/// Enqueues the cell sums of a device page into device memory `sums`
/// (page_box_cells(w) * page_box_cells(h) uint32).
Status page_cell_sums(Stream stream, ConstGrayView page, uint32_t* sums);
}  // namespace cuda

}  // namespace pageprep::kernels
