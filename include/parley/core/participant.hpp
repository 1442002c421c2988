#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parley/core/chat_type.hpp"
#include "parley/core/mailbox.hpp"
#include "parley/core/time_source.hpp"

namespace parley {

/// Internal handle of a participant; never shown to clients.
using participant_id = std::uint64_t;

/// Who a new participant is, chosen by the caller of switchboard::create.
struct participant_identity {
  participant_id id = 0;  ///< 0: the switchboard numbers it
  std::string user_id;    ///< public
  std::string token_key;  ///< the keyed hash of its token
  std::string address_key;
};

enum class participant_status {
  idle,     ///< connected, in no queue and no chat
  waiting,  ///< in its chat type's queue
  matched,  ///< chatting with a partner
  ended,    ///< its partner left; it waits for `next` or `start`
};

std::string_view to_string(participant_status status) noexcept;

/// The stranger of a participant's last chat, which can still be reported
/// or blocked for REPORT_GRACE_S after the chat ended.
struct last_chat {
  std::string partner_user_id;
  std::string partner_address_key;
  std::string chat_id;
  steady_time ended{};
};

/// One stranger: the identity behind a token, whether it came over REST or a
/// WebSocket. Owned by the switchboard; read-only for everyone else.
struct participant {
  participant_id id = 0;
  std::string user_id;  ///< public
  /// Stands for the secret token that proves a caller is this participant:
  /// its keyed hash (the token itself is never kept).
  std::string token_key;
  /// Keyed hash of the client's address (never the address); empty when unknown.
  std::string address_key;

  chat_type type = chat_type::text;
  bool has_started = false;  ///< `next` needs a chat type from an earlier start
  std::vector<std::string> interests;
  participant_status status = participant_status::idle;

  // While waiting.
  std::list<participant_id>::iterator queue_position{};
  steady_time queued_at{};
  bool interest_wait_over = false;

  // While matched, and while `ended` (the chat that just ended, so that a
  // client naming it can still collect the partner's departure).
  participant_id partner = 0;
  std::string chat_id;
  bool initiator = false;

  /// The last chat, once one has ended (null before: most participants
  /// waiting for their first match pay 8 bytes for it, not 104).
  std::shared_ptr<const last_chat> last;

  parley::mailbox mailbox;
  std::uint64_t last_seq = 0;
  std::uint64_t delivered_seq = 0;  ///< last seq written to any of its sockets

  // Liveness.
  bool attached = false;                        ///< a WebSocket holds it
  unsigned pending_polls = 0;                   ///< REST long polls waiting right now
  steady_time last_seen{};                      ///< last REST call
  std::optional<steady_time> resume_deadline;  ///< while a dropped socket may resume
};

/// The id of the chat `p` is in now; empty when it is not matched.
std::string_view current_chat_id(const participant& p) noexcept;

}  // namespace parley
