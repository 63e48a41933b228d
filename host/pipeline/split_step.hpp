/// \file split_step.hpp
/// \brief `--split auto`: makes two pages of a two-page spread (the gutter
/// finder, kernels/gutter.hpp), in the decode threads before the crop, so each
/// half is cropped, deskewed, binarized, read and written as its own page.
///
/// Decisions (per decoded page):
/// - not a spread candidate (kernels::Gutter::spread_candidate false): the page
///   is left whole, with no note (a single page is never split);
/// - a candidate whose gutter is not confident: left whole, with split_note;
/// - a page of a PDF master: left whole with split_note (its PDF page is
///   copied as it is by assembly, which does not cut PDF pages in two yet);
/// - a confident gutter at x: two pages, [0, x) and [x, width) of the master
///   (full height), in reading order (left then right; right_to_left: right
///   then left). Each half's decoded.gray is a copy of its region (allocated
///   where the executor reads pages); split.{x,y,w,h} is its source_box,
///   split.part "left"/"right", split.parts 2, its key the task's key plus
///   "|L"/"|R" and its stem half_stem() (B/p0001L, B/p0001R).
/// A failure of the finder itself fails the page (clear per-page error).
/// `w` is moved from only on return: when these throw (no memory for a half),
/// the caller still holds the page whole and can fail it.
#pragma once

#include <opencv2/core/mat.hpp>

#include <memory>
#include <vector>

#include "model/page_work.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/gutter.hpp"

namespace pageprep::host {

/// The journal key of a half: the page's key and its part.
std::string half_key(const std::string& page_key, bool left);

/// The pages made of `w` by the gutter `g` found on its decoded page (see the
/// decisions above): `w` itself, or its two halves in reading order. `base`
/// is its document's base (for the halves' stems).
std::vector<std::unique_ptr<PageWork>> apply_split(std::unique_ptr<PageWork>& w,
                                                   const kernels::Gutter& g,
                                                   const std::string& base, bool right_to_left,
                                                   cv::MatAllocator* allocator);

/// find_gutter on w's decoded page, then apply_split.
std::vector<std::unique_ptr<PageWork>> split_spread(std::unique_ptr<PageWork>& w,
                                                    const std::string& base, bool right_to_left,
                                                    kernels::cpu::ThreadPool& pool,
                                                    cv::MatAllocator* allocator);

}  // namespace pageprep::host
