#include "parley/core/client_command.hpp"

#include <nlohmann/json.hpp>

#include "parley/core/interests.hpp"
#include "parley/core/json_object_scanner.hpp"
#include "parley/core/utf8.hpp"

namespace parley {
namespace {

failure bad_request(std::string message) { return {error_code::bad_request, std::move(message)}; }

const nlohmann::json* find_field(const nlohmann::json& request, std::string_view field) {
  const auto it = request.find(field);
  return it == request.end() || it->is_null() ? nullptr : &*it;
}

/// Whether `text` nests arrays and objects deeper than `limit`. Exact for
/// valid JSON (brackets inside strings do not count); anything invalid is
/// refused by the parser afterwards.
bool nested_deeper_than(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace

std::optional<nlohmann::json> parse_json(std::string_view text) {
  if (nested_deeper_than(text, max_json_depth)) return std::nullopt;
  try {
    auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
  } catch (const nlohmann::json::exception&) {
    // Some number overflows still throw even with allow_exceptions=false.
    return std::nullopt;
  }
}

std::optional<failure> read_interests(const nlohmann::json& request, const session_limits& limits,
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

std::optional<failure> read_text(const nlohmann::json& request, std::string_view field,
                                 const session_limits& limits, std::string& out) {
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

std::optional<failure> read_signal_data(const nlohmann::json& request,
                                        const session_limits& limits, std::string& out) {
  const auto* value = find_field(request, "data");
  if (value == nullptr) return bad_request("data is required");
  if (!value->is_object()) return bad_request("data must be an object");
  std::string dumped = value->dump();
  if (dumped.size() > limits.max_signal_bytes) {
    return failure{error_code::payload_too_large,
                   "signal data is larger than " + std::to_string(limits.max_signal_bytes) +
                       " bytes"};
  }
  out = std::move(dumped);
  return std::nullopt;
}

std::optional<failure> read_bool(const nlohmann::json& request, std::string_view field,
                                 bool& out) {
  const auto* value = find_field(request, field);
  if (value == nullptr) return bad_request(std::string(field) + " is required");
  if (!value->is_boolean()) return bad_request(std::string(field) + " must be true or false");
  out = value->get<bool>();
  return std::nullopt;
}

std::optional<failure> read_seq(const nlohmann::json& request, std::string_view field,
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

namespace {

/// Signals are most of the traffic: relay their `data` as the exact bytes
/// received, validated but never parsed into a tree. Anything unusual
/// (duplicate keys, escapes in keys, bad JSON) takes the full parser instead.
std::optional<std::variant<client_command, failure>> parse_signal_fast(
    std::string_view frame, const session_limits& limits) {
  const auto members = scan_json_object(frame);
  if (!members) return std::nullopt;
  std::optional<std::string_view> type;
  std::optional<std::string_view> data;
  for (const auto& m : *members) {
    auto* slot = m.key == "type" ? &type : m.key == "data" ? &data : nullptr;
    if (slot == nullptr) continue;
    if (*slot) return std::nullopt;  // a duplicate key: the full parser decides
    *slot = m.value;
  }
  if (type != R"("signal")" || !data || data->front() != '{') return std::nullopt;
  if (data->size() > limits.max_signal_bytes) {
    return failure{error_code::payload_too_large,
                   "signal data is larger than " + std::to_string(limits.max_signal_bytes) +
                       " bytes"};
  }
  return client_command{signal_command{std::string(*data)}};
}

}  // namespace

std::variant<client_command, failure> parse_client_command(std::string_view frame,
                                                           const session_limits& limits) {
  if (auto fast = parse_signal_fast(frame, limits)) return std::move(*fast);
  const auto parsed = parse_json(frame);
  if (!parsed) return bad_request("malformed JSON");
  const auto& request = *parsed;
  if (!request.is_object()) return bad_request("a message must be a JSON object");
  const auto type_it = request.find("type");
  if (type_it == request.end() || !type_it->is_string()) {
    return bad_request("type is required and must be a string");
  }
  const auto& type = type_it->get_ref<const std::string&>();

  if (type == "signal") {
    signal_command command;
    if (auto f = read_signal_data(request, limits, command.data_json)) return *f;
    return command;
  }
  if (type == "message") {
    message_command command;
    if (auto f = read_text(request, "text", limits, command.text)) return *f;
    return command;
  }
  if (type == "typing") {
    typing_command command;
    if (auto f = read_bool(request, "active", command.active)) return *f;
    return command;
  }
  if (type == "start") {
    start_command command;
    const auto chat = request.find("chat_type");
    if (chat != request.end() && !chat->is_null()) {
      if (!chat->is_string()) return bad_request("chat_type must be \"text\" or \"video\"");
      const auto parsed_type = parse_chat_type(chat->get_ref<const std::string&>());
      if (!parsed_type) return bad_request("chat_type must be \"text\" or \"video\"");
      command.type = *parsed_type;
    }
    if (auto f = read_interests(request, limits, command.interests)) return *f;
    return command;
  }
  if (type == "next") return next_command{};
  if (type == "stop") return stop_command{};
  if (type == "resume") {
    resume_command command;
    const auto token = request.find("token");
    if (token == request.end() || !token->is_string() || token->get_ref<const std::string&>().empty()) {
      return bad_request("token is required and must be a string");
    }
    command.token = token->get<std::string>();
    if (auto f = read_seq(request, "since", command.since)) return *f;
    return command;
  }
  return failure{error_code::unknown_type, "unknown message type"};
}

}  // namespace parley
