#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/core/chat_limits.hpp"
#include "parley/core/chat_type.hpp"
#include "parley/core/event.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/participant.hpp"
#include "parley/protocol/encoded_message.hpp"
#include "parley/turn/turn_grant.hpp"

namespace parley {

/// What a client is told about a participant in answers: its status and
/// the chat it is in (`session_id`, null when not matched).
struct participant_view {
  std::string_view user_id;
  participant_status status = participant_status::idle;
  chat_type type = chat_type::text;
  std::string_view chat_id;  ///< empty: null
};

/// The limits a client needs to check input before sending it (GET /config).
struct client_limits {
  std::size_t max_message_chars = 0;
  std::size_t max_interests = 0;
  std::size_t max_interest_chars = 0;
  std::size_t max_signal_bytes = 0;
  std::chrono::milliseconds interest_fallback{0};
  std::size_t max_frame_bytes = 0;
  std::size_t max_body_bytes = 0;
};

/// The JSON of every message the server sends; docs/protocol.schema.json
/// defines each one. Events are serialised here and nowhere else.
namespace server_messages {

// Events of a participant's mailbox (both transports). `turn`: the TURN
// credentials a `matched` event carries (video chats with TURN_URLS only).
encoded_message event(const parley::event& e, const turn_grant* turn = nullptr);

// WebSocket messages outside the mailbox.
std::string hello(std::string_view user_id, std::string_view token, std::size_t online);
std::string waiting(chat_type type);
std::string resumed(const participant_view& p);
std::string online(std::size_t count);
std::string error(const failure& f);
/// The answer to `turn_credentials`: fresh credentials for chat `chat_id`.
std::string turn_credentials(std::string_view chat_id, const turn_grant& turn);

/// The answers to `report` and `block`: the chat with that stranger ended.
std::string reported(std::string_view chat_id);
std::string blocked(std::string_view chat_id);

// REST answers.
std::string error_body(const failure& f);
/// `/send`, `/signal`, `/typing`, `/next`: `{"status","session_id"}`.
std::string state_body(const participant_view& p);
/// `/start`, `/start_video`: the identity and its state.
std::string started_body(const participant_view& p, std::string_view token);
/// `/receive`: the state and the events after `since`. `turn` goes into the
/// `matched` event of the chat `p` is in (if any).
std::string receive_body(const participant_view& p, const std::vector<parley::event>& events,
                         std::uint64_t next, const turn_grant* turn = nullptr);
/// `POST /turn_credentials`: `{"session_id","turn"}`.
std::string turn_body(std::string_view chat_id, const turn_grant& turn);
std::string disconnected_body();
/// `GET /health` (and `GET /` for clients that do not ask for HTML).
struct health_figures {
  std::int64_t uptime_s = 0;
  std::size_t online = 0;
  std::size_t waiting_text = 0;
  std::size_t waiting_video = 0;
  std::size_t chats = 0;
  /// Cluster mode: the instances alive (none in one process).
  std::optional<std::size_t> instances;
  /// WebSockets held by this instance itself.
  std::size_t instance_websockets = 0;
};
std::string health_body(const health_figures& figures);
/// `turn_available`: a TURN relay is configured (its credentials come with a
/// video match, never here).
std::string config_body(const std::vector<std::string>& ice_servers, const client_limits& limits,
                        bool turn_available);

}  // namespace server_messages
}  // namespace parley
