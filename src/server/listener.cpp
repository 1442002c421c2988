#include "parley/server/listener.hpp"

#include <spdlog/spdlog.h>

#include "parley/server/http_session.hpp"
#include "parley/server/server_state.hpp"

namespace parley {
using tcp = boost::asio::ip::tcp;

listener::listener(server_state& state, const tcp::endpoint& endpoint)
    : state_(state), acceptor_(state.ioc), retry_timer_(state.ioc) {
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
  acceptor_.async_accept(state_.ioc, [self = shared_from_this()](boost::system::error_code ec,
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
  if (state_.open_connections >= state_.max_connections) {
    state_.stats.count_connection_refused();
    spdlog::warn("connection cap ({}) reached; refusing a connection", state_.max_connections);
    socket.close(ec);
  } else {
    // Chat frames are small and latency-bound: never wait to coalesce them.
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<http_session>(std::move(socket), state_)->run();
  }
  do_accept();
}

}  // namespace parley
