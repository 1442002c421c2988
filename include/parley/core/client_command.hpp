#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "parley/core/chat_type.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/session_limits.hpp"

namespace parley {

// The commands a WebSocket client can send, validated. The REST API takes
// the same fields through the readers below, so both transports accept and
// refuse exactly the same input.

struct start_command {
  chat_type type = chat_type::text;
  std::vector<std::string> interests;
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
  std::string data_json;  ///< the `data` object, serialised
};
struct next_command {};
struct stop_command {};

using client_command = std::variant<start_command, resume_command, message_command,
                                    typing_command, signal_command, next_command, stop_command>;

/// Parses and validates one WebSocket text frame.
std::variant<client_command, failure> parse_client_command(std::string_view frame,
                                                           const session_limits& limits);

/// Deepest nesting of arrays and objects accepted from clients. The parser
/// is iterative, but serialising, copying and comparing a document recurse
/// once per level: a 64 KiB body of brackets would overflow the stack.
inline constexpr int max_json_depth = 64;

/// Parses a JSON document without throwing; nullopt when it is malformed or
/// nested deeper than max_json_depth.
std::optional<nlohmann::json> parse_json(std::string_view text);

// Field readers: each validates one field of a request object and writes the
// result to `out`, or returns why it was refused. A missing optional field
// leaves `out` untouched.
std::optional<failure> read_interests(const nlohmann::json& request, const session_limits& limits,
                                      std::vector<std::string>& out);
std::optional<failure> read_text(const nlohmann::json& request, std::string_view field,
                                 const session_limits& limits, std::string& out);
std::optional<failure> read_signal_data(const nlohmann::json& request,
                                        const session_limits& limits, std::string& out);
std::optional<failure> read_bool(const nlohmann::json& request, std::string_view field,
                                 bool& out);
std::optional<failure> read_seq(const nlohmann::json& request, std::string_view field,
                                std::optional<std::uint64_t>& out);

}  // namespace parley
