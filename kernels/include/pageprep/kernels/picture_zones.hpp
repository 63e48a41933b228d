/// \file picture_zones.hpp
/// \brief Picture zones: the boxes of halftones, photos and engravings on a
/// page, so the cleaned page can keep them in tone (--image-format mixed),
/// ALTO can name them (Illustration) and pages.jsonl can list them.
///
/// Contract:
/// - picture_zone_cells (CPU or CUDA schedule) fills one ops::ZoneCell per
///   cell of ops::picture_zone_cell_px(dpi) pixels, row-major,
///   picture_zone_cells(width, cell) per row; both schedules give identical
///   cells (ops/picture_zone_ops.hpp).
/// - find_picture_zones decides from the cells alone (host, a few ten
///   thousand cells):
///   - the local paper level P of a cell is the brightest cell mean within
///     kPictureZonePaperInches (a picture wider than twice that has paper
///     levels from its own light parts inside: its dark parts still count);
///     the continuous-tone test uses at most the brightest cell within
///     kPictureZoneNearPaperInches plus kPictureZoneToneMarginPercent of the
///     range instead, so paper darkened by uneven light (which changes by
///     more than the tone threshold over 2 inches) is never a tone: the
///     price is that light flat tones deep inside a photo are holes;
///   - the page's ink level I is the 5th percentile of the cell minima; a
///     page whose brightest cell is less than kPictureZoneMinRange above it
///     has no ink contrast and no zones;
///   - picture cells (ops::is_picture_cell), closed by one cell (light
///     patches of a halftone), grouped 8-connected; a group is a zone when
///     (a) its box is at least kPictureZoneMinInches on both sides and it
///     fills at least half of it; (b) it is not a band along a page side
///     (>= 90% of that side: a scanner border); (c) it ends in a step: the
///     cells two out of its boundary are on average kPictureZoneMinEdgePercent
///     of the range brighter (uneven light fades out without one), or it
///     touches a page side and at least kPictureZoneTexturedPercent of its
///     cells are textured (std >= kPictureZoneTexturePercent of the range: a
///     plate joined to a dark gutter or bed, cavalerie.11.jpg), its box then
///     trimmed from each side while the outer line is under
///     kPictureZoneTrimPercent textured picture cells; (d) its
///     row profile has fewer than kPictureZoneGapsPerInch bright interline
///     gaps per inch (kPictureZoneGapPercent of the range deep): dense or
///     blurred text merges into blocks of picture cells, but keeps its gaps.
///     Zones that overlap are merged.
///   (c) and (d) read the page itself (`page`, the view the cells came from).
/// - Boxes are in pixels of the page given, at cell resolution (an edge is off
///   by less than one cell), clamped to the page, sorted by (y, x).
/// - Limits: line drawings with little ink (diagrams, maps in thin lines) are
///   not found; a big dark initial letter can be (it is a picture then).
#pragma once

#include <cstdint>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/ops/picture_zone_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

struct PictureZone {
  int32_t x = 0, y = 0, width = 0, height = 0;
};

constexpr double kPictureZoneMinInches = 0.75;
constexpr double kPictureZoneBandInches = 1.5;
constexpr double kPictureZonePaperInches = 2.0;
constexpr double kPictureZoneNearPaperInches = 0.5;
constexpr int32_t kPictureZoneToneMarginPercent = 8;
constexpr int32_t kPictureZoneMinRange = 96;
constexpr int32_t kPictureZoneMinEdgePercent = 8;
constexpr int32_t kPictureZoneGapPercent = 4;
constexpr double kPictureZoneGapsPerInch = 1.5;
constexpr int32_t kPictureZoneTexturePercent = 8;
constexpr int32_t kPictureZoneTexturedPercent = 50;
constexpr int32_t kPictureZoneTrimPercent = 40;

/// What the decision saw, for reports and tests.
struct PictureZoneStats {
  int32_t paper = 0;          ///< brightest cell mean of the page
  int32_t ink = 0;            ///< the ink level used
  int64_t picture_cells = 0;  ///< cells that passed ops::is_picture_cell
};

/// The zones from the cells of a width x height page at `dpi` (see the contract).
std::vector<PictureZone> find_picture_zones(const std::vector<ops::ZoneCell>& cells,
                                            ConstGrayView page, float dpi,
                                            PictureZoneStats* stats = nullptr);

namespace cpu {
/// Fills *cells (resized) with the page's cell sums.
Status picture_zone_cells(ThreadPool& pool, ConstGrayView page, float dpi,
                          std::vector<ops::ZoneCell>* cells);
/// picture_zone_cells then find_picture_zones.
Status find_picture_zones(ThreadPool& pool, ConstGrayView page, float dpi,
                          std::vector<PictureZone>* zones);
}  // namespace cpu

namespace cuda {
/// Enqueues the cells of a device page into device memory `cells`
/// (picture_zone_cells(w, cell) * picture_zone_cells(h, cell) entries).
Status picture_zone_cells(Stream stream, ConstGrayView page, float dpi, ops::ZoneCell* cells);
}  // namespace cuda

}  // namespace pageprep::kernels
