#include "pipeline/shard.hpp"

#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "report/journal.hpp"

extern char** environ;

namespace pageprep::host {

namespace {

bool parse_int(const std::string& s, int64_t* v) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  *v = std::strtoll(s.c_str(), nullptr, 10);
  return true;
}

std::string env_or(const std::map<std::string, std::string>& env, const char* key) {
  const auto it = env.find(key);
  return it == env.end() ? "" : it->second;
}

// The array index from the first scheduler whose variables are set.
bool index_from_env(const std::map<std::string, std::string>& env, int64_t* index, int64_t* count,
                    std::string* from) {
  int64_t v = 0;
  if (parse_int(env_or(env, "SLURM_ARRAY_TASK_ID"), &v)) {
    int64_t min = 0, step = 1;
    parse_int(env_or(env, "SLURM_ARRAY_TASK_MIN"), &min);
    if (!parse_int(env_or(env, "SLURM_ARRAY_TASK_STEP"), &step) || step < 1) step = 1;
    *index = (v - min) / step;
    int64_t n = 0;
    if (parse_int(env_or(env, "SLURM_ARRAY_TASK_COUNT"), &n)) *count = n;
    *from = "SLURM_ARRAY_TASK_ID";
    return true;
  }
  if (parse_int(env_or(env, "JOB_COMPLETION_INDEX"), &v)) {
    *index = v;
    *from = "JOB_COMPLETION_INDEX";
    return true;
  }
  if (parse_int(env_or(env, "AWS_BATCH_JOB_ARRAY_INDEX"), &v)) {
    *index = v;
    *from = "AWS_BATCH_JOB_ARRAY_INDEX";
    return true;
  }
  return false;
}

}  // namespace

std::string ShardSpec::role() const {
  if (!sharded()) return "run";
  return "shard-" + std::to_string(index + 1) + "-of-" + std::to_string(count);
}

bool parse_shard(const std::string& text, const std::map<std::string, std::string>& env,
                 ShardSpec* out, std::string* error) {
  const size_t slash = text.find('/');
  const std::string k = text.substr(0, slash);
  const std::string n = slash == std::string::npos ? "" : text.substr(slash + 1);
  int64_t index = -1, count = -1;
  if (k == "auto") {
    std::string from;
    if (!index_from_env(env, &index, &count, &from)) {
      *error =
          "--shard auto: no array index in the environment (SLURM_ARRAY_TASK_ID, "
          "JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)";
      return false;
    }
    if (!n.empty() && !parse_int(n, &count)) {
      *error = "--shard auto/N: N must be a positive integer, got '" + n + "'";
      return false;
    }
    if (count < 1) {
      *error = "--shard auto: the shard count is not in the environment (" + from +
               " has none): give it as --shard auto/N";
      return false;
    }
    if (index < 0 || index >= count) {
      *error = "--shard auto: index " + std::to_string(index) + " from " + from +
               " is outside 0.." + std::to_string(count - 1);
      return false;
    }
  } else {
    int64_t k1 = 0;
    if (slash == std::string::npos || !parse_int(k, &k1) || !parse_int(n, &count) || count < 1 ||
        k1 < 1 || k1 > count) {
      *error = "--shard must be K/N with 1 <= K <= N, auto or auto/N, got '" + text + "'";
      return false;
    }
    index = k1 - 1;
  }
  out->index = static_cast<int32_t>(index);
  out->count = static_cast<int32_t>(count);
  return true;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

bool page_in_shard(const std::string& base, int32_t page, const ShardSpec& shard) {
  if (!shard.sharded()) return true;
  const uint64_t h = fnv1a64(base + "\n" + std::to_string(page));
  return static_cast<int32_t>(h % static_cast<uint64_t>(shard.count)) == shard.index;
}

int cores_from_cpu_max(const std::string& cpu_max) {
  std::istringstream in(cpu_max);
  std::string quota;
  int64_t period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  int64_t q = 0;
  if (!parse_int(quota, &q) || q <= 0) return 0;
  return static_cast<int>((q + period - 1) / period);
}

int available_cores(std::string* source) {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string from = "machine";
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0 && n < cores) {
      cores = n;
      from = "affinity";
    }
  }
  // cgroup v2: "0::/path" in /proc/self/cgroup; the quota may sit on any
  // ancestor, so walk up and take the tightest.
  std::ifstream cg("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(cg, line))
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  if (!path.empty()) {
    for (;;) {
      std::ifstream f("/sys/fs/cgroup" + path + "/cpu.max");
      std::string text;
      if (f && std::getline(f, text)) {
        const int q = cores_from_cpu_max(text);
        if (q > 0 && q < cores) {
          cores = q;
          from = "cgroup";
        }
      }
      if (path.empty() || path == "/") break;
      const size_t slash = path.find_last_of('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  }
  if (source) *source = from;
  return std::max(1, cores);
}

}  // namespace pageprep::host
