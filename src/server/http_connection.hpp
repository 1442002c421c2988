#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <vector>

#include "address_guard.hpp"
#include "connection_tracker.hpp"
#include "http_types.hpp"
#include "metrics.hpp"
#include "admin_router.hpp"
#include "origin_policy.hpp"
#include "parley/app/chat_service.hpp"
#include "parley/crypto/keyed_hash.hpp"
#include "rest_router.hpp"
#include "static_files.hpp"
#include "websocket_connection.hpp"

namespace parley {

/// How HTTP connections behave; from the configuration.
struct http_settings {
  std::chrono::milliseconds keep_alive_timeout{30'000};
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds send_timeout{30'000};
  std::size_t max_body_bytes = 64 * 1024;
  /// Proxies whose X-Forwarded-For is believed (for logs).
  std::vector<std::string> trusted_proxies;
};

/** One HTTP connection: reads requests, answers them (REST API, static
    files), and hands the socket to a websocket_connection on `/ws` upgrades.

    Timeouts: an idle keep-alive connection is closed after
    KEEP_ALIVE_TIMEOUT_S; once a request starts it must arrive whole within
    REQUEST_TIMEOUT_S (slowloris); a response must be taken within
    SEND_TIMEOUT_S. One request at a time: the next is read only after the
    answer is written.
*/
class http_connection final : public std::enable_shared_from_this<http_connection>,
                              public stoppable {
public:
  /// What a connection uses, all owned by the server.
  struct parts {
    boost::asio::io_context& ioc;
    const http_settings& settings;
    const websocket_parts& websocket;
    rest_router& api;
    const static_files& files;
    const origin_policy& origins;
    chat_service& chats;
    const keyed_hash& hashes;  ///< stands for client addresses
    connection_tracker& connections;
    metrics& stats;
    address_guard& guard;  ///< per-address connection cap and request rate
    const admin_router& admin;  ///< /admin/, when ADMIN_TOKEN is set
  };

  http_connection(boost::asio::ip::tcp::socket&& socket, const parts& shared);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  void run();
  /// Server shutdown: close now if idle, else right after the current answer.
  void shutdown() override;

private:
  void do_wait();
  void on_wait(boost::beast::error_code ec, std::size_t bytes);
  void do_read();
  /// Reads until the whole header block is buffered, so its raw bytes can
  /// be screened (request_screen) before the parser unfolds anything.
  void read_header_bytes();
  void on_header_bytes(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_request();
  void upgrade(http_request&& req);
  void send(http_reply reply);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void refuse(http::status status, error_code code, std::string_view message);
  /// The per-address limits (connections, request rate) for this request;
  /// false when it was answered 429.
  bool within_address_limits(const http_request& req);
  void close();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  parts parts_;
  std::string peer_;    ///< the TCP peer
  std::string client_key_;  ///< keyed hash of client_
  std::string client_;  ///< the client as logged (see TRUSTED_PROXIES)
  address_slot slot_;         ///< this connection, counted against its address
  bool over_address_cap_ = false;
  bool behind_proxy_ = false;  ///< the peer is a trusted proxy
  bool idle_ = false;
  bool closing_ = false;
  bool linger_ = false;       ///< drain unread input before closing
  std::size_t drained_ = 0;   ///< bytes drained so far
  // For the request log line.
  std::string method_;
  std::string path_;
  std::chrono::steady_clock::time_point request_start_{};
};

}  // namespace parley
