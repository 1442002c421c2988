#include "listener.hpp"

#include <spdlog/spdlog.h>


namespace parley {
using tcp = boost::asio::ip::tcp;

listener::listener(boost::asio::io_context& ioc, const tcp::endpoint& endpoint,
                   const connection_tracker& connections, metrics& stats,
                   connection_handler on_connection)
    : ioc_(ioc),
      connections_(connections),
      stats_(stats),
      on_connection_(std::move(on_connection)),
      acceptor_(ioc),
      retry_timer_(ioc) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(boost::asio::socket_base::max_listen_connections);
}

tcp::endpoint listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void listener::run() { do_accept(); }

void listener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
}

void listener::do_accept() {
  acceptor_.async_accept(ioc_, [self = shared_from_this()](boost::system::error_code ec,
                                                                 tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void listener::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Out of file descriptors or similar: back off instead of spinning.
    spdlog::warn("accept failed: {}", ec.message());
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
      if (!e) self->do_accept();
    });
    return;
  }
  if (connections_.full()) {
    stats_.count_connection_refused();
    spdlog::warn("connection cap ({}) reached; refusing a connection", connections_.limit());
    socket.close(ec);
  } else {
    // Chat frames are small and latency-bound: never wait to coalesce them.
    socket.set_option(tcp::no_delay(true), ec);
    on_connection_(std::move(socket));
  }
  do_accept();
}

}  // namespace parley
