#include "report/manifest.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

std::string manifest_file_name(const std::string& role) {
  return "manifest." + role + ".json";
}

std::string manifest_json(const Manifest& m) {
  JsonWriter j;
  j.begin_object().str("role", m.role);
  j.num("shard", m.shard).num("shards", m.shards);
  j.num("pages", m.pages).num("pages_resumed", m.resumed);
  j.num("started_ms", m.started_ms).num("pid", m.pid);
  j.str("options", m.options);
  j.end_object();
  return j.take() + "\n";
}

std::vector<Manifest> read_manifests(const std::string& state_dir) {
  std::vector<Manifest> out;
  std::error_code ec;
  for (fs::directory_iterator d(state_dir, ec), end; !ec && d != end; d.increment(ec)) {
    const std::string n = d->path().filename().string();
    if (n.rfind("manifest.", 0) != 0 || d->path().extension() != ".json") continue;
    std::ifstream in(d->path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto v = JsonValue::parse(text);
    if (!v || !v->is_object()) continue;
    Manifest m;
    m.role = v->str("role");
    m.shard = static_cast<int64_t>(v->num("shard", 1));
    m.shards = static_cast<int64_t>(v->num("shards", 1));
    m.pages = static_cast<int64_t>(v->num("pages"));
    m.resumed = static_cast<int64_t>(v->num("pages_resumed"));
    m.started_ms = static_cast<int64_t>(v->num("started_ms"));
    m.pid = static_cast<int64_t>(v->num("pid"));
    m.options = v->str("options");
    out.push_back(m);
  }
  return out;
}

}  // namespace pageprep::host
