#include "parley/core/interests.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace parley {

std::vector<std::string> normalize_interests(const std::vector<std::string>& raw) {
  std::vector<std::string> out;
  out.reserve(raw.size());
  for (const auto& item : raw) {
    std::string tag;
    bool pending_space = false;
    for (const char ch : item) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pending_space = !tag.empty();
        continue;
      }
      if (pending_space) tag.push_back(' ');
      pending_space = false;
      tag.push_back(c < 0x80 ? static_cast<char>(std::tolower(c)) : ch);
    }
    if (!tag.empty()) out.push_back(std::move(tag));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> common_interests(const std::vector<std::string>& a,
                                          const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace parley
