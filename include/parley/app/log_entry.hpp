#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "parley/app/participant_channel.hpp"
#include "parley/core/participant.hpp"
#include "parley/protocol/client_command.hpp"

namespace parley {

// What changes the service, as data: the chat service turns every call that
// changes something into one of these and applies it when the service's one
// order reaches it (at once in memory; after Redis ordered it in a cluster).

/// A new identity: a WebSocket's (attached to the socket that asked) or a
/// first REST /start's.
struct create_entry {
  participant_identity identity;
  bool websocket = false;
};
/// A client's command (start, next, stop, message, typing, signal, disconnect).
struct command_entry {
  participant_id caller = 0;
  client_command command;
};
/// The socket holding `caller` resumes `target`, replaying after `since`.
struct resume_entry {
  participant_id caller = 0;
  participant_id target = 0;
  std::uint64_t since = 0;
};
/// The socket holding `who` ended as `how` says.
struct close_entry {
  participant_id who = 0;
  channel_end how = channel_end::closed;
};
/// The timers run; also what the sending instance saw since its last tick:
/// events written to its sockets, REST callers that called or are polling.
struct tick_entry {
  std::vector<std::pair<participant_id, std::uint64_t>> delivered;
  std::vector<participant_id> touched;
};

/// An operator bans an address: the one whose keyed hash is `address_key`,
/// or, when that is empty, the address of the online participant `user_id`.
struct ban_entry {
  std::string address_key;
  std::string user_id;
  std::string reason;
  std::int64_t duration_s = 0;
};
/// An operator lifts the ban `id`.
struct lift_entry {
  std::string id;
};

/// An instance that started late asks for the state at this point of the
/// order, to be shared under `key` by the instances that hold it.
struct snapshot_entry {
  std::string key;
};

using entry_body = std::variant<create_entry, command_entry, resume_entry, close_entry, tick_entry,
                                ban_entry, lift_entry, snapshot_entry>;

struct log_entry {
  std::string origin;         ///< the instance that appended it
  std::uint64_t request = 0;  ///< the origin's number for it, to find who waits for it
  entry_body body;
};

}  // namespace parley
