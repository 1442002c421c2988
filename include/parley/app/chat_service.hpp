#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "parley/app/command_sequencer.hpp"
#include "parley/app/log_entry.hpp"
#include "parley/app/moderation.hpp"
#include "parley/app/participant_channel.hpp"
#include "parley/app/service_state.hpp"
#include "parley/app/turn_source.hpp"
#include "parley/core/abuse_limits.hpp"
#include "parley/core/chat_limits.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/outbox.hpp"
#include "parley/core/rate_table.hpp"
#include "parley/core/switchboard.hpp"
#include "parley/core/time_source.hpp"
#include "parley/core/token_bucket.hpp"
#include "parley/core/token_source.hpp"
#include "parley/crypto/keyed_hash.hpp"
#include "parley/protocol/client_command.hpp"
#include "parley/protocol/server_messages.hpp"

namespace parley {

/** The application: the one place where a client's command is applied,
    whatever transport it came over.

    It creates identities, resumes them, checks that a command names the
    caller's own chat, applies the command to the switchboard, then drains
    the switchboard's outbox and hands each event to the participant's
    delivery: the WebSocket channel that holds it (encoded once, here), its
    waiting long polls, or only its mailbox. Transports call it; it knows
    them only as participant_channel and event_waiter. One thread.

    Every change goes through one order: each call that changes something
    becomes a log_entry, applied at once (one process), or, in a cluster,
    once a command_sequencer (Redis) has ordered it among every instance's
    entries; every instance applies every entry to its own switchboard and
    delivers only to the sockets and polls it holds. Answers to a caller
    come when its entry is applied.
*/
class chat_service {
public:
  /// `turn`: where TURN credentials come from; none when no relay is configured.
  /// `tokens` draws user ids and tokens; `chat_ids` the chat ids (the same
  /// source when null; a cluster needs one that every instance agrees on).
  /// `hash_secret` keys the hashes kept instead of tokens (random when empty).
  /// `safety`: reports, bans and the spam guard.
  chat_service(chat_limits limits, const time_source& clock, token_source& tokens,
               turn_source* turn = nullptr, std::string hash_secret = {},
               token_source* chat_ids = nullptr, moderation_limits safety = {});

  /// Cluster mode: from now on entries are ordered by `sequencer`, which
  /// hands every instance's entries to apply_entry().
  void use_sequencer(command_sequencer& sequencer, std::uint32_t id_tag);
  /// Applies an entry ordered by the sequencer (this instance's or another's).
  void apply_entry(const log_entry& entry);
  /// What every instance holds alike (a snapshot for an instance that
  /// starts late), and loading it, before applying the entries after it.
  /// An instance that fell behind the log loads one too: then the sockets
  /// it holds are let go (closed for a resume, which replays exactly what
  /// they missed), and the REST calls it was waiting for answered
  /// `unavailable`.
  service_state save_state() const;
  void restore_state(const service_state& state);

  /// The rate limits to enforce; none until this is called.
  void set_abuse_limits(const abuse_limits& limits);
  /// A new identity for the client whose address hashes to `address_key`,
  /// within RATE_IDENTITIES_PER_MIN? Takes one from its budget; else
  /// `rate_limited`. REST /start checks it itself; a WebSocket upgrade asks
  /// before its 101 (its hello creates the identity). Per instance.
  std::optional<failure> admit_identity(std::string_view address_key);
  chat_service(const chat_service&) = delete;
  chat_service& operator=(const chat_service&) = delete;

  // --- WebSocket channels

  /// A new channel: creates its participant (idle) and says `hello` on it.
  /// `address_key`: the keyed hash of the client's address.
  participant_id open(participant_channel& channel, std::string address_key = {});
  /// Applies a command that arrived on `channel`, which holds `caller`.
  /// Answers (waiting, resumed, error) are pushed to the channel. Returns
  /// the participant the channel holds afterwards: another after `resume`.
  participant_id handle(participant_id caller, participant_channel& channel,
                        client_command command);
  /// The channel wrote the events of `who` up to `seq` to its socket.
  void written(participant_id who, std::uint64_t seq);
  /// `channel` stopped holding `who`, as `how` says.
  void close(participant_id who, participant_channel& channel, channel_end how);

  // --- REST callers

  /// The participant `token` names, now counted as active; else `unauthorized`.
  std::variant<participant_id, failure> authenticate(std::string_view token);
  /// Applies a REST command for `caller` (none: a first /start makes one,
  /// from the client whose address hashes to `address_key`) and calls
  /// `done` once it is applied (at once in one process). On success,
  /// `caller` is the participant afterwards (0 once ended), `token` the new
  /// identity's token (a first /start only).
  struct rest_result {
    std::optional<failure> refused;
    participant_id caller = 0;
    std::string token;
  };
  void handle(std::optional<participant_id> caller, client_command command,
              std::string_view address_key, std::function<void(rest_result)> done);
  /// The same, for callers that know the command is applied at once (tests,
  /// one process): the result is returned.
  rest_result handle(std::optional<participant_id> caller, client_command command,
                     std::string_view address_key = {});
  /// Whether `command` (a read, such as receive) may be answered for `who`.
  std::optional<failure> check(participant_id who, const client_command& command) const;

  /// What `/receive` answers for `who`: events after `since`; nullopt when
  /// `who` is gone.
  std::optional<std::string> receive_body(participant_id who, std::uint64_t since) const;
  bool has_events_after(participant_id who, std::uint64_t since) const;
  /// A long poll waits for `who` / stops waiting (answered or timed out).
  void begin_wait(participant_id who, event_waiter& waiter);
  void end_wait(participant_id who, event_waiter& waiter);

  // --- Both

  /// Fresh TURN credentials for `who` (the `turn_credentials` command, on
  /// either transport): only while it is matched in a video chat, and only
  /// when a relay is configured (else not_found). `command` may name the chat.
  std::variant<turn_grant, failure> turn_credentials(participant_id who,
                                                     const client_command& command);
  bool turn_available() const noexcept { return turn_ != nullptr; }

  /// What answers say about `who`; nullopt when it is gone.
  std::optional<participant_view> view(participant_id who) const;
  /// Runs the switchboard's timers and delivers what they caused (in a
  /// cluster: orders a tick, which also carries this instance's news).
  void tick();
  /// Sockets held by this instance (in a cluster the switchboard counts all).
  std::size_t local_channels() const noexcept { return channels_.size(); }
  /// Cluster mode: the instances that ticked within the lease; else nullopt.
  std::optional<std::size_t> cluster_instances() const {
    if (sequencer_ == nullptr) return std::nullopt;
    return instances_.size();
  }
  /// Pushes the online count to every channel if it changed since last time.
  void push_online_count();

  // --- Safety (reports, bans)

  /// Seconds left of the ban on the address whose keyed hash is `address_key`.
  std::optional<std::chrono::seconds> ban_remaining(std::string_view address_key) const {
    return safety_.remaining(address_key);
  }
  /// An operator bans the address of the participant `ask.user_id` (online
  /// now: its address is known only while it is), or the address whose keyed
  /// hash is `ask.address_key`; its participants are ended. Ordered like any
  /// change, so every instance of a cluster holds the same bans with the same
  /// ids; `done` runs once it is applied, with the ban or why not.
  void impose_ban(ban_entry ask, std::function<void(std::variant<ban, failure>)> done);
  /// Lifts the ban `id` everywhere; `done(false)` when there is none.
  void lift_ban(std::string id, std::function<void(bool)> done);
  /// The same, for one process (tests): applied at once.
  std::variant<ban, failure> ban_user(std::string_view user_id, std::string reason,
                                              std::chrono::seconds duration);
  ban ban_address(std::string address_key, std::string reason,
                          std::chrono::seconds duration);
  bool lift_ban(std::string_view id);
  const moderation& safety() const noexcept { return safety_; }

  const switchboard& board() const noexcept { return board_; }
  const chat_limits& limits() const noexcept { return board_.limits(); }

private:
  using completion = std::function<void(rest_result)>;

  /// A `session_id` the client named must be its current chat: the one it
  /// is in, or, while `ended`, the one that just ended.
  static std::optional<failure> check_chat(const participant& p, const client_command& command);
  std::optional<failure> apply(participant& p, command_body& body);
  /// Puts `body` in the one order; `done` is called when it is applied.
  void submit(entry_body body, completion done = {});
  void apply_body(const std::string& origin, entry_body& body, completion done);
  void apply_create(create_entry& e, completion done);
  void apply_command(command_entry& e, completion done);
  void apply_resume(const resume_entry& e);
  void apply_close(const close_entry& e);
  void apply_tick(const std::string& origin, const tick_entry& e);
  void apply_ban(const ban_entry& e, completion done);
  /// After loading a snapshot: lets go of what this instance held before it.
  void release_held();
  void apply_lift(const lift_entry& e, completion done);
  /// Ends `who`, whose channel can take no more (slow reader).
  void end_overflowing(participant_id who);
  /// A fresh identity drawn here: user id, token, and its id.
  participant_identity new_identity(std::string address_key, std::string& token);
  /// `rate_limited` when `who` is over its rate for `body` (messages,
  /// typing, signals); nullopt for other commands or within the rate.
  std::optional<failure> check_rate(participant_id who, const command_body& body);
  /// Counts a refusal of `who`; true once RATE_ABUSE_LIMIT were refused
  /// within RATE_ABUSE_WINDOW_S: the WebSocket is then closed with 1008.
  bool count_refusal(participant_id who);
  /// Answers a WebSocket command refused by a limit and counts it; returns
  /// the caller, or 0 when this refusal closed the socket with 1008.
  participant_id refuse(participant_id caller, participant_channel& channel, const failure& limited);
  /// Report or block: ends the chat with the stranger and keeps them apart.
  std::optional<failure> report_stranger(participant& p, const report_command* report);
  /// Ends every participant of a banned address, told `banned` on its channel
  /// (except `told`, which was already).
  void enforce(const ban& b, participant_id told = 0);
  /// Enforces the bans decided while a command was applied.
  void enforce_pending(participant_id told);
  /// Delivers everything the switchboard did, until nothing is left.
  void flush();
  void dispatch(occurrence& o);
  void push(participant_id to, participant_channel& channel, const event& e);
  /// The credentials the `matched` event `e` of `p` carries: only for the
  /// video chat `p` is in now, when TURN is configured.
  std::optional<turn_grant> turn_for(const participant& p, const event& e) const;
  void wake_waiters(participant_id who);
  participant_channel* channel_of(participant_id who) const;

  keyed_hash token_keys_;
  token_source& tokens_;
  switchboard board_;
  turn_source* turn_ = nullptr;
  command_sequencer* sequencer_ = nullptr;  ///< null: one process, applied at once
  std::uint64_t id_tag_ = 0;                ///< high bits of the ids this instance draws
  std::uint64_t last_id_ = 0;
  std::uint64_t last_request_ = 0;
  /// What this instance waits for: REST answers, and the tokens of the
  /// identities it is creating (said once, in hello or the /start answer).
  std::unordered_map<std::uint64_t, completion> waiting_;
  std::unordered_map<participant_id, std::string> new_tokens_;
  /// Cluster: news for the next tick entry.
  std::unordered_map<participant_id, std::uint64_t> delivered_;
  std::unordered_map<participant_id, unsigned> polls_;
  std::vector<participant_id> touched_;
  /// Cluster: which instance's socket holds a participant, and when each
  /// instance last ticked (a silent one is dead: its sockets are dropped).
  std::unordered_map<participant_id, std::string> holders_;
  std::unordered_map<std::string, steady_time> instances_;
  steady_time last_entry_at_{};
  outbox batch_;  ///< what flush() is delivering now
  std::unordered_map<participant_id, participant_channel*> channels_;
  std::unordered_multimap<participant_id, event_waiter*> waiters_;
  std::size_t last_online_pushed_ = 0;

  /// How fast each participant talks (on the instance it talks to); dropped
  /// when it ends.
  struct talk_rates {
    token_bucket messages, typing, signals;
    steady_time window_start{};
    std::size_t refused = 0;  ///< within the window from window_start
  };
  const time_source& clock_;
  abuse_limits abuse_ = abuse_limits::none();
  std::unordered_map<participant_id, talk_rates> rates_;
  std::optional<rate_table> identities_;  ///< per address key
  std::optional<rate_table> resume_failures_;  ///< failed WebSocket resumes, per address key

  moderation safety_;
  std::vector<ban> pending_bans_;  ///< decided while applying a command
  std::optional<ban> imposed_;     ///< the operator's ban just applied, for its answer
};

}  // namespace parley
