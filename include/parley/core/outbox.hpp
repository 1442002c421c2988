#pragma once

#include <string>
#include <variant>
#include <vector>

#include "parley/core/chat_type.hpp"
#include "parley/core/event.hpp"
#include "parley/core/participant.hpp"

namespace parley {

// What a call into the switchboard did, as data, in the order it happened.
// The caller drains the outbox after the call returns and acts on it
// (delivers events, wakes long polls, writes logs): the switchboard never
// calls out while its state is half-changed.

/// `e` was added to the mailbox of `to`: deliver it to whoever listens.
struct event_added {
  participant_id to = 0;
  event e;
};
/// Two participants were paired; `first` waited longer and is the initiator.
struct chat_started {
  participant_id first = 0;
  participant_id second = 0;
  chat_type type = chat_type::text;
  std::size_t common_interests = 0;
};
/// `who` is gone for good (its token is refused from now on).
struct identity_ended {
  participant_id who = 0;
  std::string user_id;
  leave_reason reason = leave_reason::left;
};

using occurrence = std::variant<event_added, chat_started, identity_ended>;
using outbox = std::vector<occurrence>;

}  // namespace parley
