#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/core/chat_type.hpp"

namespace parley {

/// Why a partner is gone, as told in `partner_left`.
enum class leave_reason { left, next, disconnected, timeout };

std::string_view to_string(leave_reason reason) noexcept;

// What can happen to a participant, as data. The protocol module turns each
// into the JSON a client receives; the core never sees JSON.

/// Paired with a stranger; the initiator makes the WebRTC offer.
struct matched_event {
  std::string chat_id;
  chat_type type = chat_type::text;
  bool initiator = false;
  std::vector<std::string> common_interests;
};
struct message_event {
  std::string text;
  std::int64_t sent_at_ms = 0;  ///< Unix time
};
struct typing_event {
  bool active = false;
};
/// A WebRTC signal: `data` is the object the partner sent, as the exact bytes
/// it sent. The core relays it without looking inside.
struct signal_event {
  std::string data;
};
struct partner_left_event {
  leave_reason reason = leave_reason::left;
};

using event_body =
    std::variant<matched_event, message_event, typing_event, signal_event, partner_left_event>;

/// One event of a participant, numbered by its own counter. The body is
/// immutable and shared by the mailbox, the outbox and every delivery.
struct event {
  std::uint64_t seq = 0;
  std::shared_ptr<const event_body> body;
};

}  // namespace parley
