#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "parley/core/participant.hpp"
#include "parley/server/http_types.hpp"

namespace parley {

struct server_state;

/// The REST API: /health, /metrics, /config, /start, /start_video, /send,
/// /signal, /typing, /receive, /next, /disconnect. It turns a request into
/// session manager calls and a JSON answer; `/receive` with `wait` answers
/// later, through `respond`.
class rest_api {
public:
  explicit rest_api(server_state& state) : state_(state) {}

  /// True for paths the API owns (other GETs go to the static files).
  static bool owns(std::string_view path) noexcept;

  void handle(http_request&& req, const responder& respond);

  /// The body of a /receive answer: status, session and events after `since`.
  static std::string receive_body(server_state& state, const participant& p, std::uint64_t since);

private:
  server_state& state_;
};

}  // namespace parley
