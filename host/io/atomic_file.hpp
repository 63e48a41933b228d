/// \file atomic_file.hpp
/// \brief Crash-safe file replacement.
///
/// write_file_atomic() writes to a hidden temporary file in the target's folder
/// (".<name>.<pid>.<n>.tmp", created with O_EXCL and mode 0666 & ~umask), fsyncs
/// it, renames it over the target and fsyncs the folder. Readers see either the
/// old file or the complete new one, never a partial file; after a crash at
/// most a hidden temporary is left behind (the input enumerator skips hidden
/// files). On failure the temporary is removed and the target is untouched.
/// Thread safety: may be called concurrently (temporary names never collide).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/page.hpp"

namespace pageprep::host {

/// Returns kNone, or kWriteFailed with "<path>: <step>: <strerror>" in `message`
/// (which may be null).
PageError write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                            std::string* message);

/// True for a file name write_file_atomic uses for its temporaries
/// (".<name>.<pid>.<n>.tmp"); a run cleans such leftovers of a crashed run.
bool is_atomic_temp_name(const std::string& filename);

}  // namespace pageprep::host
