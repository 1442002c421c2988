#include "websocket_connection.hpp"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/error.hpp>
#include <spdlog/spdlog.h>

#include "parley/protocol/client_command.hpp"
#include "parley/protocol/server_messages.hpp"

namespace parley {
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

/// Moves an accepted socket onto the io_context's concrete executor.
boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
rebind(boost::asio::ip::tcp::socket&& socket, boost::asio::io_context& ioc) {
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  return {ioc.get_executor(), protocol, socket.release(ec)};
}

boost::asio::const_buffer buffer_of(std::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace

websocket_connection::websocket_connection(boost::asio::ip::tcp::socket&& socket,
                                           boost::asio::io_context& ioc,
                                           const websocket_settings& settings, chat_service& chats,
                                           connection_tracker& connections, metrics& stats)
    : ws_(rebind(std::move(socket), ioc)),
      settings_(settings),
      chats_(chats),
      connections_(connections),
      stats_(stats),
      close_deadline_(ioc) {
  connections_.opened();
}

websocket_connection::~websocket_connection() {
  connections_.closed();
  if (accepted_) {
    connections_.websocket_closed();
    connections_.remove(this);
  }
  // Gone without its read loop seeing why: a drop.
  if (participant_ != 0) chats_.close(participant_, *this, channel_end::dropped);
}

void websocket_connection::run(const http_request& req, std::string client_key) {
  client_key_ = std::move(client_key);
  // Pings after the interval of silence; a peer silent for two intervals is
  // dropped. The handshake itself gets the request deadline.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = settings_.handshake_timeout;
  timeouts.idle_timeout = 2 * settings_.ping_interval;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "parley");
  }));
  // Beast's default (16 MiB) is far above any signal; larger frames get 1009.
  ws_.read_message_max(settings_.max_frame_bytes);
  ws_.async_accept(req, beast::bind_front_handler(&websocket_connection::on_accept,
                                                  shared_from_this()));
}

void websocket_connection::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("WebSocket handshake failed: {}", ec.message());
    return;
  }
  stats_.count_websocket_opened();
  accepted_ = true;
  connections_.websocket_opened();
  connections_.add(shared_from_this());
  participant_ = chats_.open(*this, std::move(client_key_));
  do_read();
}

void websocket_connection::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_connection::on_read,
                                                    shared_from_this()));
}

void websocket_connection::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    if (participant_ == 0) return;
    const auto who = participant_;
    participant_ = 0;
    // A close frame means the user left, even when the connection broke
    // before the close handshake finished (a tab closing does that).
    const auto how = ec == websocket::error::closed ||
                             ws_.reason().code != websocket::close_code::none
                         ? channel_end::closed
                     : ec == websocket::error::message_too_big ? channel_end::broke_protocol
                                                               : channel_end::dropped;
    chats_.close(who, *this, how);
    return;
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    refuse({error_code::bad_request, "binary frames are not supported; send JSON text"});
    return do_read();
  }
  if (participant_ != 0) {
    // flat_buffer is contiguous: decode in place, without copying the frame.
    const auto data = buffer_.data();
    auto decoded = decode_frame(
        std::string_view(static_cast<const char*>(data.data()), data.size()), chats_.limits());
    if (auto* f = std::get_if<failure>(&decoded)) {
      refuse(*f);
    } else {
      const auto caller = participant_;
      const auto holder =
          chats_.handle(caller, *this, std::move(std::get<client_command>(decoded)));
      // Unless the service released this channel meanwhile (a full queue).
      if (participant_ == caller) participant_ = holder;
    }
  }
  buffer_.consume(buffer_.size());
  if (!closing_) do_read();
}

void websocket_connection::refuse(const failure& f) {
  const auto who = participant_;
  // A client that floods us with bad frames and reads nothing fills its
  // queue: the service must hear of it, as it would from its own push.
  if (!push({server_messages::error(f)}, 0) && who != 0) {
    chats_.close(who, *this, channel_end::broke_protocol);
  }
}

bool websocket_connection::push(encoded_message message, std::uint64_t seq) {
  // Closing: the frame is dropped, but that is no reason to end anyone.
  if (closing_) return true;
  if (queued_bytes_ + message.size() > settings_.send_queue_bytes) {
    // The client does not read fast enough: it would hold ever more memory.
    stats_.count_websocket_closed_slow();
    spdlog::warn("websocket send queue over WS_SEND_QUEUE_BYTES; closing it");
    participant_ = 0;
    close_after_queue(websocket::close_code::policy_error, "send queue overflow");
    return false;
  }
  queued_bytes_ += message.size();
  queue_.push_back({std::move(message), seq});
  if (!writing_) do_write();
  return true;
}

void websocket_connection::do_write() {
  writing_ = true;
  const auto& m = queue_.front().message;
  write_buffers_ = {buffer_of(m.before()), buffer_of(m.middle()), buffer_of(m.after())};
  ws_.text(true);
  ws_.async_write(write_buffers_, beast::bind_front_handler(&websocket_connection::on_write,
                                                            shared_from_this()));
}

void websocket_connection::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    // The read loop sees the same failure and tells the chat service.
    queue_.clear();
    queued_bytes_ = 0;
    return;
  }
  const auto done = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= done.message.size();
  if (done.seq != 0 && participant_ != 0) chats_.written(participant_, done.seq);
  if (!queue_.empty()) return do_write();
  if (close_reason_) start_close();
}

void websocket_connection::close_after_queue(websocket::close_code code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(code, reason);
  // Frames not yet started are dropped when the close is not a polite one.
  if (code == websocket::close_code::policy_error && !queue_.empty()) {
    const auto in_flight = writing_ ? 1 : 0;
    while (queue_.size() > static_cast<std::size_t>(in_flight)) {
      queued_bytes_ -= queue_.back().message.size();
      queue_.pop_back();
    }
  }
  // A peer that never reads would hold the close forever: cut it.
  close_deadline_.expires_after(settings_.send_timeout);
  close_deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).close(ignored);
  });
  if (!writing_) start_close();
}

void websocket_connection::start_close() {
  ws_.async_close(*close_reason_,
                  [self = shared_from_this()](beast::error_code) { self->close_deadline_.cancel(); });
}

void websocket_connection::release(channel_release why) {
  // Called by the chat service: only let go and close.
  participant_ = 0;
  if (why == channel_release::replaced) {
    push({server_messages::error(
             {error_code::replaced, "this chat was resumed on another connection"})},
         0);
    close_after_queue(websocket::close_code::normal, "replaced");
  } else if (why == channel_release::abuse) {
    close_after_queue(websocket::close_code::policy_error, "rate limit exceeded");
  } else {
    close_after_queue(websocket::close_code::normal, "session ended");
  }
}

void websocket_connection::shutdown() {
  close_after_queue(websocket::close_code::going_away, "server shutting down");
}

}  // namespace parley
