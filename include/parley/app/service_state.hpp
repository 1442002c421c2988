#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "parley/app/moderation.hpp"
#include "parley/core/participant.hpp"
#include "parley/core/switchboard_state.hpp"
#include "parley/core/time_source.hpp"

namespace parley {

/// What every instance of a cluster holds alike, as data: a running
/// instance's snapshot, which an instance that starts late loads before it
/// applies the entries after it. (What an instance holds for itself, its
/// sockets, polls and rate counters, is not in it.)
struct service_state {
  std::int64_t unix_ms = 0;  ///< the log's time at the snapshot
  switchboard_state board;
  moderation_state safety;
  /// Which instance's socket holds each participant.
  std::vector<std::pair<participant_id, std::string>> holders;
  /// When each instance last ticked.
  std::vector<std::pair<std::string, steady_time>> instances;
};

}  // namespace parley
