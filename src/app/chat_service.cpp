#include "parley/app/chat_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <type_traits>

namespace parley {
namespace {

/// `{"type":"error",...}` for a WebSocket client.
encoded_message error_message(const failure& f) { return {server_messages::error(f)}; }

// Sizes of the random identifiers, in bytes. The token is the secret: 160
// bits from the CSPRNG. The user id only needs to be unique.
constexpr std::size_t token_bytes = 20;
constexpr std::size_t user_id_bytes = 8;

/// An instance whose ticks stopped for this long is taken for dead (its
/// sockets count as dropped: their users have RESUME_GRACE_S to come back).
constexpr auto instance_lease = std::chrono::seconds(5);

}  // namespace

chat_service::chat_service(chat_limits limits, const time_source& clock, token_source& tokens,
                           turn_source* turn, std::string hash_secret, token_source* chat_ids,
                           moderation_limits safety)
    : token_keys_(hash_secret.empty() ? keyed_hash::random_secret() : std::move(hash_secret)),
      tokens_(tokens),
      board_(limits, clock, chat_ids != nullptr ? *chat_ids : tokens),
      turn_(turn),
      clock_(clock),
      // Ban ids must be the same on every instance of a cluster.
      safety_(safety, clock, chat_ids != nullptr ? *chat_ids : tokens) {}

void chat_service::set_abuse_limits(const abuse_limits& limits) {
  abuse_ = limits;
  identities_.emplace(limits.identities, limits.address_table_size);
  resume_failures_.emplace(limits.resume_failures, limits.address_table_size);
}

std::optional<failure> chat_service::admit_identity(std::string_view address_key) {
  if (!identities_) return std::nullopt;
  const auto verdict = identities_->take(address_key, clock_.now());
  if (verdict.allowed) return std::nullopt;
  spdlog::debug("new identity refused: RATE_IDENTITIES_PER_MIN reached for an address");
  return failure{error_code::rate_limited, "too many new chats from your address; try again later",
                 std::chrono::ceil<std::chrono::seconds>(verdict.retry_after)};
}


void chat_service::use_sequencer(command_sequencer& sequencer, std::uint32_t id_tag) {
  sequencer_ = &sequencer;
  id_tag_ = static_cast<std::uint64_t>(id_tag) << 40;
}

participant_identity chat_service::new_identity(std::string address_key, std::string& token) {
  token = tokens_.make(token_bytes);
  // In a cluster each instance numbers its own: the tag keeps them apart.
  return {id_tag_ | ++last_id_, tokens_.make(user_id_bytes), token_keys_(token),
          std::move(address_key)};
}

// --- The one order -------------------------------------------------------------

void chat_service::submit(entry_body body, completion done) {
  if (sequencer_ == nullptr) return apply_body({}, body, std::move(done));
  log_entry entry{sequencer_->instance(), ++last_request_, std::move(body)};
  if (done) waiting_.emplace(entry.request, std::move(done));
  const auto* created = std::get_if<create_entry>(&entry.body);
  const bool hello = created != nullptr && created->websocket;
  sequencer_->submit(entry, [this, request = entry.request, hello, caller = [&] {
    if (const auto* c = std::get_if<command_entry>(&entry.body)) return c->caller;
    if (const auto* r = std::get_if<resume_entry>(&entry.body)) return r->caller;
    if (created != nullptr) return created->identity.id;
    return participant_id{0};
  }()] {
    const failure down{error_code::unavailable, "the service is unavailable, try again shortly"};
    if (const auto it = waiting_.find(request); it != waiting_.end()) {
      auto answer = std::move(it->second);
      waiting_.erase(it);
      answer({down, 0, {}});
    } else if (auto* channel = channel_of(caller)) {
      channel->push(error_message(down), 0);
      if (hello) {
        // No identity to hold: the client should come back later.
        new_tokens_.erase(caller);
        channels_.erase(caller);
        channel->release(channel_release::unavailable);
      }
    }
  });
}

void chat_service::apply_entry(const log_entry& entry) {
  completion done;
  if (sequencer_ != nullptr && entry.origin == sequencer_->instance()) {
    if (const auto it = waiting_.find(entry.request); it != waiting_.end()) {
      done = std::move(it->second);
      waiting_.erase(it);
    }
  }
  // The log went silent for longer than a lease (Redis was unreachable):
  // nobody could tick, so nobody is taken for dead for it.
  const auto now = board_.now();
  if (now - last_entry_at_ > instance_lease) {
    for (auto& [name, last_tick] : instances_) last_tick = now;
  }
  last_entry_at_ = now;
  auto body = entry.body;
  apply_body(entry.origin, body, std::move(done));
}

service_state chat_service::save_state() const {
  service_state out;
  out.unix_ms = clock_.unix_ms();
  out.board = board_.save();
  out.safety = safety_.save();
  out.holders.assign(holders_.begin(), holders_.end());
  out.instances.assign(instances_.begin(), instances_.end());
  return out;
}

void chat_service::restore_state(const service_state& state) {
  board_.restore(state.board);
  safety_.restore(state.safety);
  holders_ = {state.holders.begin(), state.holders.end()};
  instances_ = {state.instances.begin(), state.instances.end()};
  release_held();
  spdlog::info("loaded a snapshot: {} participants, {} chats, {} bans", board_.online(),
               board_.chats(), safety_.bans().size());
}

void chat_service::release_held() {
  const auto* me = sequencer_ != nullptr ? &sequencer_->instance() : nullptr;
  const std::vector<std::pair<participant_id, participant_channel*>> held(channels_.begin(),
                                                                         channels_.end());
  channels_.clear();
  for (const auto& [id, channel] : held) {
    const auto holder = holders_.find(id);
    if (board_.find(id) == nullptr) {
      channel->release(channel_release::ended);
    } else if (me == nullptr || holder == holders_.end() || holder->second != *me) {
      channel->release(channel_release::replaced);  // resumed elsewhere meanwhile
    } else {
      // Which of its events the socket wrote is not known here: the client
      // resumes with its `since` and gets each missed one once.
      channel->release(channel_release::resync);
      submit(close_entry{id, channel_end::dropped});
    }
  }
  for (auto& [request, answer] : std::exchange(waiting_, {})) {
    answer({failure{error_code::unavailable, "the service reloaded its state; try again"}, 0, {}});
  }
  new_tokens_.clear();
  delivered_.clear();
  touched_.clear();
  for (auto& [who, waiter] : waiters_) waiter->wake();
}

void chat_service::apply_body(const std::string& origin, entry_body& body, completion done) {
  std::visit(
      [&](auto& e) {
        using kind = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<kind, create_entry>) {
          if (e.websocket && sequencer_ != nullptr) holders_[e.identity.id] = origin;
          apply_create(e, std::move(done));
        } else if constexpr (std::is_same_v<kind, command_entry>) {
          apply_command(e, std::move(done));
        } else if constexpr (std::is_same_v<kind, resume_entry>) {
          if (sequencer_ != nullptr && board_.find(e.target) != nullptr) holders_[e.target] = origin;
          apply_resume(e);
        } else if constexpr (std::is_same_v<kind, close_entry>) {
          apply_close(e);
        } else if constexpr (std::is_same_v<kind, ban_entry>) {
          apply_ban(e, std::move(done));
        } else if constexpr (std::is_same_v<kind, lift_entry>) {
          apply_lift(e, std::move(done));
        } else if constexpr (std::is_same_v<kind, snapshot_entry>) {
          if (sequencer_ != nullptr && origin != sequencer_->instance()) {
            sequencer_->share_state(e.key, save_state());
          }
        } else {
          apply_tick(origin, e);
        }
      },
      body);
  flush();
}

void chat_service::apply_create(create_entry& e, completion done) {
  const auto id = e.identity.id;
  auto* p = board_.create(std::move(e.identity));
  std::string token;
  if (const auto it = new_tokens_.find(id); it != new_tokens_.end()) {
    token = std::move(it->second);
    new_tokens_.erase(it);
  }
  if (p == nullptr) {  // an id or token key taken: a 2^-64 event, refused all the same
    holders_.erase(id);
    if (auto* channel = channel_of(id)) {
      channels_.erase(id);
      channel->release(channel_release::ended);
    }
    if (done) done({failure{error_code::unavailable, "try again"}, 0, {}});
    return;
  }
  if (!e.websocket) {
    spdlog::info("participant {} created over REST", p->user_id);
    if (done) done({std::nullopt, id, std::move(token)});
    return;
  }
  board_.attach(*p);
  if (auto* channel = channel_of(id)) {
    spdlog::debug("websocket opened for participant {}", p->user_id);
    channel->push({server_messages::hello(p->user_id, token, board_.online())}, 0);
  }
}

// --- WebSocket channels ------------------------------------------------------

participant_id chat_service::open(participant_channel& channel, std::string address_key) {
  // Every channel starts with a fresh idle participant; `resume` swaps it.
  std::string token;
  auto identity = new_identity(std::move(address_key), token);
  const auto id = identity.id;
  channels_[id] = &channel;
  new_tokens_[id] = std::move(token);
  submit(create_entry{std::move(identity), true});
  return id;
}

participant_id chat_service::handle(participant_id caller, participant_channel& channel,
                                    client_command command) {
  if (const auto* r = std::get_if<resume_command>(&command.body)) {
    // Failed resumes are limited per address (RATE_RESUME_FAILURES_*): over
    // the limit the token is not even looked up, so guessing gains nothing.
    const auto* self = board_.find(caller);
    const auto key = self != nullptr && !self->address_key.empty() ? self->address_key
                                                                  : "#" + std::to_string(caller);
    if (resume_failures_) {
      if (const auto verdict = resume_failures_->peek(key, clock_.now()); !verdict.allowed) {
        spdlog::debug("resume refused: RATE_RESUME_FAILURES_PER_MIN reached for an address");
        return refuse(caller, channel,
                      failure{error_code::rate_limited, "too many failed resumes; try again later",
                              std::chrono::ceil<std::chrono::seconds>(verdict.retry_after)});
      }
    }
    auto* target = board_.find_by_token_key(token_keys_(r->token));
    if (target == nullptr) {
      if (resume_failures_) resume_failures_->take(key, clock_.now());
      channel.push(error_message({error_code::unauthorized, "unknown or expired token"}), 0);
      return caller;
    }
    // Without `since`: what no socket of it has written yet, as far as this
    // instance knows (its own sockets' writes not yet ordered included).
    auto since = r->since.value_or(target->delivered_seq);
    if (!r->since) {
      if (const auto it = delivered_.find(target->id); it != delivered_.end()) {
        since = std::max(since, it->second);
      }
    }
    const auto id = target->id;
    submit(resume_entry{caller, id, since});
    return id;
  }
  if (std::holds_alternative<turn_credentials_command>(command.body)) {
    auto grant = turn_credentials(caller, command);
    if (auto* f = std::get_if<failure>(&grant)) {
      channel.push(error_message(*f), 0);
    } else {
      channel.push({server_messages::turn_credentials(board_.find(caller)->chat_id,
                                                      std::get<turn_grant>(grant))},
                   0);
    }
    return caller;
  }
  if (auto limited = check_rate(caller, command.body)) return refuse(caller, channel, *limited);
  submit(command_entry{caller, std::move(command)});
  return caller;
}

participant_id chat_service::refuse(participant_id caller, participant_channel& channel,
                                    const failure& limited) {
  // The frame is dropped; the connection stays unless this is sustained.
  channel.push(error_message(limited), 0);
  if (!count_refusal(caller)) return caller;
  spdlog::warn("a participant's WebSocket closed (1008): over RATE_ABUSE_LIMIT refused commands");
  channels_.erase(caller);
  channel.release(channel_release::abuse);
  submit(close_entry{caller, channel_end::broke_protocol});
  return 0;
}

void chat_service::apply_command(command_entry& e, completion done) {
  auto* p = board_.find(e.caller);
  auto* channel = channel_of(e.caller);
  if (p == nullptr) {
    // Over a WebSocket: ended elsewhere, the channel is closing.
    if (done) done({failure{error_code::unauthorized, "unknown or expired token"}, 0, {}});
    return;
  }
  auto refused = check_chat(*p, e.command);
  const bool ends = std::holds_alternative<disconnect_command>(e.command.body);
  const auto id = p->id;
  if (!refused) refused = apply(*p, e.command.body);  // `p` dangles after a disconnect
  if (!ends && channel != nullptr) {
    if (refused) {
      channel->push(error_message(*refused), 0);
    } else if (std::holds_alternative<report_command>(e.command.body) ||
               std::holds_alternative<block_command>(e.command.body)) {
      const bool report = std::holds_alternative<report_command>(e.command.body);
      const std::string_view chat = p->last ? std::string_view(p->last->chat_id) : std::string_view();
      channel->push({report ? server_messages::reported(chat)
                            : server_messages::blocked(chat)},
                    0);
    } else if ((std::holds_alternative<start_command>(e.command.body) ||
                std::holds_alternative<next_command>(e.command.body)) &&
               p->status == participant_status::waiting) {
      // A match is announced by its `matched` event instead.
      channel->push({server_messages::waiting(p->type)}, 0);
    }
  }
  flush();
  enforce_pending(refused && refused->code == error_code::banned ? id : 0);
  if (!ends && board_.find(id) == nullptr) {
    // The caller's own address was banned by what it just did.
    if (done) done({failure{error_code::banned, "this address is banned"}, 0, {}});
    return;
  }
  if (done) done({std::move(refused), ends && !refused ? 0 : id, {}});
}

void chat_service::apply_resume(const resume_entry& e) {
  auto* target = board_.find(e.target);
  auto* channel = channel_of(e.caller);
  if (target == nullptr) {
    if (channel != nullptr) {
      channel->push(error_message({error_code::unauthorized, "unknown or expired token"}), 0);
    }
    return;
  }
  if (e.target != e.caller) {
    // The identity the channel came with is discarded for the resumed one.
    if (auto* current = board_.find(e.caller)) {
      if (channel != nullptr) channels_.erase(e.caller);
      holders_.erase(e.caller);
      board_.end(*current, leave_reason::left);
    }
    if (auto* previous = channel_of(e.target); previous != nullptr && previous != channel) {
      channels_.erase(e.target);
      previous->release(channel_release::replaced);
    }
    if (channel != nullptr) channels_[e.target] = channel;
  }
  board_.attach(*target);
  if (channel == nullptr) return;  // another instance's socket
  spdlog::info("participant {} resumed", target->user_id);
  channel->push({server_messages::resumed(*view(e.target))}, 0);
  for (const auto& ev : board_.events_after(*target, e.since)) push(e.target, *channel, ev);
}

void chat_service::written(participant_id who, std::uint64_t seq) {
  if (sequencer_ != nullptr) {
    auto& known = delivered_[who];
    known = std::max(known, seq);
    return;
  }
  if (auto* p = board_.find(who)) board_.mark_delivered(*p, seq);
}

void chat_service::close(participant_id who, participant_channel& channel, channel_end how) {
  const auto it = channels_.find(who);
  if (it == channels_.end() || it->second != &channel) return;  // not (or no longer) its holder
  channels_.erase(it);
  submit(close_entry{who, how});
}

void chat_service::apply_close(const close_entry& e) {
  auto* p = board_.find(e.who);
  if (p == nullptr) return;
  switch (e.how) {
    case channel_end::closed:
      spdlog::info("websocket closed by participant {}", p->user_id);
      holders_.erase(e.who);
      board_.end(*p, leave_reason::left);
      break;
    case channel_end::broke_protocol:
      spdlog::info("websocket of participant {} closed for a protocol violation", p->user_id);
      holders_.erase(e.who);
      board_.end(*p, leave_reason::disconnected);
      break;
    case channel_end::dropped:
      spdlog::info("websocket of participant {} dropped; resumable", p->user_id);
      holders_.erase(e.who);
      board_.detach(*p);
      break;
  }
}

// --- REST callers ------------------------------------------------------------

std::variant<participant_id, failure> chat_service::authenticate(std::string_view token) {
  auto* p = board_.find_by_token_key(token_keys_(token));
  if (p == nullptr) return failure{error_code::unauthorized, "unknown or expired token"};
  if (sequencer_ != nullptr) {
    touched_.push_back(p->id);
  } else {
    board_.touch(*p);
  }
  return p->id;
}

void chat_service::handle(std::optional<participant_id> caller, client_command command,
                          std::string_view address_key, std::function<void(rest_result)> done) {
  if (std::holds_alternative<receive_command>(command.body)) {
    // A read: answered from this instance's copy, nothing to order.
    const auto refused = caller ? check(*caller, command)
                                : failure{error_code::unauthorized, "call /start first"};
    return done({refused, refused ? 0 : *caller, {}});
  }
  if (!caller) {
    if (!std::holds_alternative<start_command>(command.body)) {
      return done({failure{error_code::unauthorized, "call /start first, then send its token"}, 0,
                   {}});
    }
    if (auto limited = admit_identity(address_key)) return done({std::move(limited), 0, {}});
    std::string token;
    auto identity = new_identity(std::string(address_key), token);
    const auto id = identity.id;
    new_tokens_[id] = token;
    // The answer needs the token, which only this instance knows.
    submit(create_entry{std::move(identity), false},
           [this, id, token, command = std::move(command), done](rest_result created) mutable {
             if (created.refused) return done(std::move(created));
             submit(command_entry{id, std::move(command)},
                    [token = std::move(token), done](rest_result r) {
                      if (!r.refused) r.token = token;
                      done(std::move(r));
                    });
           });
    return;
  }
  if (auto limited = check_rate(*caller, command.body)) return done({std::move(limited), *caller, {}});
  submit(command_entry{*caller, std::move(command)}, std::move(done));
}

chat_service::rest_result chat_service::handle(std::optional<participant_id> caller,
                                               client_command command,
                                               std::string_view address_key) {
  std::optional<rest_result> result;
  handle(caller, std::move(command), address_key, [&result](rest_result r) { result = std::move(r); });
  if (!result) return {failure{error_code::unavailable, "answered later (cluster mode)"}, 0, {}};
  return std::move(*result);
}

std::optional<failure> chat_service::check(participant_id who, const client_command& command) const {
  const auto* p = board_.find(who);
  if (p == nullptr) return failure{error_code::unauthorized, "unknown or expired token"};
  return check_chat(*p, command);
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
  if (sequencer_ != nullptr) {
    ++polls_[who];  // touched with every tick while it waits
  } else if (auto* p = board_.find(who)) {
    board_.begin_poll(*p);
  }
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
  if (sequencer_ != nullptr) {
    if (auto it = polls_.find(who); it != polls_.end() && --it->second == 0) polls_.erase(it);
    touched_.push_back(who);
    return;
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

void chat_service::tick() {
  tick_entry news;
  if (sequencer_ != nullptr) {
    news.delivered.assign(delivered_.begin(), delivered_.end());
    delivered_.clear();
    news.touched = std::move(touched_);
    touched_.clear();
    for (const auto& [who, count] : polls_) news.touched.push_back(who);
  }
  submit(std::move(news));
}

void chat_service::apply_tick(const std::string& origin, const tick_entry& e) {
  for (const auto& [who, seq] : e.delivered) {
    if (auto* p = board_.find(who)) board_.mark_delivered(*p, seq);
  }
  for (const auto who : e.touched) {
    if (auto* p = board_.find(who)) board_.touch(*p);
  }
  if (sequencer_ != nullptr) {
    // An instance that stopped ticking is dead: the sockets it held dropped.
    const auto now = board_.now();
    if (!instances_.contains(origin)) {
      // New, or back after being taken for dead (a stall longer than the
      // lease): the sockets it still holds are attached again.
      for (const auto& [who, holder] : holders_) {
        auto* p = holder == origin ? board_.find(who) : nullptr;
        if (p != nullptr && !p->attached) board_.attach(*p);
      }
    }
    instances_[origin] = now;
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (now - it->second < instance_lease) {
        ++it;
        continue;
      }
      spdlog::warn("instance {} stopped ticking; its sockets count as dropped", it->first);
      for (const auto& [who, holder] : holders_) {
        auto* p = holder == it->first ? board_.find(who) : nullptr;
        if (p != nullptr && p->attached) board_.detach(*p);
      }
      it = instances_.erase(it);
    }
  }
  board_.tick();
  safety_.purge();
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
  for (const auto id : too_slow) end_overflowing(id);
  flush();
}

void chat_service::end_overflowing(participant_id who) {
  channels_.erase(who);
  // One process ends it now; a cluster orders it like any other change.
  if (sequencer_ != nullptr) return submit(close_entry{who, channel_end::broke_protocol});
  if (auto* p = board_.find(who)) board_.end(*p, leave_reason::disconnected);
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
    holders_.erase(ended->who);
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
  end_overflowing(to);
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

void chat_service::impose_ban(ban_entry ask, std::function<void(std::variant<ban, failure>)> done) {
  submit(std::move(ask), [this, done = std::move(done)](rest_result r) {
    if (r.refused) return done(std::move(*r.refused));
    done(std::move(*imposed_));
  });
}

void chat_service::lift_ban(std::string id, std::function<void(bool)> done) {
  submit(lift_entry{std::move(id)}, [done = std::move(done)](rest_result r) { done(!r.refused); });
}

void chat_service::apply_ban(const ban_entry& e, completion done) {
  std::string address_key = e.address_key;
  std::string user_id;
  if (address_key.empty()) {
    const auto* p = board_.find_by_user_id(e.user_id);
    if (p == nullptr || p->address_key.empty()) {
      if (done) {
        done({failure{error_code::not_found,
                      p == nullptr ? "no participant with that user_id is online"
                                   : "the address of that participant is unknown"},
              0, {}});
      }
      return;
    }
    address_key = p->address_key;
    user_id = p->user_id;
  }
  auto b = safety_.ban_address(std::move(address_key), std::move(user_id), e.reason,
                               std::chrono::seconds(e.duration_s));
  enforce(b);
  imposed_ = std::move(b);
  if (done) done({std::nullopt, 0, {}});
}

void chat_service::apply_lift(const lift_entry& e, completion done) {
  const bool lifted = safety_.lift(e.id);
  if (lifted) spdlog::info("ban {} lifted", e.id);
  if (done) done({lifted ? std::nullopt : std::optional<failure>(failure{error_code::not_found, "no such ban"}), 0, {}});
}

std::variant<ban, failure> chat_service::ban_user(std::string_view user_id, std::string reason,
                                                  std::chrono::seconds duration) {
  std::variant<ban, failure> out = failure{error_code::unavailable, "not applied"};
  impose_ban(ban_entry{{}, std::string(user_id), std::move(reason), duration.count()},
      [&out](std::variant<ban, failure> r) { out = std::move(r); });
  return out;
}

ban chat_service::ban_address(std::string address_key, std::string reason,
                              std::chrono::seconds duration) {
  ban out;
  impose_ban(ban_entry{std::move(address_key), {}, std::move(reason), duration.count()},
      [&out](std::variant<ban, failure> r) {
        if (auto* b = std::get_if<ban>(&r)) out = std::move(*b);
      });
  return out;
}

bool chat_service::lift_ban(std::string_view id) {
  bool out = false;
  lift_ban(std::string(id), [&out](bool lifted) { out = lifted; });
  return out;
}

participant_channel* chat_service::channel_of(participant_id who) const {
  const auto it = channels_.find(who);
  return it == channels_.end() ? nullptr : it->second;
}

}  // namespace parley
