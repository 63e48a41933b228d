/// \file shard.hpp
/// \brief Splitting one job over the tasks of a cluster array (Slurm, Kubernetes
/// Indexed Jobs, AWS Batch), and sizing threads to the CPUs a process may use.
///
/// Partition: page k of the document with base B belongs to shard
/// fnv1a64(B + "\n" + k) mod N. It depends only on the page's output name, so
/// a page lands in the same shard on every machine and in every listing order,
/// and a 500-page TIFF spreads over all shards (balanced by pages, not files).
/// Because names do not depend on the shard either (output_names.hpp), N
/// shards write exactly the files one run would.
///
/// Thread safety: pure functions, except available_cores (reads /proc, /sys).
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace pageprep::host {

/// Which part of the work this process does: the whole run, or shard
/// `index` (0-based) of `count`.
struct ShardSpec {
  int32_t index = 0;
  int32_t count = 1;
  bool sharded() const { return count > 1; }
  /// "run" or "shard-K-of-N" (K 1-based, as users count array tasks).
  std::string role() const;
};

/// Parses `--shard`: "K/N" (K from 1 to N), "auto" (index and count from the
/// array's environment) or "auto/N" (index from the environment, count N).
/// Environment: Slurm (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) /
/// SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT (a range such as 0-7, 1-8 or
/// 0-14:2; not a list such as 1,4,9); Kubernetes Indexed Jobs JOB_COMPLETION_INDEX;
/// AWS Batch AWS_BATCH_JOB_ARRAY_INDEX. Returns false with *error when the
/// text is malformed or the environment has no usable index or count.
bool parse_shard(const std::string& text, const std::map<std::string, std::string>& env,
                 ShardSpec* out, std::string* error);

/// The process environment as a map (for parse_shard).
std::map<std::string, std::string> process_environment();

/// Whether page `page` of document `base` is this shard's.
bool page_in_shard(const std::string& base, int32_t page, const ShardSpec& shard);

/// CPUs this process may use: the affinity mask (taskset, Slurm's cpusets),
/// capped by the cgroup v2 quota (cpu.max: Docker --cpus, Kubernetes limits,
/// Slurm with cgroup v2), at least 1. `source` says which limit applied
/// ("machine", "affinity" or "cgroup").
int available_cores(std::string* source = nullptr);

/// The core count a cgroup v2 cpu.max line allows ("max 100000" -> 0 = none;
/// "150000 100000" -> 2: a fraction of a core rounds up).
int cores_from_cpu_max(const std::string& cpu_max);

}  // namespace pageprep::host
