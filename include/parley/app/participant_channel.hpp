#pragma once

#include <cstdint>

#include "parley/protocol/encoded_message.hpp"

namespace parley {

/// Why a channel no longer holds its participant.
enum class channel_release {
  replaced,  ///< a newer channel resumed the participant
  ended,     ///< the participant ended (e.g. REST /disconnect with its token)
  abuse,     ///< sustained abuse (RATE_ABUSE_LIMIT): close with 1008
  unavailable,  ///< its identity could not be made (cluster store down): 1013
  resync,       ///< this instance reloaded the cluster's state: 1012, the client resumes
};

/** A connection that holds a participant and takes its messages as they
    happen: a WebSocket. The chat service pushes to it; it never calls the
    service back from these functions.
*/
class participant_channel {
public:
  /// Queues `message`; `seq` is its mailbox seq, 0 for messages outside the
  /// mailbox. False when the channel cannot take it (a reader that is too
  /// slow): the channel is closing, and the service ends the participant.
  virtual bool push(encoded_message message, std::uint64_t seq) = 0;
  /// The channel no longer holds its participant: it tells its client and
  /// closes.
  virtual void release(channel_release why) = 0;

protected:
  ~participant_channel() = default;
};

/// How a channel stopped holding its participant, as its transport saw it.
enum class channel_end {
  closed,          ///< the client said goodbye (a close frame): it left
  dropped,         ///< the connection broke: the participant may resume
  broke_protocol,  ///< the client broke the rules (e.g. a frame too large)
};

/// A REST long poll waiting for its participant's events.
class event_waiter {
public:
  /// Events arrived, or the participant ended: answer soon.
  virtual void wake() = 0;

protected:
  ~event_waiter() = default;
};

}  // namespace parley
