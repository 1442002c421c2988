#pragma once

// Beast HTTP types used across the transport layer. Only transport sources
// include this header: the core, the chat service and main never see Beast.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "parley/core/failure.hpp"

namespace parley {

namespace http = boost::beast::http;

using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

/// A finished response of any body type, with its status kept for the log
/// and the metrics (the generator itself hides it).
struct http_reply {
  template <class Body>
  http_reply(http::response<Body>&& res)  // NOLINT: implicit by design
      : status(res.result()), message(std::move(res)) {}

  http::status status;
  http::message_generator message;
};

/// Hands a finished response to the connection, now or later (long polls).
using responder = std::function<void(http_reply)>;

/// What an answer needs from its request: enough to answer later without
/// keeping the request (a long poll holds only this).
struct reply_shape {
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;                 ///< headers only
  std::optional<std::string> cors;  ///< Access-Control-Allow-Origin
};

/// The HTTP status for an error code.
http::status status_of(error_code code) noexcept;

/// A JSON response shaped as `shape` says.
http_response json_response(const reply_shape& shape, http::status status, std::string body);
/// `{"error":{"code":...,"message":...}}` with the status of the code.
http_response error_response(const reply_shape& shape, const failure& f);

/// The shape of a plain answer to `req` (no CORS).
reply_shape shape_of(const http_request& req);
/// Same, for answers outside the API (static files, upgrades).
http_response json_response(const http_request& req, http::status status, std::string body);
http_response error_response(const http_request& req, error_code code, std::string_view message);

/// True when the client (a browser) asks for HTML.
bool accepts_html(const http_request& req) noexcept;

/// Headers every response carries (nosniff, CSP, referrer and permissions policies).
void add_security_headers(http::fields& fields);

}  // namespace parley
