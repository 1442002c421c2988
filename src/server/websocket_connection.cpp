#include "websocket_connection.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <unistd.h>

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
/// Reads of one socket per batch of ready sockets (256 KiB): one busy socket
/// cannot hold the loop, and what one batch queues for its partner stays far
/// below WS_SEND_QUEUE_BYTES' default.
constexpr std::size_t max_reads_per_batch = 4;
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
                                           const websocket_parts& parts)
    : handshake_(std::make_unique<websocket::stream<socket_type>>(rebind(std::move(socket), ioc))),
      loop_(boost::asio::use_service<websocket_loop>(ioc)),
      parts_(parts) {
  parts_.connections.opened();
}

websocket_connection::rare_state& websocket_connection::rare() {
  if (!rare_) rare_ = std::make_unique<rare_state>();
  return *rare_;
}

websocket_connection::~websocket_connection() {
  if (websocket_loop_hook::is_linked()) loop_.unwatch(*this);
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
  }
  parts_.connections.closed();
  if (accepted_) parts_.connections.websocket_closed();
  // Gone without its read loop seeing why: a drop.
  if (participant_ != 0) parts_.chats.close(participant_, *this, channel_end::dropped);
}

void websocket_connection::run(const http_request& req, std::string client_key) {
  // Beast does the handshake, with the request deadline; no idle timeout or
  // pings: the connection does those itself once upgraded.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = parts_.settings.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  handshake_->set_option(timeouts);
  handshake_->set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "parley");
  }));
  // The address key rides in the handler: the connection keeps no copy.
  handshake_->async_accept(req, [self = shared_from_this(), key = std::move(client_key)](
                                    beast::error_code ec) mutable {
    self->on_accept(ec, std::move(key));
  });
}

void websocket_connection::on_accept(beast::error_code ec, std::string client_key) {
  if (ec || !handshake_) {
    spdlog::debug("WebSocket handshake failed: {}", ec.message());
    return;
  }
  // From here on the bare descriptor: the stream's state (2.5 KB) and Asio's
  // per-socket state are freed; the socket waits in the loop's epoll set.
  boost::system::error_code ignored;
  fd_ = handshake_->next_layer().release(ignored);
  handshake_.reset();
  if (fd_ < 0) return;
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0 || !loop_.add(*this, fd_)) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  self_ = shared_from_this();

  parts_.stats.count_websocket_opened();
  accepted_ = true;
  parts_.connections.websocket_opened();
  loop_.track(parts_.connections);
  loop_.watch(*this, parts_.settings.ping_interval / 2);
  loop_.set_coalesce_delay(parts_.settings.coalesce_delay);
  participant_ = parts_.chats.open(*this, std::move(client_key));
}

// ---- reading ----

void websocket_connection::on_ready(std::uint32_t events) {
  if (ended_) return;
  if (write_blocked_ && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0) {
    write_blocked_ = false;
    flush();
    if (ended_) return;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0) read_ready();
}

void websocket_connection::read_ready() {
  for (std::size_t reads = 0; reads < max_reads_per_batch; ++reads) {
    if (ended_) return;
    const std::size_t kept = partial_ ? partial_->size() : 0;
    char* buffer = loop_.receive_buffer(kept + read_size);
    const std::size_t room = loop_.receive_buffer_size() - kept;
    const auto n = ::recv(fd_, buffer + kept, room, 0);
    if (n < 0) {
      if (would_block(errno)) return;
      if (errno == EINTR) continue;
      return end(channel_end::dropped);
    }
    if (n == 0) return end(channel_end::dropped);  // the peer closed TCP
    if (kept != 0) {
      std::memcpy(buffer, partial_->data(), kept);
      partial_.reset();
    }
    if (!take(buffer, kept + static_cast<std::size_t>(n))) return;
    // Less than asked for: the socket is empty, and bytes that arrive from
    // now on raise a new edge.
    if (static_cast<std::size_t>(n) < room) return;
  }
  // Its share of this batch is used; the rest waits for the next one.
  loop_.read_again(shared_from_this());
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
    const auto limit =
        parts_.settings.max_frame_bytes - (rare_ && rare_->fragmented ? rare_->fragments.size() : 0);
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
      if (!rare_ || !rare_->fragmented) {
        return fail(close_protocol_error, "continuation without a message");
      }
      rare_->fragments.append(bytes);
      if (f.fin) {
        const auto message = std::move(rare_->fragments);
        rare_->fragments = {};
        rare_->fragmented = false;
        handle_message(fragments_op_, message);
      }
      return;
    case opcode::text:
    case opcode::binary:
      if (rare_ && rare_->fragmented) {
        return fail(close_protocol_error, "a new message inside a fragmented one");
      }
      if (f.fin) return handle_message(f.op, bytes);
      rare().fragments.assign(bytes);
      rare_->fragmented = true;
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
  auto decoded = decode_frame(payload, parts_.chats.limits());
  if (auto* f = std::get_if<failure>(&decoded)) return refuse(*f);
  const auto caller = participant_;
  const auto holder = parts_.chats.handle(caller, *this, std::move(std::get<client_command>(decoded)));
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
    parts_.chats.close(who, *this, channel_end::closed);
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
    parts_.chats.close(who, *this, channel_end::broke_protocol);
  }
}

void websocket_connection::fail(std::uint16_t code, std::string_view reason) {
  spdlog::debug("WebSocket protocol error: {}", reason);
  failed_ = true;
  partial_.reset();
  if (rare_) {
    rare_->fragments = {};
    rare_->fragmented = false;
  }
  if (participant_ != 0) {
    const auto who = participant_;
    participant_ = 0;
    parts_.chats.close(who, *this,
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
  if (queued_bytes_ + message.size() > parts_.settings.send_queue_bytes) {
    // The client does not read fast enough: it would hold ever more memory.
    parts_.stats.count_websocket_closed_slow();
    spdlog::warn("websocket send queue over WS_SEND_QUEUE_BYTES; closing it");
    participant_ = 0;
    drop_unsent();
    close_after_queue(close_policy_error, "send queue overflow");
    return false;
  }
  queued_bytes_ += static_cast<std::uint32_t>(message.size());
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
    const auto n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (would_block(errno)) break;
      // The peer is gone; the read side would see it too.
      if (delivered != 0 && participant_ != 0) parts_.chats.written(participant_, delivered);
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
      if (op == opcode::text) queued_bytes_ -= static_cast<std::uint32_t>(done.message.size());
      if (op == opcode::close) close_sent_ = true;
      delivered = std::max(delivered, done.seq);
      ++frames;
      queue_.pop_front();
    }
    front_written_ = static_cast<std::uint32_t>(left);
    if (static_cast<std::size_t>(n) < total) break;  // the socket's buffer is full
  }
  if (delivered != 0 && participant_ != 0) parts_.chats.written(participant_, delivered);
  if (!queue_.empty()) {
    // The socket's edge-triggered EPOLLOUT says when it takes more.
    write_blocked_ = true;
  } else if (close_sent_ && close_received_) {
    end(channel_end::closed);
  } else if (close_sent_ && failed_) {
    // Half-close and read until the peer's EOF: closing with its bytes
    // unread would reset the connection, and the close frame with it.
    ::shutdown(fd_, SHUT_WR);
  } else if (!heard_ && queue_.capacity() > 0) {
    // A socket not heard from this tick gives the queue's storage back; one
    // in use keeps it, so that its frames do not allocate.
    boost::container::devector<outgoing>().swap(queue_);
  }
  return frames;
}

void websocket_connection::drop_unsent() {
  // A frame partly written must be finished, or the stream breaks.
  const std::size_t keep = front_written_ > 0 ? 1 : 0;
  while (queue_.size() > keep) {
    const auto& last = queue_.back();
    if (static_cast<opcode>(last.header.bytes[0] & 0x0F) == opcode::text) {
      queued_bytes_ -= static_cast<std::uint32_t>(last.message.size());
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
  auto& deadline = rare().close_deadline;
  if (deadline) return;
  deadline = std::make_unique<boost::asio::steady_timer>(loop_.context());
  deadline->expires_after(parts_.settings.send_timeout);
  deadline->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->end(channel_end::dropped);
  });
}

void websocket_connection::end(channel_end how) {
  if (ended_) return;
  ended_ = true;
  if (participant_ != 0) {
    const auto who = participant_;
    participant_ = 0;
    parts_.chats.close(who, *this, close_received_ ? channel_end::closed : how);
  }
  close_socket(true);
  if (rare_ && rare_->close_deadline) rare_->close_deadline->cancel();
  queue_.clear();
  queued_bytes_ = 0;
  partial_.reset();
  if (rare_) {
    rare_->fragments = {};
    rare_->fragmented = false;
  }
}

// ---- keepalive and closing on the service's behalf ----

void websocket_connection::keepalive_tick() {
  if (ended_ || !accepted_) return;
  // Belt and braces: a write waiting for room retries once a tick, should
  // an edge ever be missed.
  if (write_blocked_) {
    write_blocked_ = false;
    flush();
    if (ended_) return;
  }
  if (heard_) {
    heard_ = false;
    silent_ticks_ = 0;
    return;
  }
  ++silent_ticks_;
  if (queue_.empty() && queue_.capacity() > 0) boost::container::devector<outgoing>().swap(queue_);
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

void websocket_connection::close_socket(bool shut_down) noexcept {
  if (fd_ < 0) return;
  loop_.remove(fd_);
  if (shut_down) ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  fd_ = -1;
  // Let go of itself once the caller is done with it.
  if (self_) boost::asio::post(loop_.context(), [keep = std::move(self_)] {});
}

void websocket_connection::abandon() noexcept {
  ended_ = true;
  if (fd_ >= 0) {
    ::close(fd_);  // the loop's set is being closed: no removal needed
    fd_ = -1;
  }
  self_.reset();  // the loop holds a reference while calling this
}

void websocket_connection::shutdown() { close_after_queue(close_going_away, "server shutting down"); }

}  // namespace parley
