#pragma once

// Real clients for the integration tests: blocking HTTP requests, and
// WebSocket clients whose reads run on a shared I/O thread so a test can
// wait for a frame with a timeout, or check that none arrives.

#include <boost/asio/io_context.hpp>
#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

namespace parley::testing {

using json = nlohmann::json;
using namespace std::chrono_literals;

struct http_result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  json body_json() const { return json::parse(body); }
  std::string header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// One request on a fresh connection; throws on network errors.
http_result http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = {},
                         const std::map<std::string, std::string>& headers = {},
                         std::chrono::milliseconds timeout = 10s);

/// POST a JSON body, with a bearer token when given.
http_result post(std::uint16_t port, const std::string& target, const json& body = json::object(),
                 const std::string& token = {}, std::chrono::milliseconds timeout = 10s);

/// Sends raw bytes and returns everything the server answers until it
/// closes or `timeout` passes (for malformed HTTP).
std::string raw_exchange(std::uint16_t port, const std::string& bytes,
                         std::chrono::milliseconds timeout = 5s);

/// An I/O thread shared by WebSocket clients.
class client_io {
public:
  client_io();
  ~client_io();
  client_io(const client_io&) = delete;
  client_io& operator=(const client_io&) = delete;
  boost::asio::io_context& context() { return ioc_; }

private:
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

/// A WebSocket client of /ws.
class ws_client {
public:
  struct options {
    std::string origin;          ///< sent as Origin when not empty
    std::string target = "/ws";
  };

  ws_client(client_io& io, std::uint16_t port, const options& opts);
  ws_client(client_io& io, std::uint16_t port) : ws_client(io, port, options{}) {}
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send(const json& message);
  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);

  /// The next frame; throws std::runtime_error if none comes in `timeout`.
  json receive(std::chrono::milliseconds timeout = 5s);
  /// Skips frames until one of `type` (others are kept in order? no: dropped).
  json receive_type(const std::string& type, std::chrono::milliseconds timeout = 5s);
  /// The next frame if one arrives within `timeout`.
  std::optional<json> try_receive(std::chrono::milliseconds timeout);

  /// Sends a close frame (a user leaving).
  void close();
  /// Drops the TCP connection without a close frame.
  void drop();
  /// Stops reading: the kernel buffers fill up, as with a stalled client.
  void pause_reading();

  /// Waits until the server closed the connection; returns its close code
  /// (0 when it dropped without one), or nullopt if still open after `timeout`.
  std::optional<unsigned> wait_closed(std::chrono::milliseconds timeout = 5s);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Frames of `hello`: convenience for the token of a fresh client.
std::string token_of(const json& hello);

}  // namespace parley::testing
