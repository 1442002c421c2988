#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "connection_tracker.hpp"
#include "metrics.hpp"

namespace parley {

/// Accepts TCP connections and hands each to `on_connection`. At the
/// connection cap new connections are closed at once instead of failing
/// `accept` for everyone when file descriptors run out.
class listener : public std::enable_shared_from_this<listener> {
public:
  using connection_handler = std::function<void(boost::asio::ip::tcp::socket&&)>;

  /// Binds and listens; throws boost::system::system_error on failure.
  listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           const connection_tracker& connections, metrics& stats, connection_handler on_connection);

  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
  void do_accept();
  void on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  const connection_tracker& connections_;
  metrics& stats_;
  connection_handler on_connection_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
};

}  // namespace parley
