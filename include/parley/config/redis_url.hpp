#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace parley {

/// Where the cluster's Redis is: `redis://[:password@]host:port[/db]`.
struct redis_url {
  std::string host;
  std::uint16_t port = 6379;
  std::string password;  ///< secret: never logged or shown
  int db = 0;

  /// The URL without its password, for logs.
  std::string redacted() const;
};

/// Parses `text`; the error names what is wrong, never the password.
std::variant<redis_url, std::string> parse_redis_url(std::string_view text);

}  // namespace parley
