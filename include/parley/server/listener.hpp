#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace parley {

struct server_state;

/// Accepts TCP connections and hands each to an http_session. At the
/// connection cap new connections are closed at once instead of failing
/// `accept` for everyone when file descriptors run out.
class listener : public std::enable_shared_from_this<listener> {
public:
  /// Binds and listens; throws boost::system::system_error on failure.
  listener(server_state& state, const boost::asio::ip::tcp::endpoint& endpoint);

  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  server_state& state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace parley
