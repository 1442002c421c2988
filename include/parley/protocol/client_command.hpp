#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/core/chat_limits.hpp"
#include "parley/core/chat_type.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/report_reason.hpp"

namespace parley {

// What a client asks for, validated, whatever transport it came over: a
// WebSocket frame `{"type":"message","text":...}` and a REST `POST /send`
// body `{"text":...}` decode to the same `message_command`.

struct start_command {
  chat_type type = chat_type::text;
  std::vector<std::string> interests;  ///< normalised
};
struct resume_command {
  std::string token;
  std::optional<std::uint64_t> since;
};
struct message_command {
  std::string text;
};
struct typing_command {
  bool active = false;
};
struct signal_command {
  std::string data;  ///< the `data` object as the client wrote it
};
struct next_command {};
struct stop_command {};
struct receive_command {
  std::uint64_t since = 0;
  std::chrono::milliseconds wait{0};  ///< as asked, before RECEIVE_MAX_WAIT_S
};
struct disconnect_command {};
/// Fresh TURN credentials for the video chat the caller is in.
struct turn_credentials_command {};
/// Report the stranger (ends the chat, keeps the two apart, records it).
struct report_command {
  report_reason reason = report_reason::other;
  std::string comment;  ///< optional, at most REPORT_COMMENT_CHARS
};
/// Block the stranger: ends the chat and keeps the two apart, no report.
struct block_command {};

using command_body =
    std::variant<start_command, resume_command, message_command, typing_command, signal_command,
                 next_command, stop_command, receive_command, disconnect_command,
                 turn_credentials_command, report_command, block_command>;

/// A decoded command and what every command may carry besides its own fields.
struct client_command {
  command_body body;
  /// The `session_id` the client named: the chat it believes it is in.
  std::optional<std::string> chat_id;
};

/// The commands a REST route stands for (the WebSocket names them in `type`).
enum class command_type {
  start,
  message,
  typing,
  signal,
  next,
  receive,
  disconnect,
  turn_credentials,
  report,
  block
};

/// Decodes one WebSocket text frame: a JSON object whose `type` is one of
/// start, resume, message, typing, signal, next, stop, turn_credentials, report, block.
std::variant<client_command, failure> decode_frame(std::string_view frame,
                                                   const chat_limits& limits);

/// A REST body, decoded in the order the API answers: a body that is not a
/// JSON object is refused before anything else; then the caller is known
/// (a `token` field is the other way to send the credential); only then do
/// the command's own fields count.
struct rest_body {
  std::optional<failure> unreadable;  ///< not a JSON object, or a token that is not a string
  std::optional<std::string> token;
  std::variant<client_command, failure> command = failure{error_code::bad_request, ""};
};

/// Decodes the body of a REST request for `type`; an empty body is `{}`.
rest_body decode_body(command_type type, std::string_view body, const chat_limits& limits);

}  // namespace parley
