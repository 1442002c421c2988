#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parley/core/event.hpp"
#include "parley/core/participant.hpp"
#include "parley/core/time_source.hpp"

namespace parley {

/// Everything a switchboard holds, as plain data: what a cluster instance
/// that starts late loads from a running one (its snapshot), so that both
/// apply the next entries of the log to the same state.
struct switchboard_state {
  /// Each participant as it is (its queue position aside: `queues` says it)
  /// with its kept events, oldest first.
  struct saved_participant {
    participant p;
    std::vector<event> events;
  };
  std::vector<saved_participant> participants;
  /// Each chat type's queue, longest waiting first.
  std::array<std::vector<participant_id>, 2> queues;
  /// The pairs kept apart (pair key, deadline).
  std::vector<std::pair<std::string, steady_time>> exclusions;
  participant_id next_id = 1;
  std::size_t chats = 0;
  std::uint64_t matches_total = 0;
  std::uint64_t messages_relayed = 0;
  std::uint64_t signals_relayed = 0;
};

}  // namespace parley
