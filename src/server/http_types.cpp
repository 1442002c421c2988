#include "parley/server/http_types.hpp"

#include <nlohmann/json.hpp>

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
    case error_code::internal_error: return http::status::internal_server_error;
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

http_response json_response(const http_request& req, http::status status, std::string body) {
  http_response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  add_security_headers(res.base());
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http_response error_response(const http_request& req, error_code code, std::string_view message) {
  nlohmann::json body = {{"error", {{"code", to_string(code)}, {"message", message}}}};
  return json_response(req, status_of(code), body.dump());
}

http_response error_response(const http_request& req, const failure& f) {
  return error_response(req, f.code, f.message);
}

}  // namespace parley
