#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley {

/// A Redis reply, owned (hiredis frees its own as soon as the callback returns).
struct redis_reply {
  enum class kind { string, status, integer, nil, array, error };

  kind type = kind::nil;
  std::string text;  ///< string, status and error replies
  long long integer = 0;
  std::vector<redis_reply> elements;

  bool is_error() const noexcept { return type == kind::error; }
};

}  // namespace parley
