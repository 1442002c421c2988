#pragma once

#include <functional>
#include <string>

#include "parley/app/log_entry.hpp"
#include "parley/app/service_state.hpp"

namespace parley {

/** Puts the entries of every instance of a cluster in one order (a Redis
    stream) and hands each, in that order, to every instance's chat service.
    Without one, the chat service applies each entry at once: one process is
    its own order.
*/
class command_sequencer {
public:
  virtual ~command_sequencer() = default;
  /// Orders `entry`; `refused` runs (later, from the loop) when it could not
  /// be ordered (Redis unreachable): then it is never applied anywhere.
  virtual void submit(const log_entry& entry, std::function<void()> refused) = 0;
  /// This instance's name in entries' `origin`.
  virtual const std::string& instance() const = 0;
  /// Shares this instance's `state` under `key` with an instance that
  /// started late (its snapshot_entry asked for it).
  virtual void share_state(const std::string& key, const service_state& state) = 0;
};

}  // namespace parley
