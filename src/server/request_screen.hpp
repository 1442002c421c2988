#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "http_types.hpp"

namespace parley {

/** Request shapes that a proxy in front of parley and parley itself could
    read differently: the root of request smuggling. Each is refused with
    400 (the connection then closes), whatever Beast would make of it.
*/
class request_screen {
public:
  /// Largest header block (request line and fields): 431 above it.
  static constexpr std::size_t header_limit = 8 * 1024;

  /// Where the header block in `bytes` ends (just after its empty line), or
  /// npos while it is incomplete.
  static std::size_t header_end(std::string_view bytes) noexcept;
  /// The raw header block: obsolete line folding (a line starting with a
  /// space or tab), which Beast would silently unfold.
  static std::optional<std::string_view> check_raw(std::string_view header) noexcept;
  /// The parsed fields: Content-Length with Transfer-Encoding, Content-Lengths
  /// that differ, a Transfer-Encoding other than exactly `chunked`, two Host
  /// fields, an HTTP/1.1 request without Host.
  static std::optional<std::string_view> check_fields(const http_request& req) noexcept;
};

}  // namespace parley
