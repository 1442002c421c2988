#include "parley/protocol/admin_messages.hpp"

#include "json_document.hpp"
#include "parley/text/utf8.hpp"

namespace parley::admin_messages {
namespace {

using nlohmann::json;

failure bad_request(std::string message) { return {error_code::bad_request, std::move(message)}; }

json ban_json(const ban& b, std::int64_t now_ms) {
  const auto left_ms = std::max<std::int64_t>(0, b.expires_ms - now_ms);
  return json{{"id", b.id},
              {"address_key", b.address_key},
              {"user_id", b.user_id.empty() ? json() : json(b.user_id)},
              {"reason", b.reason},
              {"source", to_string(b.source)},
              {"created_at", b.created_ms},
              {"expires_at", b.expires_ms},
              {"remaining_s", (left_ms + 999) / 1000}};
}

}  // namespace

std::variant<admin_ban_request, failure> decode_ban_request(std::string_view body) {
  const auto parsed = parse_json(body);
  if (!parsed || !parsed->is_object()) return bad_request("the body must be a JSON object");
  admin_ban_request out;
  const auto text_field = [&](const char* name, std::string& into) -> std::optional<failure> {
    const auto it = parsed->find(name);
    if (it == parsed->end() || it->is_null()) return std::nullopt;
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return bad_request(std::string(name) + " must be a non-empty string");
    }
    into = it->get<std::string>();
    return std::nullopt;
  };
  if (auto f = text_field("user_id", out.user_id)) return *f;
  if (auto f = text_field("address", out.address)) return *f;
  if (out.user_id.empty() == out.address.empty()) {
    return bad_request("give exactly one of user_id and address");
  }
  if (out.user_id.size() > 64 || out.address.size() > 64) {
    return bad_request("user_id or address is too long");
  }
  const auto duration = parsed->find("duration_s");
  if (duration == parsed->end() || !duration->is_number_unsigned() ||
      duration->get<std::uint64_t>() < 1 ||
      duration->get<std::uint64_t>() > static_cast<std::uint64_t>(max_ban_s)) {
    return bad_request("duration_s must be an integer from 1 to " + std::to_string(max_ban_s));
  }
  out.duration = std::chrono::seconds(duration->get<std::int64_t>());
  const auto reason = parsed->find("reason");
  if (reason == parsed->end() || !reason->is_string()) return bad_request("reason is required");
  const auto length = utf8_length(reason->get_ref<const std::string&>());
  if (!length || *length == 0 || *length > max_reason_chars) {
    return bad_request("reason must be 1 to " + std::to_string(max_reason_chars) + " characters");
  }
  out.reason = reason->get<std::string>();
  return out;
}

std::string reports_body(const std::deque<report>& reports) {
  json list = json::array();
  for (auto it = reports.rbegin(); it != reports.rend(); ++it) {
    list.push_back({{"id", it->id},
                    {"at", it->at_ms},
                    {"reason", to_string(it->reason)},
                    {"comment", it->comment},
                    {"reporter_user_id", it->reporter_user_id},
                    {"user_id", it->reported_user_id},
                    {"address_key",
                     it->reported_address_key.empty() ? json() : json(it->reported_address_key)},
                    {"session_id", it->chat_id}});
  }
  return json{{"reports", std::move(list)}}.dump();
}

std::string bans_body(const std::vector<ban>& bans, std::int64_t now_ms) {
  json list = json::array();
  for (const auto& b : bans) list.push_back(ban_json(b, now_ms));
  return json{{"bans", std::move(list)}}.dump();
}

std::string ban_body(const ban& b, std::int64_t now_ms) { return ban_json(b, now_ms).dump(); }

std::string lifted_body(std::string_view id) {
  return json{{"id", id}, {"status", "lifted"}}.dump();
}

}  // namespace parley::admin_messages
