#pragma once

#include <chrono>
#include <cstddef>

namespace parley {

/// A sustained rate with a burst: a token bucket that holds `burst` tokens
/// and refills `per_second`. `per_second == 0` disables it.
struct rate {
  double per_second = 0;
  double burst = 0;
  bool enabled() const noexcept { return per_second > 0; }
};

/** The abuse limits: how fast one participant may talk, and how much one
    client address may take. The defaults here are the documented defaults
    (see README and `parley --help`); none of them is reached by a person
    using a browser. Per-address limits are kept by each instance: in a
    cluster an address may take that much from every instance.
*/
struct abuse_limits {
  // --- Per participant (both transports, applied by the chat service)

  /// Chat messages. A person types far below this; a paste loop does not.
  rate messages{5, 20};
  /// Typing notices (the web client sends one per change of state).
  rate typing{5, 20};
  /// WebRTC signals: a burst far above the few dozen candidates a browser's
  /// ICE gathering and an ICE restart produce within a second.
  rate signals{20, 200};
  /// Refused commands within `abuse_window` after which a WebSocket is
  /// closed with 1008 (0: never closed for this).
  std::size_t abuse_limit = 100;
  std::chrono::milliseconds abuse_window = std::chrono::seconds(10);

  // --- Per client address (keyed by its keyed hash)

  /// New identities (REST /start, /start_video; WebSocket hello), per second.
  rate identities{30.0 / 60.0, 30};
  /// HTTP requests of any kind (API, static files, upgrades).
  rate requests{50, 200};
  /// Open connections (HTTP and WebSocket) at once (0: unlimited).
  std::size_t connections_per_address = 100;
  /// Failed WebSocket `resume`s (unknown or expired token). A browser fails
  /// at most one after a long drop; a token guesser fails thousands. Over
  /// it a resume is refused `rate_limited` without looking the token up.
  rate resume_failures{30.0 / 60.0, 30};
  /// Addresses each per-address rate table remembers at most; the least
  /// recently seen is forgotten first, so the limiter's memory is bounded.
  std::size_t address_table_size = 100'000;

  /// Every limit off (tests, benchmarks).
  static abuse_limits none() noexcept {
    abuse_limits off;
    off.messages = off.typing = off.signals = off.identities = off.requests = rate{};
    off.resume_failures = rate{};
    off.abuse_limit = 0;
    off.connections_per_address = 0;
    return off;
  }
};

}  // namespace parley
