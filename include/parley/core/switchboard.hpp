#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "parley/core/chat_limits.hpp"
#include "parley/core/chat_type.hpp"
#include "parley/core/event.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/outbox.hpp"
#include "parley/core/pair_exclusions.hpp"
#include "parley/core/switchboard_state.hpp"
#include "parley/core/participant.hpp"
#include "parley/core/time_source.hpp"
#include "parley/core/token_source.hpp"

namespace parley {

/** Every participant, the waiting queues and the chats between pairs.

    Pure logic: no sockets, no JSON, no threads, time from an injected clock.
    It is driven by commands (start, next, send...) and by `tick()`. What a
    call did (events added to mailboxes, pairs matched, identities ended) is
    left in the outbox, in order, for the caller to take afterwards with
    `take_outbox`; nothing is called back. Not thread-safe: one thread.
*/
class switchboard {
public:
  switchboard(chat_limits limits, const time_source& clock, token_source& tokens);
  switchboard(const switchboard&) = delete;
  switchboard& operator=(const switchboard&) = delete;

  /// A new idle participant as `identity` says; nullptr when its id or
  /// token key is taken.
  participant* create(participant_identity identity);
  /// A new idle participant with a fresh user id and an unusable token key
  /// (for callers that never authenticate it, such as tests).
  participant& create(std::string address_key = {});

  participant* find(participant_id id);
  const participant* find(participant_id id) const;
  /// The participant whose token hashes to `token_key`, or nullptr.
  participant* find_by_token_key(std::string_view token_key);
  const participant* find_by_token_key(std::string_view token_key) const;

  /// Leaves any chat (the partner is told `left`) and queue, then queues for
  /// `type` with `interests` (normalised here); matched at once when a
  /// compatible user is waiting.
  void start(participant& p, chat_type type, std::vector<std::string> interests);
  /// Leaves the chat (the partner is told `next`) and queues again with the
  /// same type and interests.
  std::optional<failure> next(participant& p);
  /// Leaves chat and queue (the partner is told `left`); `p` stays, idle.
  void stop(participant& p);
  /// Ends the identity: leaves chat and queue (the partner is told `reason`)
  /// and forgets the participant. `p` is dangling afterwards.
  void end(participant& p, leave_reason reason);

  std::optional<failure> send_message(participant& p, std::string text);
  std::optional<failure> send_typing(participant& p, bool active);
  /// `data` is the signal object as the client sent it, already validated.
  std::optional<failure> send_signal(participant& p, std::string data);

  /// The kept events of `p` with a seq greater than `since`, oldest first.
  std::vector<event> events_after(const participant& p, std::uint64_t since) const;
  /// Records that the events of `p` up to `seq` were written to a socket.
  void mark_delivered(participant& p, std::uint64_t seq);

  /// A REST call from `p`: it is still there.
  void touch(participant& p);
  /// A long poll of `p` starts or ends: a user waiting in a poll is not idle.
  void begin_poll(participant& p);
  void end_poll(participant& p);
  /// A WebSocket now holds `p`: no idle expiry, no resume deadline.
  void attach(participant& p);
  /// The WebSocket holding `p` dropped without a close frame: keep `p` for
  /// the resume grace period.
  void detach(participant& p);

  /// The stranger a block or a report is about.
  struct stranger {
    std::string user_id;
    std::string address_key;
    std::string chat_id;
  };
  /// Ends the chat of `p` (the stranger is told `left`, an ordinary
  /// departure) and keeps the two apart for BLOCK_EXCLUSION_S: their user
  /// ids, and their addresses when both are known and differ. Also for the
  /// stranger of a chat that ended less than REPORT_GRACE_S ago; else
  /// not_matched. `p` is idle afterwards.
  std::variant<stranger, failure> block(participant& p);
  /// True while `a` and `b` must not be matched (cooldown, block, report).
  bool kept_apart(const participant& a, const participant& b) const;
  /// The participants whose address hashes to `address_key`.
  std::vector<participant_id> find_by_address(std::string_view address_key) const;
  /// The participant with the public id `user_id`, or nullptr.
  participant* find_by_user_id(std::string_view user_id);

  /// Runs the timers: interest waits that ran out, resume deadlines, idle
  /// REST users. Call it often (a few times a second).
  void tick();

  /// Everything it holds, as data (the outbox aside: take it first).
  switchboard_state save() const;
  /// Replaces everything it holds with `state` (a save() of another).
  void restore(const switchboard_state& state);

  /// Moves what happened since the last call into `into` (cleared first).
  /// Swapping keeps both vectors' capacity: no allocation per command.
  void take_outbox(outbox& into);

  std::size_t online() const noexcept { return participants_.size(); }
  std::size_t waiting(chat_type type) const noexcept { return queue(type).size(); }
  std::size_t chats() const noexcept { return chats_; }
  std::uint64_t matches_total() const noexcept { return matches_total_; }
  std::uint64_t messages_relayed() const noexcept { return messages_relayed_; }
  std::uint64_t signals_relayed() const noexcept { return signals_relayed_; }
  const chat_limits& limits() const noexcept { return limits_; }
  std::size_t excluded_pairs() const noexcept { return exclusions_.size(); }
  /// The time as the switchboard sees it (its injected clock).
  steady_time now() const { return clock_.now(); }

private:
  using waiting_queue = std::list<participant_id>;

  waiting_queue& queue(chat_type type) { return queues_[static_cast<std::size_t>(type)]; }
  const waiting_queue& queue(chat_type type) const {
    return queues_[static_cast<std::size_t>(type)];
  }

  void enqueue(participant& p);
  void dequeue(participant& p);
  bool try_match(participant& p);
  bool wait_over(const participant& p) const;
  void pair(participant& first, participant& second, std::vector<std::string> common);
  void leave_chat(participant& p, leave_reason reason);
  /// Adds `body` to the partner's mailbox, or refuses when `p` is not in a chat.
  std::optional<failure> relay(participant& p, event_body body);
  void push(participant& p, event_body body);

  chat_limits limits_;
  const time_source& clock_;
  token_source& tokens_;
  outbox outbox_;

  std::unordered_map<participant_id, std::unique_ptr<participant>> participants_;
  /// By token key; the key views the participant's own `token_key`.
  std::unordered_map<std::string_view, participant_id> by_token_;
  std::array<waiting_queue, 2> queues_;
  pair_exclusions exclusions_;
  participant_id next_id_ = 1;
  std::size_t chats_ = 0;
  std::uint64_t matches_total_ = 0;
  std::uint64_t messages_relayed_ = 0;
  std::uint64_t signals_relayed_ = 0;
};

}  // namespace parley
