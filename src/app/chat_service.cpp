#include "parley/app/chat_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <type_traits>

namespace parley {
namespace {

/// `{"type":"error",...}` for a WebSocket client.
encoded_message error_message(const failure& f) { return {server_messages::error(f)}; }

}  // namespace

chat_service::chat_service(chat_limits limits, const time_source& clock, token_source& tokens,
                           turn_source* turn, moderation_limits safety)
    : board_(limits, clock, tokens), turn_(turn), clock_(clock), safety_(safety, clock, tokens) {}

void chat_service::set_abuse_limits(const abuse_limits& limits) {
  abuse_ = limits;
  identities_.emplace(limits.identities, limits.address_table_size);
}

std::optional<failure> chat_service::admit_identity(std::string_view address_key) {
  if (!identities_) return std::nullopt;
  const auto verdict = identities_->take(address_key, clock_.now());
  if (verdict.allowed) return std::nullopt;
  spdlog::debug("new identity refused: RATE_IDENTITIES_PER_MIN reached for an address");
  return failure{error_code::rate_limited, "too many new chats from your address; try again later",
                 std::chrono::ceil<std::chrono::seconds>(verdict.retry_after)};
}

// --- WebSocket channels ------------------------------------------------------

participant_id chat_service::open(participant_channel& channel, std::string address_key) {
  // Every channel starts with a fresh idle participant; `resume` swaps it.
  auto& p = board_.create(std::move(address_key));
  board_.attach(p);
  channels_[p.id] = &channel;
  spdlog::debug("websocket opened for participant {}", p.user_id);
  channel.push({server_messages::hello(p.user_id, p.token, board_.online())}, 0);
  return p.id;
}

participant_id chat_service::handle(participant_id caller, participant_channel& channel,
                                    client_command command) {
  auto* p = board_.find(caller);
  if (p == nullptr) return 0;  // ended elsewhere; the channel is closing
  if (const auto* r = std::get_if<resume_command>(&command.body)) {
    const auto holder = resume(caller, channel, *r);
    flush();
    return holder;
  }
  if (std::holds_alternative<turn_credentials_command>(command.body)) {
    auto grant = turn_credentials(caller, command);
    if (auto* f = std::get_if<failure>(&grant)) {
      channel.push(error_message(*f), 0);
    } else {
      channel.push({server_messages::turn_credentials(p->chat_id, std::get<turn_grant>(grant))}, 0);
    }
    return caller;
  }
  if (auto limited = check_rate(caller, command.body)) {
    // The frame is dropped; the connection stays unless this is sustained.
    channel.push(error_message(*limited), 0);
    if (!count_refusal(caller)) return caller;
    spdlog::warn("participant {} closed (1008): over RATE_ABUSE_LIMIT refused commands",
                 p->user_id);
    channels_.erase(caller);
    channel.release(channel_release::abuse);
    board_.end(*p, leave_reason::disconnected);
    flush();
    return 0;
  }
  auto refused = check_chat(*p, command);
  if (!refused) refused = apply(*p, command.body);
  if (refused) {
    channel.push(error_message(*refused), 0);
  } else if (std::holds_alternative<report_command>(command.body) ||
             std::holds_alternative<block_command>(command.body)) {
    const bool report = std::holds_alternative<report_command>(command.body);
    channel.push({report ? server_messages::reported(p->last_chat_id)
                         : server_messages::blocked(p->last_chat_id)},
                 0);
  } else if (std::holds_alternative<start_command>(command.body) ||
             std::holds_alternative<next_command>(command.body)) {
    // A match is announced by its `matched` event instead.
    if (p->status == participant_status::waiting) {
      channel.push({server_messages::waiting(p->type)}, 0);
    }
  }
  flush();
  enforce_pending(refused && refused->code == error_code::banned ? caller : 0);
  return caller;
}

participant_id chat_service::resume(participant_id caller, participant_channel& channel,
                                    const resume_command& command) {
  auto* target = board_.find_by_token(command.token);
  if (target == nullptr) {
    channel.push(error_message({error_code::unauthorized, "unknown or expired token"}), 0);
    return caller;
  }
  if (target->id != caller) {
    // The identity this channel came with is discarded for the resumed one.
    if (auto* current = board_.find(caller)) {
      channels_.erase(caller);
      board_.end(*current, leave_reason::left);
    }
    if (auto* previous = channel_of(target->id); previous != nullptr && previous != &channel) {
      previous->release(channel_release::replaced);
    }
    channels_[target->id] = &channel;
  }
  board_.attach(*target);
  spdlog::info("participant {} resumed", target->user_id);
  channel.push({server_messages::resumed(*view(target->id))}, 0);
  const auto id = target->id;
  for (const auto& e : board_.events_after(*target, command.since.value_or(target->delivered_seq))) {
    push(id, channel, e);
  }
  return id;
}

void chat_service::written(participant_id who, std::uint64_t seq) {
  if (auto* p = board_.find(who)) board_.mark_delivered(*p, seq);
}

void chat_service::close(participant_id who, participant_channel& channel, channel_end how) {
  const auto it = channels_.find(who);
  if (it == channels_.end() || it->second != &channel) return;  // not (or no longer) its holder
  channels_.erase(it);
  auto* p = board_.find(who);
  if (p == nullptr) return;
  switch (how) {
    case channel_end::closed:
      spdlog::info("websocket closed by participant {}", p->user_id);
      board_.end(*p, leave_reason::left);
      break;
    case channel_end::broke_protocol:
      spdlog::info("websocket of participant {} closed for a protocol violation", p->user_id);
      board_.end(*p, leave_reason::disconnected);
      break;
    case channel_end::dropped:
      spdlog::info("websocket of participant {} dropped; resumable", p->user_id);
      board_.detach(*p);
      break;
  }
  flush();
}

// --- REST callers ------------------------------------------------------------

std::variant<participant_id, failure> chat_service::authenticate(std::string_view token) {
  auto* p = board_.find_by_token(token);
  if (p == nullptr) return failure{error_code::unauthorized, "unknown or expired token"};
  board_.touch(*p);
  return p->id;
}

chat_service::rest_result chat_service::handle(std::optional<participant_id> caller,
                                               client_command command,
                                               std::string_view address_key) {
  auto* p = caller ? board_.find(*caller) : nullptr;
  if (p == nullptr && std::holds_alternative<start_command>(command.body)) {
    if (auto limited = admit_identity(address_key)) return {std::move(limited), 0};
    p = &board_.create(std::string(address_key));
    spdlog::info("participant {} created over REST", p->user_id);
  }
  if (p == nullptr) {
    return {failure{error_code::unauthorized, "call /start first, then send its token"}, 0};
  }
  if (auto limited = check_rate(p->id, command.body)) return {std::move(limited), p->id};
  if (auto refused = check_chat(*p, command)) return {std::move(refused), p->id};
  const bool ends = std::holds_alternative<disconnect_command>(command.body);
  const auto id = ends ? 0 : p->id;
  auto refused = apply(*p, command.body);  // `p` dangles after a disconnect
  flush();
  enforce_pending(0);
  if (id != 0 && board_.find(id) == nullptr) {
    // The caller's own address was banned by what it just did.
    return {failure{error_code::banned, "this address is banned"}, 0};
  }
  return {std::move(refused), id};
}

std::optional<std::string> chat_service::receive_body(participant_id who,
                                                      std::uint64_t since) const {
  const auto* p = board_.find(who);
  if (p == nullptr) return std::nullopt;
  const auto events = board_.events_after(*p, since);
  const auto next = events.empty() ? std::min(since, p->last_seq) : events.back().seq;
  // Credentials only for the matched event of the video chat it is in now.
  std::optional<turn_grant> turn;
  for (const auto& e : events) {
    if ((turn = turn_for(*p, e))) break;
  }
  return server_messages::receive_body(*view(who), events, next, turn ? &*turn : nullptr);
}

bool chat_service::has_events_after(participant_id who, std::uint64_t since) const {
  const auto* p = board_.find(who);
  return p != nullptr && p->mailbox.has_after(since);
}

void chat_service::begin_wait(participant_id who, event_waiter& waiter) {
  if (auto* p = board_.find(who)) board_.begin_poll(*p);
  waiters_.emplace(who, &waiter);
}

void chat_service::end_wait(participant_id who, event_waiter& waiter) {
  auto [first, last] = waiters_.equal_range(who);
  for (auto it = first; it != last; ++it) {
    if (it->second == &waiter) {
      waiters_.erase(it);
      break;
    }
  }
  if (auto* p = board_.find(who)) board_.end_poll(*p);
}

// --- Both ----------------------------------------------------------------------

std::variant<turn_grant, failure> chat_service::turn_credentials(participant_id who,
                                                                 const client_command& command) {
  const auto* p = board_.find(who);
  if (p == nullptr) return failure{error_code::unauthorized, "unknown or expired token"};
  if (auto refused = check_chat(*p, command)) return std::move(*refused);
  if (turn_ == nullptr) return failure{error_code::not_found, "no TURN server is configured"};
  if (p->status != participant_status::matched || p->type != chat_type::video) {
    return failure{error_code::not_matched, "TURN credentials are only for a video chat in progress"};
  }
  auto grant = turn_->issue();
  spdlog::debug("TURN credentials {} issued to participant {}", grant.username, p->user_id);
  return grant;
}

std::optional<participant_view> chat_service::view(participant_id who) const {
  const auto* p = board_.find(who);
  if (p == nullptr) return std::nullopt;
  return participant_view{p->user_id, p->status, p->type, current_chat_id(*p)};
}

std::string_view chat_service::token_of(participant_id who) const {
  const auto* p = board_.find(who);
  return p == nullptr ? std::string_view() : std::string_view(p->token);
}

void chat_service::tick() {
  board_.tick();
  safety_.purge();
  flush();
}

void chat_service::push_online_count() {
  const auto online = board_.online();
  // Only changes are pushed.
  if (online == last_online_pushed_) return;
  last_online_pushed_ = online;
  // One string shared by every channel's queue.
  const auto shared = std::make_shared<const std::string>(server_messages::online(online));
  std::vector<participant_id> too_slow;
  for (const auto& [id, channel] : channels_) {
    if (!channel->push({std::string(), shared, 0}, 0)) too_slow.push_back(id);
  }
  for (const auto id : too_slow) {
    channels_.erase(id);
    if (auto* p = board_.find(id)) board_.end(*p, leave_reason::disconnected);
  }
  flush();
}

// --- Internals -------------------------------------------------------------------

std::optional<failure> chat_service::check_chat(const participant& p,
                                                const client_command& command) {
  if (!command.chat_id) return std::nullopt;
  const bool in_chat = p.status == participant_status::matched ||
                       p.status == participant_status::ended;
  if (in_chat && !p.chat_id.empty() && *command.chat_id == p.chat_id) return std::nullopt;
  return failure{error_code::session_mismatch, "that is not your current chat"};
}

std::optional<failure> chat_service::apply(participant& p, command_body& body) {
  return std::visit(
      [&](auto& c) -> std::optional<failure> {
        using command = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<command, start_command>) {
          board_.start(p, c.type, std::move(c.interests));
          spdlog::debug("participant {} started {} chat", p.user_id, to_string(c.type));
          return std::nullopt;
        } else if constexpr (std::is_same_v<command, message_command>) {
          if (const auto* partner = p.status == participant_status::matched ? board_.find(p.partner)
                                                                           : nullptr) {
            if (const auto* b = safety_.check_message(p.address_key, c.text, partner->user_id)) {
              pending_bans_.push_back(*b);
              return failure{error_code::banned,
                             "the same message to many strangers: your address is banned"};
            }
          }
          return board_.send_message(p, std::move(c.text));
        } else if constexpr (std::is_same_v<command, report_command>) {
          return report_stranger(p, &c);
        } else if constexpr (std::is_same_v<command, block_command>) {
          return report_stranger(p, nullptr);
        } else if constexpr (std::is_same_v<command, typing_command>) {
          return board_.send_typing(p, c.active);
        } else if constexpr (std::is_same_v<command, signal_command>) {
          return board_.send_signal(p, std::move(c.data));
        } else if constexpr (std::is_same_v<command, next_command>) {
          return board_.next(p);
        } else if constexpr (std::is_same_v<command, stop_command>) {
          board_.stop(p);
          return std::nullopt;
        } else if constexpr (std::is_same_v<command, disconnect_command>) {
          spdlog::info("participant {} disconnected", p.user_id);
          board_.end(p, leave_reason::left);
          return std::nullopt;
        } else {
          // receive only reads (the transport asks for the body); resume
          // is handled before, as it changes who the caller is.
          return std::nullopt;
        }
      },
      body);
}

void chat_service::flush() {
  // Dispatching may end participants (a channel too slow), which adds to
  // the switchboard's outbox: loop until it stays empty.
  for (;;) {
    board_.take_outbox(batch_);
    if (batch_.empty()) return;
    for (auto& o : batch_) dispatch(o);
  }
}

void chat_service::dispatch(occurrence& o) {
  if (auto* added = std::get_if<event_added>(&o)) {
    if (auto* channel = channel_of(added->to)) push(added->to, *channel, added->e);
    wake_waiters(added->to);
  } else if (auto* started = std::get_if<chat_started>(&o)) {
    const auto* first = board_.find(started->first);
    const auto* second = board_.find(started->second);
    spdlog::info("matched {} with {} ({} chat, {} common interests)",
                 first ? first->user_id : "?", second ? second->user_id : "?",
                 to_string(started->type), started->common_interests);
  } else if (auto* ended = std::get_if<identity_ended>(&o)) {
    spdlog::info("participant {} gone ({})", ended->user_id, to_string(ended->reason));
    rates_.erase(ended->who);
    if (const auto it = channels_.find(ended->who); it != channels_.end()) {
      auto* channel = it->second;
      channels_.erase(it);
      channel->release(channel_release::ended);
    }
    wake_waiters(ended->who);
  }
}

std::optional<turn_grant> chat_service::turn_for(const participant& p, const event& e) const {
  if (turn_ == nullptr || p.status != participant_status::matched || p.type != chat_type::video) {
    return std::nullopt;
  }
  const auto* m = std::get_if<matched_event>(e.body.get());
  if (m == nullptr || m->type != chat_type::video || m->chat_id != p.chat_id) return std::nullopt;
  auto grant = turn_->issue();
  spdlog::debug("TURN credentials {} issued to participant {}", grant.username, p.user_id);
  return grant;
}

void chat_service::push(participant_id to, participant_channel& channel, const event& e) {
  const auto* receiver = board_.find(to);
  const auto turn = receiver != nullptr ? turn_for(*receiver, e) : std::nullopt;
  if (channel.push(server_messages::event(e, turn ? &*turn : nullptr), e.seq)) return;
  // The channel is closing (its reader is too slow): the partner is told.
  channels_.erase(to);
  if (auto* p = board_.find(to)) board_.end(*p, leave_reason::disconnected);
}

void chat_service::wake_waiters(participant_id who) {
  auto [first, last] = waiters_.equal_range(who);
  for (auto it = first; it != last; ++it) it->second->wake();
}

std::optional<failure> chat_service::check_rate(participant_id who, const command_body& body) {
  const rate* limit = nullptr;
  token_bucket talk_rates::*bucket = nullptr;
  if (std::holds_alternative<message_command>(body)) {
    limit = &abuse_.messages;
    bucket = &talk_rates::messages;
  } else if (std::holds_alternative<typing_command>(body)) {
    limit = &abuse_.typing;
    bucket = &talk_rates::typing;
  } else if (std::holds_alternative<signal_command>(body)) {
    limit = &abuse_.signals;
    bucket = &talk_rates::signals;
  }
  if (limit == nullptr || !limit->enabled()) return std::nullopt;
  auto& rates = rates_[who];
  const auto now = clock_.now();
  if ((rates.*bucket).take(*limit, now)) return std::nullopt;
  return failure{error_code::rate_limited, "too fast; slow down",
                 std::chrono::ceil<std::chrono::seconds>((rates.*bucket).wait(*limit, now))};
}

bool chat_service::count_refusal(participant_id who) {
  if (abuse_.abuse_limit == 0) return false;
  auto& rates = rates_[who];
  const auto now = clock_.now();
  if (rates.refused == 0 || now - rates.window_start > abuse_.abuse_window) {
    rates.window_start = now;
    rates.refused = 0;
  }
  return ++rates.refused >= abuse_.abuse_limit;
}

// --- Safety ----------------------------------------------------------------------

std::optional<failure> chat_service::report_stranger(participant& p, const report_command* c) {
  auto blocked = board_.block(p);
  if (auto* f = std::get_if<failure>(&blocked)) return std::move(*f);
  auto& s = std::get<switchboard::stranger>(blocked);
  if (c == nullptr) {
    safety_.record_block();
    spdlog::info("participant {} blocked {}", p.user_id, s.user_id);
    return std::nullopt;
  }
  report r;
  r.reason = c->reason;
  r.comment = c->comment;
  r.reporter_user_id = p.user_id;
  r.reporter_key = p.address_key.empty() ? p.user_id : p.address_key;
  r.reported_user_id = std::move(s.user_id);
  r.reported_address_key = std::move(s.address_key);
  r.chat_id = std::move(s.chat_id);
  if (const auto* b = safety_.record_report(std::move(r))) pending_bans_.push_back(*b);
  return std::nullopt;
}

void chat_service::enforce_pending(participant_id told) {
  while (!pending_bans_.empty()) {
    const auto b = std::move(pending_bans_.back());
    pending_bans_.pop_back();
    enforce(b, told);
  }
}

void chat_service::enforce(const ban& b, participant_id told) {
  auto ids = board_.find_by_address(b.address_key);
  const auto notice = error_message(
      {error_code::banned, "this address is banned; retry in " +
                               std::to_string(safety_.remaining(b.address_key).value_or(
                                                  std::chrono::seconds(0)).count()) +
                               " s"});
  for (const auto id : ids) {
    auto* p = board_.find(id);
    if (p == nullptr) continue;
    spdlog::info("participant {} ended by ban {}", p->user_id, b.id);
    if (auto* channel = channel_of(id); channel != nullptr && id != told) channel->push(notice, 0);
    // The stranger sees an ordinary departure.
    board_.end(*p, leave_reason::left);
  }
  flush();
}

std::variant<ban, failure> chat_service::ban_user(std::string_view user_id, std::string reason,
                                                  std::chrono::seconds duration) {
  const auto* p = board_.find_by_user_id(user_id);
  if (p == nullptr) return failure{error_code::not_found, "no participant with that user_id is online"};
  if (p->address_key.empty()) {
    return failure{error_code::not_found, "the address of that participant is unknown"};
  }
  auto b = safety_.ban_address(p->address_key, p->user_id, std::move(reason), duration);
  enforce(b);
  return b;
}

ban chat_service::ban_address(std::string address_key, std::string reason,
                              std::chrono::seconds duration) {
  auto b = safety_.ban_address(std::move(address_key), {}, std::move(reason), duration);
  enforce(b);
  return b;
}

participant_channel* chat_service::channel_of(participant_id who) const {
  const auto it = channels_.find(who);
  return it == channels_.end() ? nullptr : it->second;
}

}  // namespace parley
