/// \file atomic_file.hpp
/// \brief Crash-safe file replacement.
///
/// write_file_atomic() writes to a temporary file (created with O_EXCL and mode
/// 0666 & ~umask), fsyncs it, renames it over the target and fsyncs the
/// folder. Readers see either the old file or the complete new one, never a
/// partial file. On failure the temporary is removed and the target is
/// untouched.
///
/// Where the temporary lives: in `temp_dir` when given (a pipeline passes its
/// own folder OUTDIR/.pageprep/tmp/<role>, which it empties at start, so a
/// crash leaves nothing in the user's folders and no user file is ever taken
/// for a leftover), named "<pid>.<n>.tmp" (short, so any target name up to
/// NAME_MAX works). When `temp_dir` is empty, or on another file system than
/// the target (rename fails with EXDEV), the temporary is a hidden file beside
/// the target, ".pageprep.<pid>.<n>.tmp".
/// Thread safety: may be called concurrently (temporary names never collide).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/page.hpp"

namespace pageprep::host {

/// Returns kNone, or kWriteFailed with "<path>: <step>: <strerror>" in `message`
/// (which may be null).
PageError write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                            std::string* message, const std::string& temp_dir = {});

/// The same for content too large to hold in memory: `produce` writes it to
/// the temporary's descriptor (returning false on failure, errno set).
PageError write_file_atomic_with(const std::string& path,
                                 const std::function<bool(int fd)>& produce, std::string* message,
                                 const std::string& temp_dir = {});

/// Writes all of `n` bytes to `fd` (EINTR retried); false with errno set.
bool write_all(int fd, const void* data, size_t n);

}  // namespace pageprep::host
