#include "http_connection.hpp"

#include "request_screen.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>


namespace parley {
namespace beast = boost::beast;

namespace {

std::string peer_address(const beast::tcp_stream& stream) {
  beast::error_code ec;
  const auto remote = stream.socket().remote_endpoint(ec);
  return ec ? std::string("?") : remote.address().to_string();
}

/// The client address for logs: the peer, or, when the peer is a trusted
/// proxy, the address it appended last to X-Forwarded-For (anything before
/// that was written by the client and proves nothing).
std::string client_address(const std::string& peer, const http_request& req,
                           const std::vector<std::string>& trusted_proxies) {
  const auto forwarded = req["X-Forwarded-For"];
  if (forwarded.empty() ||
      std::find(trusted_proxies.begin(), trusted_proxies.end(), peer) == trusted_proxies.end()) {
    return peer;
  }
  auto last = forwarded.substr(forwarded.rfind(',') + 1);
  while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
  return last.empty() ? peer : std::string(last);
}

}  // namespace

http_connection::http_connection(boost::asio::ip::tcp::socket&& socket, const parts& shared)
    : stream_(std::move(socket)), parts_(shared) {
  parts_.connections.opened();
  peer_ = peer_address(stream_);
  client_ = peer_;
  const auto& proxies = parts_.settings.trusted_proxies;
  behind_proxy_ = std::find(proxies.begin(), proxies.end(), peer_) != proxies.end();
  client_key_ = parts_.hashes(client_);
  // A proxy carries many clients: their WebSockets are counted at the upgrade.
  if (!behind_proxy_) {
    slot_ = parts_.guard.open(client_key_);
    over_address_cap_ = !slot_.held();
  }
}

http_connection::~http_connection() {
  parts_.connections.closed();
  parts_.connections.remove(this);
}

void http_connection::run() {
  parts_.connections.add(shared_from_this());
  do_wait();
}

void http_connection::shutdown() {
  closing_ = true;
  if (idle_) close();
}

void http_connection::do_wait() {
  if (closing_) return close();
  // Bytes of a pipelined request may already be buffered.
  if (buffer_.size() > 0) return do_read();
  idle_ = true;
  // Over the per-address cap it only waits for a request to refuse.
  stream_.expires_after(over_address_cap_ ? parts_.settings.request_timeout
                                          : parts_.settings.keep_alive_timeout);
  stream_.async_read_some(buffer_.prepare(1024),
                          beast::bind_front_handler(&http_connection::on_wait, shared_from_this()));
}

void http_connection::on_wait(beast::error_code ec, std::size_t bytes) {
  idle_ = false;
  if (ec) return close();  // idle timeout, peer closed, or shutdown
  buffer_.commit(bytes);
  do_read();
}

void http_connection::do_read() {
  parser_.emplace();
  parser_->body_limit(parts_.settings.max_body_bytes);
  parser_->header_limit(request_screen::header_limit);
  request_start_ = std::chrono::steady_clock::now();
  // One deadline for the whole request, headers and body: a client that
  // trickles bytes (slowloris) is cut off at REQUEST_TIMEOUT_S.
  stream_.expires_after(parts_.settings.request_timeout);
  read_header_bytes();
}

void http_connection::read_header_bytes() {
  const auto data = buffer_.data();
  const auto bytes = std::string_view(static_cast<const char*>(data.data()), data.size());
  const auto end = request_screen::header_end(bytes);
  if (end == std::string_view::npos) {
    if (bytes.size() > request_screen::header_limit) {
      return refuse(http::status::request_header_fields_too_large, error_code::bad_request,
                    "the request headers are too large");
    }
    return stream_.async_read_some(
        buffer_.prepare(4096),
        beast::bind_front_handler(&http_connection::on_header_bytes, shared_from_this()));
  }
  if (const auto why = request_screen::check_raw(bytes.substr(0, end))) {
    return refuse(http::status::bad_request, error_code::bad_request, *why);
  }
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_connection::on_read, shared_from_this()));
}

void http_connection::on_header_bytes(beast::error_code ec, std::size_t bytes) {
  // A timeout (slowloris), a reset or the client closing: nobody to answer.
  if (ec) return close();
  buffer_.commit(bytes);
  read_header_bytes();
}

void http_connection::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return close();
  if (ec == http::error::body_limit) {
    return refuse(http::status::payload_too_large, error_code::payload_too_large,
                  "the body is larger than MAX_BODY_BYTES");
  }
  if (ec == http::error::header_limit) {
    return refuse(http::status::request_header_fields_too_large, error_code::bad_request,
                  "the request headers are too large");
  }
  // A request that did not arrive whole in time (slowloris): the stream has
  // already closed the socket, so there is nobody left to answer.
  if (ec == beast::error::timeout) return close();
  if (ec) {
    if (ec == boost::asio::error::operation_aborted || ec == boost::asio::error::eof ||
        ec == boost::asio::error::connection_reset) {
      return close();
    }
    return refuse(http::status::bad_request, error_code::bad_request, "malformed HTTP request");
  }
  if (const auto why = request_screen::check_fields(parser_->get())) {
    return refuse(http::status::bad_request, error_code::bad_request, *why);
  }
  handle_request();
}

void http_connection::handle_request() {
  auto req = parser_->release();
  if (auto client = client_address(peer_, req, parts_.settings.trusted_proxies);
      client != client_ || client_key_.empty()) {
    client_ = std::move(client);
    client_key_ = parts_.hashes(client_);
  }
  method_ = std::string(req.method_string());
  const auto target = std::string_view(req.target());
  path_ = std::string(target.substr(0, target.find('?')));
  if (!within_address_limits(req)) return;

  if (beast::websocket::is_upgrade(req)) {
    if (path_ == "/ws") return upgrade(std::move(req));
    return send(error_response(req, error_code::not_found, "WebSocket endpoint is /ws"));
  }
  if (path_ == "/ws") {
    return send(error_response(req, error_code::bad_request, "/ws needs a WebSocket upgrade"));
  }
  if (parts_.admin.owns(path_)) {
    return parts_.admin.handle(req,
                               [self = shared_from_this()](http_response r) { self->send(std::move(r)); });
  }
  // `/` is the web client for browsers and the health check for the rest.
  const bool client_page = path_ == "/" && accepts_html(req) && parts_.files.available();
  if (rest_router::owns(path_) && !client_page) {
    return parts_.api.handle(req, client_key_,
                             [self = shared_from_this()](http_reply r) { self->send(std::move(r)); });
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    // Writing to a file that exists is not allowed; anything else is unknown.
    if (std::holds_alternative<error_code>(parts_.files.resolve(req.target()))) {
      return send(error_response(req, error_code::not_found, "no such endpoint"));
    }
    auto res = error_response(req, error_code::method_not_allowed, "static files are read-only");
    res.set(http::field::allow, "GET, HEAD");
    return send(std::move(res));
  }
  send(parts_.files.serve(req));
}

void http_connection::upgrade(http_request&& req) {
  // A refused upgrade is answered and the connection closed: the client
  // asked to leave HTTP, and a banned or limited address holds nothing.
  closing_ = true;
  if (!parts_.origins.websocket_allowed(req[http::field::origin], req[http::field::host])) {
    spdlog::warn("refused WebSocket from origin '{}'", std::string(req[http::field::origin]));
    return send(error_response(req, error_code::forbidden, "origin not allowed"));
  }
  // A banned address is refused before the 101, with the seconds left.
  if (const auto left = parts_.chats.ban_remaining(client_key_)) {
    auto res = error_response(req, error_code::banned, "this address is banned");
    res.set(http::field::retry_after, std::to_string(left->count()));
    return send(std::move(res));
  }
  if (behind_proxy_ && !slot_.held()) {
    slot_ = parts_.guard.open(client_key_);
    if (!slot_.held()) {
      auto f = failure{error_code::rate_limited,
                       "too many connections from your address (MAX_CONNECTIONS_PER_ADDRESS)",
                       std::chrono::seconds(1)};
      return send(error_response(shape_of(req), f));
    }
  }
  // Each WebSocket says hello with a new identity: counted before the 101.
  if (auto limited = parts_.chats.admit_identity(client_key_)) {
    return send(error_response(shape_of(req), *limited));
  }
  parts_.stats.count_http(101);
  spdlog::debug("{} GET /ws 101", client_);
  // The WebSocket has its own timeouts; this stream's deadline must not fire.
  stream_.expires_never();
  auto ws = std::make_shared<websocket_connection>(stream_.release_socket(), parts_.ioc,
                                                  parts_.websocket);
  ws->hold(std::move(slot_));
  ws->run(req, client_key_);
}

bool http_connection::within_address_limits(const http_request& req) {
  if (over_address_cap_) {
    // Answered once, then closed: the slot this connection never got stays free.
    closing_ = true;
    send(error_response(shape_of(req),
                        failure{error_code::rate_limited,
                                "too many connections from your address (MAX_CONNECTIONS_PER_ADDRESS)",
                                std::chrono::seconds(1)}));
    return false;
  }
  const auto verdict = parts_.guard.request(client_key_);
  if (verdict.allowed) return true;
  send(error_response(shape_of(req),
                      failure{error_code::rate_limited,
                              "too many requests from your address; slow down",
                              std::chrono::ceil<std::chrono::seconds>(verdict.retry_after)}));
  return false;
}

void http_connection::send(http_reply reply) {
  const auto status = static_cast<unsigned>(reply.status);
  parts_.stats.count_http(status);
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            request_start_)
                      .count();
  spdlog::info("{} {} {} {} {:.1f}ms", client_, method_, path_, status, ms);
  const bool keep_alive = reply.message.keep_alive() && !closing_;
  stream_.expires_after(parts_.settings.send_timeout);
  beast::async_write(stream_, std::move(reply.message),
                     beast::bind_front_handler(&http_connection::on_write, shared_from_this(),
                                               keep_alive));
}

void http_connection::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec || !keep_alive) return close();
  do_wait();
}

void http_connection::refuse(http::status status, error_code code, std::string_view message) {
  // The request could not be read: answer once, then close.
  http_request req;
  req.version(11);
  req.keep_alive(false);
  auto res = error_response(req, code, message);
  res.result(status);
  // assign(1, '-'): GCC 12 warns falsely (-Wrestrict) on `= "-"` at -O2.
  method_.assign(1, '-');
  path_.assign(1, '-');
  closing_ = true;
  linger_ = true;
  send(std::move(res));
}

void http_connection::close() {
  beast::error_code ec;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  if (!linger_) return stream_.close();
  // After refusing a request whose body was not read, closing at once would
  // make the kernel reset the connection, and the client (or a proxy still
  // sending the body) could lose our answer. Drain briefly first.
  linger_ = false;
  buffer_.clear();
  stream_.expires_after(std::chrono::seconds(1));
  stream_.async_read_some(buffer_.prepare(16 * 1024),
                          beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

void http_connection::on_linger(beast::error_code ec, std::size_t bytes) {
  drained_ += bytes;
  if (ec || drained_ > 4 * parts_.settings.max_body_bytes) return stream_.close();
  stream_.async_read_some(buffer_.prepare(16 * 1024),
                          beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

}  // namespace parley
