#include "http_types.hpp"

#include <algorithm>

#include "parley/protocol/server_messages.hpp"

namespace parley {

http::status status_of(error_code code) noexcept {
  switch (code) {
    case error_code::bad_request: return http::status::bad_request;
    case error_code::unauthorized: return http::status::unauthorized;
    case error_code::not_found: return http::status::not_found;
    case error_code::method_not_allowed: return http::status::method_not_allowed;
    case error_code::not_matched: return http::status::conflict;
    case error_code::session_mismatch: return http::status::conflict;
    case error_code::payload_too_large: return http::status::payload_too_large;
    case error_code::not_started: return http::status::conflict;
    case error_code::unknown_type: return http::status::bad_request;
    case error_code::replaced: return http::status::conflict;
    case error_code::forbidden: return http::status::forbidden;
    case error_code::rate_limited: return http::status::too_many_requests;
    case error_code::banned: return http::status::forbidden;
    case error_code::unavailable: return http::status::service_unavailable;
  }
  return http::status::internal_server_error;
}

bool accepts_html(const http_request& req) noexcept {
  return req[http::field::accept].find("text/html") != std::string_view::npos;
}

void add_security_headers(http::fields& fields) {
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("Referrer-Policy", "no-referrer");
  fields.set("X-Frame-Options", "DENY");
  // The client's own scripts and styles, media from the camera, and the
  // WebSocket back to this origin ('self' covers ws:/wss: on the same host
  // in CSP 3); nothing else.
  fields.set("Content-Security-Policy",
             "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
             "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
             "form-action 'self'; object-src 'none'");
  fields.set("Permissions-Policy",
             "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()");
}

reply_shape shape_of(const http_request& req) {
  return {req.version(), req.keep_alive(), req.method() == http::verb::head, std::nullopt};
}

http_response json_response(const reply_shape& shape, http::status status, std::string body) {
  http_response res{status, shape.version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  add_security_headers(res.base());
  if (shape.cors) {
    res.set(http::field::access_control_allow_origin, *shape.cors);
    res.set(http::field::vary, "Origin");
  }
  res.keep_alive(shape.keep_alive);
  const auto length = body.size();
  // HEAD: the same headers as GET, no body.
  if (!shape.head) res.body() = std::move(body);
  res.content_length(length);
  return res;
}

http_response error_response(const reply_shape& shape, const failure& f) {
  auto res = json_response(shape, status_of(f.code), server_messages::error_body(f));
  if (f.code == error_code::rate_limited) {
    // At least one second: 0 would invite an immediate retry loop.
    res.set(http::field::retry_after, std::to_string(std::max<long long>(f.retry_after.count(), 1)));
  }
  return res;
}

http_response json_response(const http_request& req, http::status status, std::string body) {
  return json_response(shape_of(req), status, std::move(body));
}

http_response error_response(const http_request& req, error_code code, std::string_view message) {
  return error_response(shape_of(req), failure{code, std::string(message)});
}

}  // namespace parley
