#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parley/core/chat_type.hpp"

namespace parley {

/// Why a partner is gone, as told in `partner_left`.
enum class leave_reason { left, next, disconnected, timeout };

std::string_view to_string(leave_reason reason) noexcept;

/// One event in a participant's mailbox. It is serialised once, when it is
/// made, and the same immutable bytes are then shared by the mailbox, every
/// `/receive` answer and every WebSocket write queue.
struct event {
  std::uint64_t seq = 0;
  std::shared_ptr<const std::string> json;
};

/// Serialisers for each event type; `seq` is the participant's own counter.
namespace events {
std::string matched(std::uint64_t seq, std::string_view session_id, chat_type type,
                    bool initiator, const std::vector<std::string>& common_interests);
std::string message(std::uint64_t seq, std::string_view text, std::int64_t ts_ms);
std::string typing(std::uint64_t seq, bool active);
/// `data_json` is already-validated, serialised JSON; it is copied in verbatim.
std::string signal(std::uint64_t seq, std::string_view data_json);
std::string partner_left(std::uint64_t seq, leave_reason reason);
}  // namespace events

}  // namespace parley
