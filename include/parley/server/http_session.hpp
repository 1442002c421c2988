#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "parley/server/http_types.hpp"
#include "parley/server/rest_api.hpp"

namespace parley {

struct server_state;

/** One HTTP connection: reads requests, answers them (REST API, static
    files), and hands the socket to a websocket_session on `/ws` upgrades.

    Timeouts: an idle keep-alive connection is closed after
    KEEP_ALIVE_TIMEOUT_S; once a request starts it must arrive whole within
    REQUEST_TIMEOUT_S (slowloris); a response must be taken within
    SEND_TIMEOUT_S. One request at a time: the next is read only after the
    answer is written.
*/
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, server_state& state);
  ~http_session();
  http_session(const http_session&) = delete;
  http_session& operator=(const http_session&) = delete;

  void run();
  /// Server shutdown: close now if idle, else right after the current answer.
  void shutdown();

private:
  void do_wait();
  void on_wait(boost::beast::error_code ec, std::size_t bytes);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_request();
  void upgrade(http_request&& req);
  void send(http_reply reply);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t bytes);
  void refuse(http::status status, error_code code, std::string_view message);
  void close();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  server_state& state_;
  rest_api api_;
  std::string peer_;    ///< the TCP peer
  std::string client_;  ///< the client as logged (see TRUSTED_PROXIES)
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
