#pragma once

#include <string>
#include <vector>

namespace parley {

/// Interests as compared by the matcher: trimmed, lower-case (ASCII),
/// inner white space collapsed, empty ones dropped, sorted and unique.
std::vector<std::string> normalize_interests(const std::vector<std::string>& raw);

/// The interests both sorted, unique lists share, in order.
std::vector<std::string> common_interests(const std::vector<std::string>& a,
                                          const std::vector<std::string>& b);

}  // namespace parley
