#include "websocket_connection.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/detail/utf8_checker.hpp>
#include <boost/beast/websocket/error.hpp>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

#include "parley/protocol/client_command.hpp"
#include "parley/protocol/server_messages.hpp"

namespace parley {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace frame = websocket_frame;

namespace {

/// Moves an accepted socket onto the io_context's concrete executor.
boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
rebind(boost::asio::ip::tcp::socket&& socket, boost::asio::io_context& ioc) {
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  return {ioc.get_executor(), protocol, socket.release(ec)};
}

/// How much one read asks for beyond a partial frame kept from before.
constexpr std::size_t read_size = 64 * 1024;
/// The receive buffer of a socket in use: most reads carry a few signals.
/// When more is waiting, the next receive takes it at once.
constexpr std::size_t active_buffer_size = 4 * 1024;
/// Parts of frames one gather write takes at most (Linux's IOV_MAX is 1024).
constexpr std::size_t max_write_parts = 256;

// RFC 6455 section 7.4 close codes.
constexpr std::uint16_t close_normal = 1000;
constexpr std::uint16_t close_going_away = 1001;
constexpr std::uint16_t close_protocol_error = 1002;
constexpr std::uint16_t close_bad_payload = 1007;
constexpr std::uint16_t close_policy_error = 1008;
constexpr std::uint16_t close_too_big = 1009;
constexpr std::uint16_t close_service_restart = 1012;
constexpr std::uint16_t close_try_again_later = 1013;

bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

bool valid_utf8(std::string_view s) {
  return beast::websocket::detail::check_utf8(s.data(), s.size());
}

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace

websocket_connection::websocket_connection(boost::asio::ip::tcp::socket&& socket,
                                           boost::asio::io_context& ioc,
                                           const websocket_settings& settings, chat_service& chats,
                                           connection_tracker& connections, metrics& stats)
    : socket_(ioc.get_executor()),
      handshake_(std::make_unique<websocket::stream<socket_type>>(rebind(std::move(socket), ioc))),
      loop_(boost::asio::use_service<websocket_loop>(ioc)),
      settings_(settings),
      chats_(chats),
      connections_(connections),
      stats_(stats) {
  connections_.opened();
}

websocket_connection::~websocket_connection() {
  if (websocket_loop_hook::is_linked()) loop_.unwatch(*this);
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
  // Beast does the handshake, with the request deadline; no idle timeout or
  // pings: the connection does those itself once upgraded.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = settings_.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  handshake_->set_option(timeouts);
  handshake_->set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "parley");
  }));
  handshake_->async_accept(req, beast::bind_front_handler(&websocket_connection::on_accept,
                                                          shared_from_this()));
}

void websocket_connection::on_accept(beast::error_code ec) {
  if (ec || !handshake_) {
    spdlog::debug("WebSocket handshake failed: {}", ec.message());
    return;
  }
  // From here on the bare socket: the stream's state (2.5 KB) is freed.
  socket_ = std::move(handshake_->next_layer());
  handshake_.reset();
  boost::system::error_code ignored;
  socket_.native_non_blocking(true, ignored);

  stats_.count_websocket_opened();
  accepted_ = true;
  connections_.websocket_opened();
  connections_.add(shared_from_this());
  loop_.watch(*this, settings_.ping_interval / 2);
  loop_.set_coalesce_delay(settings_.coalesce_delay);
  participant_ = chats_.open(*this, std::move(client_key_));
  wait_readable();
}

// ---- reading ----

void websocket_connection::wait_readable() {
  // Idle: wait for readability holding no buffer.
  socket_.async_wait(socket_type::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       if (self->ended_) return;
                       if (ec) return self->end(channel_end::dropped);
                       self->read_now();
                     });
}

void websocket_connection::read_now() {
  if (ended_) return;
  const std::size_t kept = partial_ ? partial_->size() : 0;
  char* buffer = loop_.receive_buffer(kept + read_size);
  const std::size_t room = loop_.receive_buffer_size() - kept;
  const auto n = ::recv(socket_.native_handle(), buffer + kept, room, 0);
  if (n < 0) {
    if (would_block(errno)) return wait_readable();
    if (errno == EINTR) return read_now();
    return end(channel_end::dropped);
  }
  if (n == 0) return end(channel_end::dropped);  // the peer closed TCP
  if (kept != 0) {
    std::memcpy(buffer, partial_->data(), kept);
    partial_.reset();
  }
  if (!take(buffer, kept + static_cast<std::size_t>(n))) return;
  if (static_cast<std::size_t>(n) == room) {
    // Maybe more: read again after the other ready handlers (the socket is
    // edge-triggered, so waiting now could wait for ever).
    boost::asio::post(socket_.get_executor(),
                      [self = shared_from_this()] { self->read_now(); });
  } else {
    receive();
  }
}

void websocket_connection::receive() {
  // Active: a receive kept pending on a small buffer of its own, which the
  // reactor fills as data arrives (no re-arming system call per read, unlike
  // a readiness wait); released when the socket falls silent.
  if (!active_buffer_) active_buffer_ = std::make_unique_for_overwrite<char[]>(active_buffer_size);
  socket_.async_receive(boost::asio::buffer(active_buffer_.get(), active_buffer_size),
                        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
                          self->on_receive(ec, n);
                        });
}

void websocket_connection::on_receive(boost::system::error_code ec, std::size_t n) {
  if (ended_) return;
  if (ec == boost::asio::error::operation_aborted && going_idle_) {
    going_idle_ = false;
    active_buffer_.reset();
    return wait_readable();
  }
  going_idle_ = false;
  if (ec) return end(channel_end::dropped);  // EOF or a broken connection
  if (!partial_) {
    // The usual case: whole frames, parsed in place.
    if (!take(active_buffer_.get(), n)) return;
    return receive();
  }
  // A partial frame to join: continue in the loop's buffer. A full buffer
  // means more may be waiting: the next receive gets it at once (its first
  // attempt is made immediately, as the last one did not empty the socket).
  const std::size_t kept = partial_ ? partial_->size() : 0;
  char* buffer = loop_.receive_buffer(kept + read_size);
  if (kept != 0) std::memcpy(buffer, partial_->data(), kept);
  partial_.reset();
  std::memcpy(buffer + kept, active_buffer_.get(), n);
  if (!take(buffer, kept + n)) return;
  receive();
}

bool websocket_connection::take(char* data, std::size_t size) {
  heard_ = true;
  if (failed_) return !ended_;  // draining after a protocol error
  const auto used = handle_frames(data, size);
  if (ended_ || close_received_) return false;
  if (used < size && !failed_) partial_ = std::make_unique<std::string>(data + used, size - used);
  return true;
}

std::size_t websocket_connection::handle_frames(char* data, std::size_t size) {
  std::size_t at = 0;
  while (!ended_ && !close_received_ && !failed_) {
    frame::client_frame f;
    const auto limit = settings_.max_frame_bytes - (fragments_ ? fragments_->size() : 0);
    switch (frame::parse(data + at, size - at, limit, f)) {
      case frame::parse_status::incomplete:
        return at;
      case frame::parse_status::protocol_error:
        fail(close_protocol_error, "protocol error");
        return at;
      case frame::parse_status::too_big:
        fail(close_too_big, "message too big");
        return at;
      case frame::parse_status::frame:
        break;
    }
    char* payload = data + at + f.header_size;
    frame::unmask(payload, f.payload_size, f.mask);
    at += f.header_size + f.payload_size;
    handle_frame(f, payload);
  }
  return at;
}

void websocket_connection::handle_frame(const frame::client_frame& f, char* payload) {
  const std::string_view bytes(payload, f.payload_size);
  switch (f.op) {
    case opcode::ping:
      if (!close_queued_) queue_control(opcode::pong, std::string(bytes));
      return;
    case opcode::pong:
      return;
    case opcode::close:
      return handle_close_frame(bytes);
    case opcode::continuation:
      if (!fragments_) return fail(close_protocol_error, "continuation without a message");
      fragments_->append(bytes);
      if (f.fin) {
        const auto message = std::move(fragments_);
        handle_message(fragments_op_, *message);
      }
      return;
    case opcode::text:
    case opcode::binary:
      if (fragments_) return fail(close_protocol_error, "a new message inside a fragmented one");
      if (f.fin) return handle_message(f.op, bytes);
      fragments_ = std::make_unique<std::string>(bytes);
      fragments_op_ = f.op;
      return;
  }
}

void websocket_connection::handle_message(opcode op, std::string_view payload) {
  if (close_queued_) return;  // closing: what still arrives is not applied
  if (op != opcode::text) {
    refuse({error_code::bad_request, "binary frames are not supported; send JSON text"});
    return;
  }
  if (!valid_utf8(payload)) return fail(close_bad_payload, "text is not UTF-8");
  if (participant_ == 0) return;
  // Decoded in place, in the loop's buffer, without copying the frame.
  auto decoded = decode_frame(payload, chats_.limits());
  if (auto* f = std::get_if<failure>(&decoded)) return refuse(*f);
  const auto caller = participant_;
  const auto holder = chats_.handle(caller, *this, std::move(std::get<client_command>(decoded)));
  // Unless the service released this channel meanwhile (a full queue).
  if (participant_ == caller) participant_ = holder;
}

void websocket_connection::handle_close_frame(std::string_view payload) {
  std::uint16_t code = 0;
  if (payload.size() == 1) return fail(close_protocol_error, "close frame of one byte");
  if (payload.size() >= 2) {
    code = static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                      static_cast<std::uint8_t>(payload[1]));
    if (!valid_close_code(code)) return fail(close_protocol_error, "invalid close code");
    if (!valid_utf8(payload.substr(2))) return fail(close_bad_payload, "close reason not UTF-8");
  }
  close_received_ = true;
  // A close frame means the user left, even when the connection breaks
  // before the close handshake finishes (a tab closing does that).
  if (participant_ != 0) {
    const auto who = participant_;
    participant_ = 0;
    chats_.close(who, *this, channel_end::closed);
  }
  if (close_sent_) return end(channel_end::closed);
  if (!close_queued_) {
    // Echo the code, as RFC 6455 suggests; then the server closes TCP.
    close_queued_ = true;
    queue_control(opcode::close, std::string(payload.substr(0, payload.empty() ? 0 : 2)));
    arm_close_deadline();
  }
}

void websocket_connection::refuse(const failure& f) {
  const auto who = participant_;
  // A client that floods us with bad frames and reads nothing fills its
  // queue: the service must hear of it, as it would from its own push.
  if (!push({server_messages::error(f)}, 0) && who != 0) {
    chats_.close(who, *this, channel_end::broke_protocol);
  }
}

void websocket_connection::fail(std::uint16_t code, std::string_view reason) {
  spdlog::debug("WebSocket protocol error: {}", reason);
  failed_ = true;
  partial_.reset();
  fragments_.reset();
  if (participant_ != 0) {
    const auto who = participant_;
    participant_ = 0;
    chats_.close(who, *this,
                 code == close_too_big ? channel_end::broke_protocol : channel_end::dropped);
  }
  if (close_queued_) {
    if (close_sent_) end(channel_end::dropped);
    return;
  }
  drop_unsent();
  close_after_queue(code, reason);
}

// ---- writing ----

bool websocket_connection::push(encoded_message message, std::uint64_t seq) {
  // Closing: the frame is dropped, but that is no reason to end anyone.
  if (close_queued_ || ended_ || !accepted_) return true;
  if (queued_bytes_ + message.size() > settings_.send_queue_bytes) {
    // The client does not read fast enough: it would hold ever more memory.
    stats_.count_websocket_closed_slow();
    spdlog::warn("websocket send queue over WS_SEND_QUEUE_BYTES; closing it");
    participant_ = 0;
    drop_unsent();
    close_after_queue(close_policy_error, "send queue overflow");
    return false;
  }
  queued_bytes_ += message.size();
  const frame::server_header header(opcode::text, message.size());
  queue_.push_back({std::move(message), seq, header});
  schedule_flush();
  return true;
}

void websocket_connection::queue_control(opcode op, std::string payload) {
  if (ended_) return;
  const frame::server_header header(op, payload.size());
  queue_.push_back({encoded_message(std::move(payload)), 0, header});
  schedule_flush();
}

void websocket_connection::schedule_flush() {
  if (flush_scheduled_ || write_blocked_) return;
  flush_scheduled_ = true;
  loop_.schedule_flush(shared_from_this());
}

std::size_t websocket_connection::flush() {
  flush_scheduled_ = false;
  if (ended_ || write_blocked_) return 0;
  std::uint64_t delivered = 0;
  std::size_t frames = 0;
  while (!queue_.empty()) {
    // Every queued frame (header, then the message's parts), from where the
    // last write stopped, as one gather write.
    std::array<iovec, max_write_parts> parts;
    std::size_t count = 0;
    std::size_t skip = front_written_;
    std::size_t total = 0;
    for (const auto& o : queue_) {
      for (const auto part : {o.header.view(), o.message.before(), o.message.middle(),
                              o.message.after()}) {
        if (part.size() <= skip) {
          skip -= part.size();
          continue;
        }
        if (count == parts.size()) break;
        parts[count].iov_base = const_cast<char*>(part.data() + skip);
        parts[count].iov_len = part.size() - skip;
        total += part.size() - skip;
        ++count;
        skip = 0;
      }
      if (count == parts.size()) break;
    }
    msghdr msg{};
    msg.msg_iov = parts.data();
    msg.msg_iovlen = count;
    const auto n = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (would_block(errno)) break;
      // The peer is gone; the read side would see it too.
      if (delivered != 0 && participant_ != 0) chats_.written(participant_, delivered);
      end(channel_end::dropped);
      return frames;
    }
    // Retire what was written completely.
    auto left = static_cast<std::size_t>(n) + front_written_;
    front_written_ = 0;
    while (!queue_.empty() && left >= queue_.front().size()) {
      auto& done = queue_.front();
      left -= done.size();
      const auto op = static_cast<opcode>(done.header.bytes[0] & 0x0F);
      if (op == opcode::text) queued_bytes_ -= done.message.size();
      if (op == opcode::close) close_sent_ = true;
      delivered = std::max(delivered, done.seq);
      ++frames;
      queue_.pop_front();
    }
    front_written_ = left;
    if (static_cast<std::size_t>(n) < total) break;  // the socket's buffer is full
  }
  if (delivered != 0 && participant_ != 0) chats_.written(participant_, delivered);
  if (!queue_.empty()) {
    wait_writable();
  } else if (close_sent_ && close_received_) {
    end(channel_end::closed);
  } else if (close_sent_ && failed_) {
    // Half-close and read until the peer's EOF: closing with its bytes
    // unread would reset the connection, and the close frame with it.
    boost::system::error_code ignored;
    socket_.shutdown(socket_type::shutdown_send, ignored);
  }
  return frames;
}

void websocket_connection::wait_writable() {
  write_blocked_ = true;
  socket_.async_wait(socket_type::wait_write,
                     [self = shared_from_this()](boost::system::error_code ec) {
                       self->write_blocked_ = false;
                       if (ec || self->ended_) return;
                       self->flush();
                     });
}

void websocket_connection::drop_unsent() {
  // A frame partly written must be finished, or the stream breaks.
  const std::size_t keep = front_written_ > 0 ? 1 : 0;
  while (queue_.size() > keep) {
    const auto& last = queue_.back();
    if (static_cast<opcode>(last.header.bytes[0] & 0x0F) == opcode::text) {
      queued_bytes_ -= last.message.size();
    }
    queue_.pop_back();
  }
}

void websocket_connection::close_after_queue(std::uint16_t code, std::string_view reason) {
  if (close_queued_ || ended_) return;
  if (!accepted_) {
    // Still in the handshake: nothing to say goodbye on.
    if (handshake_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(*handshake_).close(ignored);
    }
    return;
  }
  close_queued_ = true;
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, frame::max_control_payload - 2));
  queue_control(opcode::close, std::move(payload));
  arm_close_deadline();
}

void websocket_connection::arm_close_deadline() {
  // A peer that never reads or never answers would hold the close for ever.
  if (close_deadline_) return;
  close_deadline_ = std::make_unique<boost::asio::steady_timer>(socket_.get_executor());
  close_deadline_->expires_after(settings_.send_timeout);
  close_deadline_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->end(channel_end::dropped);
  });
}

void websocket_connection::end(channel_end how) {
  if (ended_) return;
  ended_ = true;
  if (participant_ != 0) {
    const auto who = participant_;
    participant_ = 0;
    chats_.close(who, *this, close_received_ ? channel_end::closed : how);
  }
  boost::system::error_code ignored;
  socket_.shutdown(socket_type::shutdown_both, ignored);
  socket_.close(ignored);
  if (close_deadline_) close_deadline_->cancel();
  queue_.clear();
  queued_bytes_ = 0;
  partial_.reset();
  fragments_.reset();
}

// ---- keepalive and closing on the service's behalf ----

void websocket_connection::keepalive_tick() {
  if (ended_ || !accepted_) return;
  if (heard_) {
    heard_ = false;
    silent_ticks_ = 0;
    return;
  }
  ++silent_ticks_;
  if (active_buffer_ && !going_idle_ && !write_blocked_) {
    // Silent for a tick: give the buffer back and wait for readability
    // (cancel only touches the pending receive here).
    going_idle_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  }
  // Ticks are half an interval: the third silent one is at least one
  // interval of silence, the fifth at least two.
  if (silent_ticks_ == 3 && !close_queued_) queue_control(opcode::ping, {});
  if (silent_ticks_ >= 5) {
    spdlog::debug("WebSocket silent for two ping intervals; dropping it");
    end(channel_end::dropped);
  }
}

void websocket_connection::release(channel_release why) {
  // Called by the chat service: only let go and close.
  participant_ = 0;
  if (why == channel_release::replaced) {
    push({server_messages::error(
             {error_code::replaced, "this chat was resumed on another connection"})},
         0);
    close_after_queue(close_normal, "replaced");
  } else if (why == channel_release::abuse) {
    close_after_queue(close_policy_error, "rate limit exceeded");
  } else if (why == channel_release::unavailable) {
    close_after_queue(close_try_again_later, "try again later");
  } else if (why == channel_release::resync) {
    close_after_queue(close_service_restart, "server state reloaded; resume");
  } else {
    close_after_queue(close_normal, "session ended");
  }
}

void websocket_connection::shutdown() { close_after_queue(close_going_away, "server shutting down"); }

}  // namespace parley
