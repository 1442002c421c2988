#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "parley/core/participant.hpp"
#include "parley/server/http_types.hpp"

namespace parley {

struct server_state;

/// A `/receive` that waits: answered when an event arrives for its
/// participant, when `wait` runs out, or at shutdown, whichever comes first.
class long_poll : public std::enable_shared_from_this<long_poll> {
public:
  using answer_fn = std::function<void(http_response)>;

  long_poll(server_state& state, participant_id id, std::uint64_t since, http_request req,
            answer_fn respond);

  /// Registers the poll and arms its timer.
  void start(std::chrono::milliseconds wait);
  /// Answers soon (posted, so that events of one command arrive together).
  void wake();

private:
  void complete();

  server_state& state_;
  participant_id id_;
  std::uint64_t since_;
  http_request req_;
  answer_fn respond_;
  boost::asio::steady_timer timer_;
  bool done_ = false;
};

}  // namespace parley
