#include "parley/protocol/client_command.hpp"

#include <cmath>

#include "json_document.hpp"
#include "json_object_scanner.hpp"
#include "parley/core/interests.hpp"
#include "parley/text/utf8.hpp"

namespace parley {
namespace {

using nlohmann::json;

failure bad_request(std::string message) { return {error_code::bad_request, std::move(message)}; }

const json* find_field(const json& request, std::string_view field) {
  const auto it = request.find(field);
  return it == request.end() || it->is_null() ? nullptr : &*it;
}

// Field readers: each validates one field of a request object and writes the
// result to `out`, or says why it was refused. A missing optional field
// leaves `out` untouched.

std::optional<failure> read_interests(const json& request, const chat_limits& limits,
                                      std::vector<std::string>& out) {
  const auto* value = find_field(request, "interests");
  if (value == nullptr) return std::nullopt;
  if (!value->is_array()) return bad_request("interests must be an array of strings");
  if (value->size() > limits.max_interests) {
    return bad_request("at most " + std::to_string(limits.max_interests) + " interests");
  }
  std::vector<std::string> raw;
  raw.reserve(value->size());
  for (const auto& item : *value) {
    if (!item.is_string()) return bad_request("interests must be an array of strings");
    const auto& tag = item.get_ref<const std::string&>();
    const auto length = utf8_length(tag);
    if (!length) return bad_request("interests must be valid UTF-8");
    if (*length > limits.max_interest_chars) {
      return bad_request("an interest has at most " + std::to_string(limits.max_interest_chars) +
                         " characters");
    }
    raw.push_back(tag);
  }
  out = normalize_interests(raw);
  return std::nullopt;
}

std::optional<failure> read_text(const json& request, std::string_view field,
                                 const chat_limits& limits, std::string& out) {
  const auto* value = find_field(request, field);
  if (value == nullptr) return bad_request(std::string(field) + " is required");
  if (!value->is_string()) return bad_request(std::string(field) + " must be a string");
  const auto& text = value->get_ref<const std::string&>();
  const auto length = utf8_length(text);
  if (!length) return bad_request(std::string(field) + " must be valid UTF-8");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return bad_request(std::string(field) + " must not be empty");
  }
  if (*length > limits.max_text_chars) {
    return bad_request(std::string(field) + " is longer than " +
                       std::to_string(limits.max_text_chars) + " characters");
  }
  out = text;
  return std::nullopt;
}

failure signal_too_large(const chat_limits& limits) {
  return {error_code::payload_too_large,
          "signal data is larger than " + std::to_string(limits.max_signal_bytes) + " bytes"};
}

std::optional<failure> read_signal_data(const json& request, const chat_limits& limits,
                                        std::string& out) {
  const auto* value = find_field(request, "data");
  if (value == nullptr) return bad_request("data is required");
  if (!value->is_object()) return bad_request("data must be an object");
  std::string dumped = value->dump();
  if (dumped.size() > limits.max_signal_bytes) return signal_too_large(limits);
  out = std::move(dumped);
  return std::nullopt;
}

std::optional<failure> read_bool(const json& request, std::string_view field, bool& out) {
  const auto* value = find_field(request, field);
  if (value == nullptr) return bad_request(std::string(field) + " is required");
  if (!value->is_boolean()) return bad_request(std::string(field) + " must be true or false");
  out = value->get<bool>();
  return std::nullopt;
}

std::optional<failure> read_seq(const json& request, std::string_view field,
                                std::optional<std::uint64_t>& out) {
  const auto* value = find_field(request, field);
  if (value == nullptr) return std::nullopt;
  // nlohmann stores non-negative integers as unsigned and negative ones as signed.
  if (!value->is_number_unsigned()) {
    return bad_request(std::string(field) + " must be a non-negative integer");
  }
  out = value->get<std::uint64_t>();
  return std::nullopt;
}

std::optional<failure> read_optional_string(const json& request, std::string_view field,
                                            std::optional<std::string>& out) {
  const auto* value = find_field(request, field);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return bad_request(std::string(field) + " must be a string");
  out = value->get<std::string>();
  return std::nullopt;
}

std::optional<failure> read_wait(const json& request, std::chrono::milliseconds& out) {
  const auto* value = find_field(request, "wait");
  if (value == nullptr) return std::nullopt;
  if (!value->is_number() || !std::isfinite(value->get<double>()) || value->get<double>() < 0) {
    return bad_request("wait must be a non-negative number of seconds");
  }
  // Clamped before the conversion, which would overflow for huge numbers;
  // RECEIVE_MAX_WAIT_S bounds the real wait.
  const auto seconds = std::min(value->get<double>(), 1e6);
  out = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  return std::nullopt;
}

/// The command-specific fields of `request`, for a command named `type`.
std::variant<command_body, failure> read_body(std::string_view type, const json& request,
                                              const chat_limits& limits, bool rest) {
  if (type == "signal") {
    signal_command command;
    if (auto f = read_signal_data(request, limits, command.data)) return *f;
    return command;
  }
  if (type == "message") {
    message_command command;
    // `text` everywhere; `message` is the seed's REST name, still accepted.
    const auto* field = rest && find_field(request, "text") == nullptr &&
                                find_field(request, "message") != nullptr
                            ? "message"
                            : "text";
    if (auto f = read_text(request, field, limits, command.text)) return *f;
    return command;
  }
  if (type == "typing") {
    typing_command command;
    if (auto f = read_bool(request, "active", command.active)) return *f;
    return command;
  }
  if (type == "start") {
    start_command command;
    if (const auto* chat = find_field(request, "chat_type")) {
      const auto parsed = chat->is_string()
                              ? parse_chat_type(chat->get_ref<const std::string&>())
                              : std::nullopt;
      if (!parsed) return bad_request("chat_type must be \"text\" or \"video\"");
      command.type = *parsed;
    }
    if (auto f = read_interests(request, limits, command.interests)) return *f;
    return command;
  }
  if (type == "next") return next_command{};
  if (type == "stop" && !rest) return stop_command{};
  if (type == "resume" && !rest) {
    resume_command command;
    const auto* token = find_field(request, "token");
    if (token == nullptr || !token->is_string() ||
        token->get_ref<const std::string&>().empty()) {
      return bad_request("token is required and must be a string");
    }
    command.token = token->get<std::string>();
    if (auto f = read_seq(request, "since", command.since)) return *f;
    return command;
  }
  if (type == "receive" && rest) {
    receive_command command;
    std::optional<std::uint64_t> since;
    if (auto f = read_seq(request, "since", since)) return *f;
    command.since = since.value_or(0);
    if (auto f = read_wait(request, command.wait)) return *f;
    return command;
  }
  if (type == "disconnect" && rest) return disconnect_command{};
  if (type == "turn_credentials") return turn_credentials_command{};
  if (type == "report") {
    report_command command;
    const auto* reason = find_field(request, "reason");
    const auto parsed = reason != nullptr && reason->is_string()
                            ? parse_report_reason(reason->get_ref<const std::string&>())
                            : std::nullopt;
    if (!parsed) {
      return bad_request("reason is required: spam, nudity, harassment, underage or other");
    }
    command.reason = *parsed;
    if (const auto* comment = find_field(request, "comment")) {
      if (!comment->is_string()) return bad_request("comment must be a string");
      const auto& text = comment->get_ref<const std::string&>();
      const auto length = utf8_length(text);
      if (!length) return bad_request("comment must be valid UTF-8");
      if (*length > limits.report_comment_chars) {
        return bad_request("comment is longer than " +
                           std::to_string(limits.report_comment_chars) + " characters");
      }
      command.comment = text;
    }
    return command;
  }
  if (type == "block") return block_command{};
  return failure{error_code::unknown_type, "unknown message type"};
}

/// A whole request object: the command's fields and the common ones.
std::variant<client_command, failure> read_command(std::string_view type, const json& request,
                                                   const chat_limits& limits, bool rest) {
  client_command command;
  auto body = read_body(type, request, limits, rest);
  if (auto* f = std::get_if<failure>(&body)) return std::move(*f);
  command.body = std::move(std::get<command_body>(body));
  if (auto f = read_optional_string(request, "session_id", command.chat_id)) return *f;
  return command;
}

/// A JSON string value without escapes: its text; nullopt otherwise.
std::optional<std::string_view> plain_string(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.find('\\') != std::string_view::npos) {
    return std::nullopt;
  }
  return value.substr(1, value.size() - 2);
}

/// Signals are most of the traffic: relay their `data` as the exact bytes
/// received, validated but never parsed into a tree; the one copy made is the
/// one the switchboard keeps. Anything unusual (duplicate keys, escapes,
/// other fields, bad JSON) takes the full parser instead.
std::optional<std::variant<client_command, failure>> decode_signal_fast(
    std::string_view text, const chat_limits& limits, bool rest,
    std::optional<std::string>* token_out = nullptr) {
  const auto members = scan_json_object(text);
  if (!members) return std::nullopt;
  std::optional<std::string_view> type;
  std::optional<std::string_view> data;
  std::optional<std::string_view> chat_id;
  std::optional<std::string_view> token;
  for (const auto& m : *members) {
    auto* slot = m.key == "type"         ? &type
                 : m.key == "data"       ? &data
                 : m.key == "session_id" ? &chat_id
                 : m.key == "token"      ? &token
                                         : nullptr;
    if (slot == nullptr) continue;
    if (*slot) return std::nullopt;  // a duplicate key: the full parser decides
    *slot = m.value;
  }
  if (rest ? type.has_value() : type != R"("signal")") return std::nullopt;
  if (!data || data->front() != '{') return std::nullopt;
  if (data->size() > limits.max_signal_bytes) return signal_too_large(limits);
  std::optional<std::string> token_value;
  client_command command{signal_command{}, std::nullopt};
  for (auto [raw, out] : {std::pair{chat_id, &command.chat_id}, std::pair{token, &token_value}}) {
    if (!raw || *raw == "null") continue;
    const auto value = plain_string(*raw);
    if (!value) return std::nullopt;  // a number, an escape...: the full parser decides
    *out = std::string(*value);
  }
  if (rest && token_out != nullptr) *token_out = std::move(token_value);
  std::get<signal_command>(command.body).data = std::string(*data);
  return command;
}

std::string_view name_of(command_type type) noexcept {
  switch (type) {
    case command_type::start: return "start";
    case command_type::message: return "message";
    case command_type::typing: return "typing";
    case command_type::signal: return "signal";
    case command_type::next: return "next";
    case command_type::receive: return "receive";
    case command_type::disconnect: return "disconnect";
    case command_type::turn_credentials: return "turn_credentials";
    case command_type::report: return "report";
    case command_type::block: return "block";
  }
  return "";
}

}  // namespace

std::variant<client_command, failure> decode_frame(std::string_view frame,
                                                   const chat_limits& limits) {
  if (auto fast = decode_signal_fast(frame, limits, false)) return std::move(*fast);
  const auto parsed = parse_json(frame);
  if (!parsed) return bad_request("malformed JSON");
  if (!parsed->is_object()) return bad_request("a message must be a JSON object");
  const auto type = parsed->find("type");
  if (type == parsed->end() || !type->is_string()) {
    return bad_request("type is required and must be a string");
  }
  return read_command(type->get_ref<const std::string&>(), *parsed, limits, false);
}

rest_body decode_body(command_type type, std::string_view body, const chat_limits& limits) {
  rest_body out;
  if (body.empty()) {
    out.command = read_command(name_of(type), json::object(), limits, true);
    return out;
  }
  if (type == command_type::signal) {
    if (auto fast = decode_signal_fast(body, limits, true, &out.token)) {
      out.command = std::move(*fast);
      return out;
    }
  }
  const auto parsed = parse_json(body);
  if (!parsed) {
    out.unreadable = bad_request("the body is not valid JSON");
  } else if (!parsed->is_object()) {
    out.unreadable = bad_request("the body must be a JSON object");
  } else if (auto f = read_optional_string(*parsed, "token", out.token)) {
    out.unreadable = std::move(f);
  } else {
    out.command = read_command(name_of(type), *parsed, limits, true);
  }
  return out;
}

}  // namespace parley
