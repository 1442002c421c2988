#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "parley/app/moderation.hpp"
#include "parley/app/participant_channel.hpp"
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
*/
class chat_service {
public:
  /// `turn`: where TURN credentials come from; none when no relay is configured.
  chat_service(chat_limits limits, const time_source& clock, token_source& tokens,
               turn_source* turn = nullptr, moderation_limits safety = {});
  chat_service(const chat_service&) = delete;
  chat_service& operator=(const chat_service&) = delete;

  /// Looks tokens up by `hash(token)` (a keyed hash): see switchboard::set_token_hash.
  void set_token_hash(std::function<std::string(std::string_view)> hash) {
    board_.set_token_hash(std::move(hash));
  }
  /// The rate limits to enforce; none until this is called.
  void set_abuse_limits(const abuse_limits& limits);
  /// A new identity for the client whose address hashes to `address_key`,
  /// within RATE_IDENTITIES_PER_MIN? Takes one from its budget; else
  /// `rate_limited`. REST /start checks it itself; a WebSocket upgrade asks
  /// before its 101 (its hello creates the identity).
  std::optional<failure> admit_identity(std::string_view address_key);

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
  /// from the client whose address hashes to `address_key`).
  /// On success, `caller` is the participant afterwards (0 once ended).
  struct rest_result {
    std::optional<failure> refused;
    participant_id caller = 0;
  };
  rest_result handle(std::optional<participant_id> caller, client_command command,
                     std::string_view address_key = {});

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
  /// The token of `who` (for the /start answer only).
  std::string_view token_of(participant_id who) const;
  /// Runs the switchboard's timers and delivers what they caused.
  void tick();
  /// Pushes the online count to every channel if it changed since last time.
  void push_online_count();

  // --- Safety (reports, bans)

  /// Seconds left of the ban on the address whose keyed hash is `address_key`.
  std::optional<std::chrono::seconds> ban_remaining(std::string_view address_key) const {
    return safety_.remaining(address_key);
  }
  /// An operator bans the address of the participant `user_id` (online now:
  /// its address is known only while it is), or the address whose keyed
  /// hash is `address_key`. Its participants are ended at once.
  std::variant<ban, failure> ban_user(std::string_view user_id, std::string reason,
                                      std::chrono::seconds duration);
  ban ban_address(std::string address_key, std::string reason, std::chrono::seconds duration);
  bool lift_ban(std::string_view id) { return safety_.lift(id); }
  const moderation& safety() const noexcept { return safety_; }

  const switchboard& board() const noexcept { return board_; }
  const chat_limits& limits() const noexcept { return board_.limits(); }

private:
  /// A `session_id` the client named must be its current chat: the one it
  /// is in, or, while `ended`, the one that just ended.
  static std::optional<failure> check_chat(const participant& p, const client_command& command);
  std::optional<failure> apply(participant& p, command_body& body);
  participant_id resume(participant_id caller, participant_channel& channel,
                        const resume_command& command);
  /// Delivers everything the switchboard did, until nothing is left.
  void flush();
  void dispatch(occurrence& o);
  void push(participant_id to, participant_channel& channel, const event& e);
  /// The credentials the `matched` event `e` of `p` carries: only for the
  /// video chat `p` is in now, when TURN is configured.
  std::optional<turn_grant> turn_for(const participant& p, const event& e) const;
  void wake_waiters(participant_id who);
  participant_channel* channel_of(participant_id who) const;
  /// `rate_limited` when `who` is over its rate for `body` (messages,
  /// typing, signals); nullopt for other commands or within the rate.
  std::optional<failure> check_rate(participant_id who, const command_body& body);
  /// Counts a refusal of `who`; true once RATE_ABUSE_LIMIT were refused
  /// within RATE_ABUSE_WINDOW_S: the WebSocket is then closed with 1008.
  bool count_refusal(participant_id who);
  /// Report or block: ends the chat with the stranger and keeps them apart.
  std::optional<failure> report_stranger(participant& p, const report_command* report);
  /// Ends every participant of a banned address, told `banned` on its channel
  /// (except `told`, which was already).
  void enforce(const ban& b, participant_id told = 0);
  /// Enforces the bans decided while a command was applied.
  void enforce_pending(participant_id told);

  switchboard board_;
  turn_source* turn_ = nullptr;
  outbox batch_;  ///< what flush() is delivering now
  std::unordered_map<participant_id, participant_channel*> channels_;
  std::unordered_multimap<participant_id, event_waiter*> waiters_;
  std::size_t last_online_pushed_ = 0;

  /// How fast each participant talks; dropped when it ends.
  struct talk_rates {
    token_bucket messages, typing, signals;
    steady_time window_start{};
    std::size_t refused = 0;  ///< within the window from window_start
  };
  const time_source& clock_;
  abuse_limits abuse_ = abuse_limits::none();
  std::unordered_map<participant_id, talk_rates> rates_;
  std::optional<rate_table> identities_;  ///< per address key
  moderation safety_;
  std::vector<ban> pending_bans_;  ///< decided while applying a command
};

}  // namespace parley
