#include "parley/core/event.hpp"

#include <nlohmann/json.hpp>

namespace parley {

std::string_view to_string(leave_reason reason) noexcept {
  switch (reason) {
    case leave_reason::left: return "left";
    case leave_reason::next: return "next";
    case leave_reason::disconnected: return "disconnected";
    case leave_reason::timeout: return "timeout";
  }
  return "left";
}

namespace events {

std::string matched(std::uint64_t seq, std::string_view session_id, chat_type type,
                    bool initiator, const std::vector<std::string>& common_interests) {
  // Concatenated like `signal`: every match sends two of these. Interests are
  // user text, so only they go through the JSON serialiser (for escaping).
  std::string out = R"({"type":"matched","seq":)";
  out += std::to_string(seq);
  out += R"(,"session_id":")";
  out += session_id;  // hex: nothing to escape
  out += R"(","chat_type":")";
  out += to_string(type);
  out += initiator ? R"(","initiator":true,"common_interests":)" : R"(","initiator":false,"common_interests":)";
  out += common_interests.empty() ? std::string("[]") : nlohmann::json(common_interests).dump();
  out += '}';
  return out;
}

std::string message(std::uint64_t seq, std::string_view text, std::int64_t ts_ms) {
  nlohmann::json j = {{"type", "message"}, {"seq", seq},      {"text", text},
                      {"from", "stranger"}, {"ts", ts_ms}};
  return j.dump();
}

std::string typing(std::uint64_t seq, bool active) {
  std::string out = R"({"type":"typing","seq":)";
  out += std::to_string(seq);
  out += active ? R"(,"active":true})" : R"(,"active":false})";
  return out;
}

std::string signal(std::uint64_t seq, std::string_view data_json) {
  // Relayed signals are the hot path: build the frame by concatenation so the
  // partner's payload is copied once and never re-parsed or re-serialised.
  std::string out;
  out.reserve(data_json.size() + 48);
  out += R"({"type":"signal","seq":)";
  out += std::to_string(seq);
  out += R"(,"data":)";
  out += data_json;
  out += '}';
  return out;
}

std::string partner_left(std::uint64_t seq, leave_reason reason) {
  std::string out = R"({"type":"partner_left","seq":)";
  out += std::to_string(seq);
  out += R"(,"reason":")";
  out += to_string(reason);
  out += R"("})";
  return out;
}

}  // namespace events
}  // namespace parley
