// Writes seed inputs for the fuzz targets: the corpus generator's valid
// samples (support/corrupt_corpus.hpp) into DIR/<target>/, and a few lists.
// Usage: pageprep-fuzz-seeds DIR
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "support/corrupt_corpus.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pageprep-fuzz-seeds DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  auto write = [&](const std::string& target, const std::string& name,
                   const std::vector<uint8_t>& b) {
    fs::create_directories(dir / target);
    std::ofstream(dir / target / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  for (const auto& s : pageprep::testsupport::valid_samples()) {
    const std::string format = s.kind.substr(0, s.kind.find('_'));
    write(format, s.file_name, s.bytes);
    write("decode", s.file_name, s.bytes);
    write("count", s.file_name, s.bytes);
  }
  const std::string list = "# pages\n/scans/a.png\n  rel/b.tif \r\n\nfolder\n";
  write("list", "list.txt", std::vector<uint8_t>(list.begin(), list.end()));
  return 0;
}
