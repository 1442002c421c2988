#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley {

/// Which browser origins may open the WebSocket and call the REST API.
/// Origins are compared exactly (scheme, host and port), case-insensitively.
class origin_policy {
public:
  origin_policy(std::vector<std::string> websocket_origins, std::vector<std::string> cors_origins);

  /// A WebSocket upgrade from `origin` to the server reached as `host`
  /// (the Host header). No Origin (a non-browser client) is allowed; so are
  /// the server's own origin and http://localhost / 127.0.0.1 / [::1] on any port.
  bool websocket_allowed(std::string_view origin, std::string_view host) const;

  /// The Access-Control-Allow-Origin value for a cross-origin REST call, or
  /// nullopt when the origin is not allowed.
  std::optional<std::string> cors_allow(std::string_view origin) const;

private:
  std::vector<std::string> websocket_origins_;
  std::vector<std::string> cors_origins_;
  bool cors_any_ = false;
};

}  // namespace parley
