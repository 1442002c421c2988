#include "parley/core/switchboard.hpp"

#include <algorithm>
#include <utility>

#include "parley/core/interests.hpp"

namespace parley {
namespace {

// Sizes of the random identifiers, in bytes. The token is the secret: 160
// bits from the CSPRNG. The public ids only need to be unique.
constexpr std::size_t token_bytes = 20;
constexpr std::size_t user_id_bytes = 8;
constexpr std::size_t chat_id_bytes = 12;

}  // namespace

std::string_view to_string(participant_status status) noexcept {
  switch (status) {
    case participant_status::idle: return "idle";
    case participant_status::waiting: return "waiting";
    case participant_status::matched: return "matched";
    case participant_status::ended: return "ended";
  }
  return "idle";
}

std::string_view current_chat_id(const participant& p) noexcept {
  return p.status == participant_status::matched ? std::string_view(p.chat_id)
                                                 : std::string_view();
}

switchboard::switchboard(chat_limits limits, const time_source& clock, token_source& tokens)
    : limits_(limits), clock_(clock), tokens_(tokens), exclusions_(limits.max_excluded_pairs) {}

participant* switchboard::create(participant_identity identity) {
  if (identity.id == 0) identity.id = next_id_++;
  if (participants_.contains(identity.id) || by_token_.contains(identity.token_key)) return nullptr;
  auto p = std::make_unique<participant>();
  p->id = identity.id;
  p->user_id = std::move(identity.user_id);
  p->token_key = std::move(identity.token_key);
  p->address_key = std::move(identity.address_key);
  p->last_seen = clock_.now();
  auto& ref = *p;
  by_token_.emplace(ref.token_key, ref.id);
  participants_.emplace(ref.id, std::move(p));
  return &ref;
}

participant& switchboard::create(std::string address_key) {
  participant* p = nullptr;
  // A collision of 160 random bits will not happen; the loop only makes the
  // uniqueness of the index an invariant rather than a probability.
  while (p == nullptr) {
    p = create({0, tokens_.make(user_id_bytes), tokens_.make(token_bytes), address_key});
  }
  return *p;
}

participant* switchboard::find(participant_id id) {
  const auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : it->second.get();
}

const participant* switchboard::find(participant_id id) const {
  const auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : it->second.get();
}

participant* switchboard::find_by_token_key(std::string_view token_key) {
  const auto it = by_token_.find(token_key);
  return it == by_token_.end() ? nullptr : find(it->second);
}

const participant* switchboard::find_by_token_key(std::string_view token_key) const {
  const auto it = by_token_.find(token_key);
  return it == by_token_.end() ? nullptr : find(it->second);
}

void switchboard::start(participant& p, chat_type type, std::vector<std::string> interests) {
  if (p.status == participant_status::matched) leave_chat(p, leave_reason::left);
  dequeue(p);
  p.type = type;
  // The matcher intersects sorted, unique lists: never trust the caller with that.
  p.interests = normalize_interests(interests);
  p.has_started = true;
  enqueue(p);
  try_match(p);
}

std::optional<failure> switchboard::next(participant& p) {
  if (!p.has_started) return failure{error_code::not_started, "start a chat before next"};
  if (p.status == participant_status::matched) leave_chat(p, leave_reason::next);
  dequeue(p);
  enqueue(p);
  try_match(p);
  return std::nullopt;
}

void switchboard::stop(participant& p) {
  if (p.status == participant_status::matched) leave_chat(p, leave_reason::left);
  dequeue(p);
  p.status = participant_status::idle;
}

void switchboard::end(participant& p, leave_reason reason) {
  if (p.status == participant_status::matched) leave_chat(p, reason);
  dequeue(p);
  outbox_.emplace_back(identity_ended{p.id, p.user_id, reason});
  by_token_.erase(p.token_key);
  participants_.erase(p.id);
}

std::optional<failure> switchboard::relay(participant& p, event_body body) {
  auto* partner = p.status == participant_status::matched ? find(p.partner) : nullptr;
  if (partner == nullptr) return failure{error_code::not_matched, "you are not in a chat"};
  push(*partner, std::move(body));
  return std::nullopt;
}

std::optional<failure> switchboard::send_message(participant& p, std::string text) {
  auto refused = relay(p, message_event{std::move(text), clock_.unix_ms()});
  if (!refused) ++messages_relayed_;
  return refused;
}

std::optional<failure> switchboard::send_typing(participant& p, bool active) {
  return relay(p, typing_event{active});
}

std::optional<failure> switchboard::send_signal(participant& p, std::string data) {
  auto refused = relay(p, signal_event{std::move(data)});
  if (!refused) ++signals_relayed_;
  return refused;
}

std::vector<event> switchboard::events_after(const participant& p,
                                                 std::uint64_t since) const {
  return p.mailbox.after(since);
}

void switchboard::mark_delivered(participant& p, std::uint64_t seq) {
  p.delivered_seq = std::max(p.delivered_seq, seq);
}

void switchboard::touch(participant& p) { p.last_seen = clock_.now(); }

void switchboard::begin_poll(participant& p) {
  ++p.pending_polls;
  touch(p);
}

void switchboard::end_poll(participant& p) {
  if (p.pending_polls > 0) --p.pending_polls;
  touch(p);
}

void switchboard::attach(participant& p) {
  p.attached = true;
  p.resume_deadline.reset();
}

void switchboard::detach(participant& p) {
  p.attached = false;
  p.resume_deadline = clock_.now() + limits_.resume_grace;
}

std::variant<switchboard::stranger, failure> switchboard::block(participant& p) {
  if (p.status == participant_status::matched) {
    leave_chat(p, leave_reason::left);
  } else if (!p.last || p.last->partner_user_id.empty() ||
             clock_.now() - p.last->ended >= limits_.report_grace) {
    return failure{error_code::not_matched, "there is no stranger to report or block"};
  }
  // User ids and address keys have different lengths: one table holds both.
  const auto until = clock_.now() + limits_.block_exclusion;
  const auto& last = *p.last;
  exclusions_.add(p.user_id, last.partner_user_id, until);
  if (!p.address_key.empty() && !last.partner_address_key.empty()) {
    exclusions_.add(p.address_key, last.partner_address_key, until);
  }
  return stranger{last.partner_user_id, last.partner_address_key, last.chat_id};
}

bool switchboard::kept_apart(const participant& a, const participant& b) const {
  if (exclusions_.size() == 0) return false;
  const auto now = clock_.now();
  return exclusions_.excluded(a.user_id, b.user_id, now) ||
         (!a.address_key.empty() && !b.address_key.empty() &&
          exclusions_.excluded(a.address_key, b.address_key, now));
}

std::vector<participant_id> switchboard::find_by_address(std::string_view address_key) const {
  std::vector<participant_id> out;
  if (address_key.empty()) return out;
  for (const auto& [id, p] : participants_) {
    if (p->address_key == address_key) out.push_back(id);
  }
  return out;
}

participant* switchboard::find_by_user_id(std::string_view user_id) {
  for (const auto& [id, p] : participants_) {
    if (p->user_id == user_id) return p.get();
  }
  return nullptr;
}

void switchboard::tick() {
  const auto now = clock_.now();
  exclusions_.purge(now);

  // Interest waits that ran out: such users now take anyone (Omegle's rule).
  std::vector<participant_id> expired_waits;
  for (const auto& q : queues_) {
    for (const auto id : q) {
      const auto& p = *participants_.at(id);
      if (!p.interest_wait_over && now - p.queued_at >= limits_.interest_fallback) {
        expired_waits.push_back(id);
      }
    }
  }
  for (const auto id : expired_waits) {
    auto* p = find(id);
    if (p == nullptr || p->status != participant_status::waiting) continue;
    p->interest_wait_over = true;
    try_match(*p);
  }

  // Participants that are gone: a dropped socket not resumed in time, or a
  // REST user that stopped calling.
  std::vector<std::pair<participant_id, leave_reason>> gone;
  for (const auto& [id, p] : participants_) {
    if (p->resume_deadline) {
      if (now >= *p->resume_deadline) gone.emplace_back(id, leave_reason::disconnected);
    } else if (!p->attached && p->pending_polls == 0 &&
               now - p->last_seen >= limits_.rest_idle_timeout) {
      gone.emplace_back(id, leave_reason::timeout);
    }
  }
  for (const auto& [id, reason] : gone) {
    if (auto* p = find(id)) end(*p, reason);
  }
}

void switchboard::enqueue(participant& p) {
  // A new wait forgets the chat that ended before it.
  p.chat_id.clear();
  auto& q = queue(p.type);
  p.queue_position = q.insert(q.end(), p.id);
  p.queued_at = clock_.now();
  p.interest_wait_over = p.interests.empty();
  p.status = participant_status::waiting;
}

void switchboard::dequeue(participant& p) {
  if (p.status != participant_status::waiting) return;
  queue(p.type).erase(p.queue_position);
  p.queue_position = {};
  p.status = participant_status::idle;
}

bool switchboard::wait_over(const participant& p) const {
  return p.interests.empty() || p.interest_wait_over ||
         clock_.now() - p.queued_at >= limits_.interest_fallback;
}

bool switchboard::try_match(participant& p) {
  // The queue is in arrival order, so the first compatible user found is the
  // one who has waited longest.
  for (const auto id : queue(p.type)) {
    if (id == p.id) continue;
    auto& other = *participants_.at(id);
    if (kept_apart(p, other)) continue;
    auto common = common_interests(p.interests, other.interests);
    if (!common.empty() || (wait_over(p) && wait_over(other))) {
      const bool other_first = other.queued_at <= p.queued_at;
      if (other_first) {
        pair(other, p, std::move(common));
      } else {
        pair(p, other, std::move(common));
      }
      return true;
    }
  }
  return false;
}

void switchboard::pair(participant& first, participant& second,
                           std::vector<std::string> common) {
  dequeue(first);
  dequeue(second);
  const auto chat_id = tokens_.make(chat_id_bytes);
  for (auto* p : {&first, &second}) {
    p->status = participant_status::matched;
    p->partner = (p == &first ? second : first).id;
    p->chat_id = chat_id;
    // The one who waited longer makes the WebRTC offer.
    p->initiator = (p == &first);
  }
  ++chats_;
  ++matches_total_;
  outbox_.emplace_back(chat_started{first.id, second.id, first.type, common.size()});
  push(first, matched_event{chat_id, first.type, true, common});
  push(second, matched_event{chat_id, second.type, false, std::move(common)});
}

void switchboard::leave_chat(participant& p, leave_reason reason) {
  auto* partner = find(p.partner);
  if (partner != nullptr) {
    // Both remember the other for a report, and are not paired again at once.
    const auto now = clock_.now();
    for (auto [self, other] : {std::pair{&p, partner}, std::pair{partner, &p}}) {
      self->last = std::make_shared<const last_chat>(
          last_chat{other->user_id, other->address_key, self->chat_id, now});
    }
    if (limits_.rematch_cooldown.count() > 0) {
      exclusions_.add(p.user_id, partner->user_id, now + limits_.rematch_cooldown);
    }
  }
  p.partner = 0;
  p.chat_id.clear();
  p.initiator = false;
  p.status = participant_status::idle;
  --chats_;
  if (partner == nullptr) return;
  // The partner keeps the chat id while `ended`: the chat it names is over.
  partner->partner = 0;
  partner->initiator = false;
  partner->status = participant_status::ended;
  push(*partner, partner_left_event{reason});
}

void switchboard::push(participant& p, event_body body) {
  event e{++p.last_seq, std::make_shared<const event_body>(std::move(body))};
  p.mailbox.push(e, limits_.mailbox_limit);
  outbox_.emplace_back(event_added{p.id, std::move(e)});
}

void switchboard::take_outbox(outbox& into) {
  into.clear();
  into.swap(outbox_);
}

}  // namespace parley

namespace parley {

switchboard_state switchboard::save() const {
  switchboard_state out;
  out.participants.reserve(participants_.size());
  for (const auto& [id, p] : participants_) {
    switchboard_state::saved_participant saved{*p, p->mailbox.after(0)};
    saved.p.queue_position = {};
    saved.p.mailbox = {};
    out.participants.push_back(std::move(saved));
  }
  for (std::size_t t = 0; t < queues_.size(); ++t) {
    out.queues[t].assign(queues_[t].begin(), queues_[t].end());
  }
  out.exclusions = exclusions_.entries();
  out.next_id = next_id_;
  out.chats = chats_;
  out.matches_total = matches_total_;
  out.messages_relayed = messages_relayed_;
  out.signals_relayed = signals_relayed_;
  return out;
}

void switchboard::restore(const switchboard_state& state) {
  participants_.clear();
  by_token_.clear();
  for (auto& q : queues_) q.clear();
  for (const auto& saved : state.participants) {
    auto p = std::make_unique<participant>(saved.p);
    p->queue_position = {};
    p->mailbox = {};
    for (const auto& e : saved.events) p->mailbox.push(e, limits_.mailbox_limit);
    by_token_.emplace(p->token_key, p->id);
    participants_.emplace(p->id, std::move(p));
  }
  for (std::size_t t = 0; t < queues_.size(); ++t) {
    for (const auto id : state.queues[t]) {
      const auto it = participants_.find(id);
      if (it == participants_.end()) continue;
      it->second->queue_position = queues_[t].insert(queues_[t].end(), id);
    }
  }
  exclusions_.restore(state.exclusions);
  next_id_ = state.next_id;
  chats_ = state.chats;
  matches_total_ = state.matches_total;
  messages_relayed_ = state.messages_relayed;
  signals_relayed_ = state.signals_relayed;
}

}  // namespace parley
