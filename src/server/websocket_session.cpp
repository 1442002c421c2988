#include "parley/server/websocket_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket/error.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "parley/core/client_command.hpp"
#include "parley/server/server_state.hpp"

namespace parley {
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

namespace {

std::shared_ptr<const std::string> frame_of(const json& j) {
  return std::make_shared<const std::string>(j.dump());
}

/// The current session as JSON: its id, or null when not matched.
json session_json(const participant& p) {
  const auto id = current_session_id(p);
  return id.empty() ? json(nullptr) : json(id);
}

}  // namespace

namespace {

/// Moves an accepted socket onto the io_context's concrete executor.
boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
rebind(boost::asio::ip::tcp::socket&& socket, boost::asio::io_context& ioc) {
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  return {ioc.get_executor(), protocol, socket.release(ec)};
}

}  // namespace

websocket_session::websocket_session(boost::asio::ip::tcp::socket&& socket, server_state& state)
    : ws_(rebind(std::move(socket), state.ioc)), state_(state), close_deadline_(state.ioc) {
  ++state_.open_connections;
}

websocket_session::~websocket_session() {
  --state_.open_connections;
  state_.registry.remove_websocket(this);
  if (participant_ != 0) {
    // Gone without its read loop seeing why: treat it as a drop.
    state_.registry.detach(participant_, this);
    if (auto* p = state_.sessions.find(participant_); p != nullptr && !state_.stopping) {
      state_.sessions.detach(*p);
    }
  }
}

void websocket_session::run(http_request req) {
  // Pings after WS_PING_INTERVAL_S of silence; a peer silent for two
  // intervals is dropped. The handshake itself gets the request deadline.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = state_.cfg.request_timeout;
  timeouts.idle_timeout = 2 * state_.cfg.ws_ping_interval;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "parley");
  }));
  // Beast's default (16 MiB) is far above any signal; larger frames get 1009.
  ws_.read_message_max(state_.cfg.max_frame_bytes);
  ws_.async_accept(req, beast::bind_front_handler(&websocket_session::on_accept,
                                                  shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("WebSocket handshake failed: {}", ec.message());
    return;
  }
  state_.stats.count_websocket_opened();
  auto self = shared_from_this();
  state_.registry.add_websocket(self);
  // Every socket starts with a fresh idle participant; `resume` swaps it.
  auto& p = state_.sessions.create();
  state_.sessions.attach(p);
  participant_ = p.id;
  state_.registry.attach(p.id, self);
  spdlog::debug("websocket opened for participant {}", p.user_id);
  send(frame_of(json{{"type", "hello"},
                     {"user_id", p.user_id},
                     {"token", p.token},
                     {"online", state_.sessions.online()}}));
  do_read();
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read,
                                                    shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    auto* p = participant_ != 0 ? state_.sessions.find(participant_) : nullptr;
    if (p == nullptr) return;
    const auto user = p->user_id;
    state_.registry.detach(participant_, this);
    participant_ = 0;
    // A close frame means the user left, even when the connection broke
    // before the close handshake finished (a tab closing does that).
    if (ec == websocket::error::closed || ws_.reason().code != websocket::close_code::none) {
      // A close frame: the user left (closed the tab, pressed stop).
      spdlog::info("websocket closed by participant {}", user);
      state_.sessions.end(*p, leave_reason::left);
    } else if (ec == websocket::error::message_too_big) {
      spdlog::info("websocket of participant {} closed: frame over MAX_FRAME_BYTES", user);
      state_.sessions.end(*p, leave_reason::disconnected);
    } else {
      // Dropped without a close frame: the user may come back with `resume`.
      spdlog::info("websocket of participant {} dropped ({}); resumable", user, ec.message());
      state_.sessions.detach(*p);
    }
    return;
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    send_error(error_code::bad_request, "binary frames are not supported; send JSON text");
    return do_read();
  }
  // flat_buffer is contiguous: parse in place, without copying the frame.
  const auto data = buffer_.data();
  handle(std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  if (!closing_) do_read();
}

void websocket_session::handle(std::string_view frame) {
  auto* p = state_.sessions.find(participant_);
  if (p == nullptr) return;  // ended elsewhere; the socket is closing
  auto parsed = parse_client_command(frame, state_.sessions.limits());
  if (const auto* f = std::get_if<failure>(&parsed)) return send_error(f->code, f->message);
  auto& command = std::get<client_command>(parsed);

  auto& sessions = state_.sessions;
  std::optional<failure> refused;
  if (auto* c = std::get_if<signal_command>(&command)) {
    refused = sessions.send_signal(*p, c->data_json);
  } else if (auto* m = std::get_if<message_command>(&command)) {
    refused = sessions.send_message(*p, m->text);
  } else if (auto* t = std::get_if<typing_command>(&command)) {
    refused = sessions.send_typing(*p, t->active);
  } else if (auto* s = std::get_if<start_command>(&command)) {
    sessions.start(*p, s->type, std::move(s->interests));
    spdlog::debug("participant {} started {} chat", p->user_id, to_string(s->type));
    send_waiting_or_nothing(*p);
  } else if (std::holds_alternative<next_command>(command)) {
    refused = sessions.next(*p);
    if (!refused) send_waiting_or_nothing(*p);
  } else if (std::holds_alternative<stop_command>(command)) {
    sessions.stop(*p);
  } else if (auto* r = std::get_if<resume_command>(&command)) {
    resume(r->token, r->since);
  }
  if (refused) send_error(refused->code, refused->message);
}

void websocket_session::send_waiting_or_nothing(const participant& p) {
  // A match was already announced by its `matched` event.
  if (p.status != participant_status::waiting) return;
  send(frame_of(json{{"type", "waiting"}, {"chat_type", to_string(p.type)}}));
}

void websocket_session::resume(const std::string& token, std::optional<std::uint64_t> since) {
  auto& sessions = state_.sessions;
  auto* target = sessions.find_by_token(token);
  if (target == nullptr) return send_error(error_code::unauthorized, "unknown or expired token");
  auto self = shared_from_this();
  if (target->id != participant_) {
    // The identity this socket came with is replaced by the resumed one.
    if (auto* current = sessions.find(participant_)) {
      state_.registry.detach(participant_, this);
      participant_ = 0;
      sessions.end(*current, leave_reason::left);
    }
    if (auto previous = state_.registry.attach(target->id, self); previous && previous != self) {
      previous->replaced();
    }
    participant_ = target->id;
  }
  sessions.attach(*target);
  spdlog::info("participant {} resumed", target->user_id);
  send(frame_of(json{{"type", "resumed"},
                     {"user_id", target->user_id},
                     {"status", to_string(target->status)},
                     {"session_id", session_json(*target)}}));
  for (const auto& e : sessions.events_after(*target, since.value_or(target->delivered_seq))) {
    send(e.json, e.seq);
  }
}

void websocket_session::send_error(error_code code, std::string_view message) {
  send(frame_of(json{{"type", "error"}, {"code", to_string(code)}, {"message", message}}));
}

void websocket_session::send(std::shared_ptr<const std::string> frame, std::uint64_t seq) {
  if (closing_) return;
  if (queued_bytes_ + frame->size() > state_.cfg.ws_send_queue_bytes) {
    // The client does not read fast enough: it would hold ever more memory.
    state_.stats.count_websocket_closed_slow();
    spdlog::warn("websocket send queue over WS_SEND_QUEUE_BYTES; closing it");
    if (participant_ != 0) {
      const auto id = participant_;
      release_participant();
      // Not from here: this runs inside a session manager call.
      net::post(state_.ioc, [&state = state_, id] {
        if (auto* p = state.sessions.find(id)) state.sessions.end(*p, leave_reason::disconnected);
      });
    }
    return close_after_queue(websocket::close_code::policy_error, "send queue overflow");
  }
  queued_bytes_ += frame->size();
  queue_.push_back({std::move(frame), seq});
  if (!writing_) do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(boost::asio::buffer(*queue_.front().frame),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    // The read loop sees the same failure and handles the participant.
    queue_.clear();
    queued_bytes_ = 0;
    return;
  }
  const auto done = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= done.frame->size();
  if (done.seq != 0 && participant_ != 0) {
    if (auto* p = state_.sessions.find(participant_)) state_.sessions.mark_delivered(*p, done.seq);
  }
  if (!queue_.empty()) return do_write();
  if (close_reason_) start_close();
}

void websocket_session::close_after_queue(websocket::close_code code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  close_reason_ = websocket::close_reason(code, reason);
  // Frames not yet started are dropped when the close is not a polite one.
  if (code == websocket::close_code::policy_error && !queue_.empty()) {
    const auto in_flight = writing_ ? 1 : 0;
    while (queue_.size() > static_cast<std::size_t>(in_flight)) {
      queued_bytes_ -= queue_.back().frame->size();
      queue_.pop_back();
    }
  }
  // A peer that never reads would hold the close forever: cut it.
  close_deadline_.expires_after(state_.cfg.send_timeout);
  close_deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).close(ignored);
  });
  if (!writing_) start_close();
}

void websocket_session::start_close() {
  ws_.async_close(*close_reason_,
                  [self = shared_from_this()](beast::error_code) { self->close_deadline_.cancel(); });
}

void websocket_session::release_participant() {
  if (participant_ == 0) return;
  state_.registry.detach(participant_, this);
  participant_ = 0;
}

void websocket_session::replaced() {
  release_participant();
  send_error(error_code::replaced, "this chat was resumed on another connection");
  close_after_queue(websocket::close_code::normal, "replaced");
}

void websocket_session::participant_ended() {
  // Called from within the session manager: only let go and close.
  participant_ = 0;
  close_after_queue(websocket::close_code::normal, "session ended");
}

void websocket_session::shutdown() {
  close_after_queue(websocket::close_code::going_away, "server shutting down");
}

}  // namespace parley
