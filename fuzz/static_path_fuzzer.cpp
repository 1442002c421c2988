// libFuzzer target: static path resolution. Whatever the target, a resolved
// file must lie inside the web root.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "static_files.hpp"

namespace {

std::filesystem::path make_root() {
  const auto root = std::filesystem::temp_directory_path() / "parley-fuzz-web";
  std::filesystem::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<!doctype html>";
  std::ofstream(root / "assets" / "app.js") << "0";
  std::ofstream(std::filesystem::temp_directory_path() / "parley-fuzz-secret") << "secret";
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parley::static_files files(make_root());
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto resolved = files.resolve(target);
  if (const auto* path = std::get_if<std::filesystem::path>(&resolved)) {
    const auto canonical = std::filesystem::weakly_canonical(*path).string();
    const auto root = files.root().string();
    if (canonical.compare(0, root.size(), root) != 0) std::abort();  // escaped the root
  }
  (void)parley::percent_decode(target);
  return 0;
}
