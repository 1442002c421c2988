#include "parley/protocol/server_messages.hpp"

#include <nlohmann/json.hpp>

namespace parley::server_messages {
namespace {

using nlohmann::json;

/// `"id"` or `null`: chat ids are hex, nothing to escape.
void append_chat_id(std::string& out, std::string_view chat_id) {
  if (chat_id.empty()) {
    out += "null";
    return;
  }
  out += '"';
  out += chat_id;
  out += '"';
}

json chat_id_json(std::string_view chat_id) {
  return chat_id.empty() ? json(nullptr) : json(chat_id);
}

/// `{"type":"<type>","seq":<seq>` without the closing brace.
std::string event_head(std::string_view type, std::uint64_t seq, std::size_t reserve = 0) {
  std::string out;
  out.reserve(40 + reserve);
  out += R"({"type":")";
  out += type;
  out += R"(","seq":)";
  out += std::to_string(seq);
  return out;
}

json turn_json(const turn_grant& turn) {
  return json{{"urls", turn.urls},
              {"username", turn.username},
              {"credential", turn.credential},
              {"ttl_s", turn.ttl_s}};
}

encoded_message matched(std::uint64_t seq, const matched_event& m, const turn_grant* turn) {
  // Concatenated: every match sends two of these. Interests are user text,
  // so only they go through the JSON serialiser (for escaping).
  auto out = event_head("matched", seq);
  out += R"(,"session_id":)";
  append_chat_id(out, m.chat_id);
  out += R"(,"chat_type":")";
  out += to_string(m.type);
  out += m.initiator ? R"(","initiator":true,"common_interests":)"
                     : R"(","initiator":false,"common_interests":)";
  out += m.common_interests.empty() ? std::string("[]") : json(m.common_interests).dump();
  if (turn != nullptr) {
    out += R"(,"turn":)";
    out += turn_json(*turn).dump();
  }
  out += '}';
  return {std::move(out)};
}

encoded_message message(std::uint64_t seq, const message_event& m) {
  json j = {{"type", "message"}, {"seq", seq},           {"text", m.text},
            {"from", "stranger"}, {"ts", m.sent_at_ms}};
  return {j.dump()};
}

encoded_message typing(std::uint64_t seq, const typing_event& t) {
  auto out = event_head("typing", seq);
  out += t.active ? R"(,"active":true})" : R"(,"active":false})";
  return {std::move(out)};
}

encoded_message partner_left(std::uint64_t seq, const partner_left_event& p) {
  auto out = event_head("partner_left", seq);
  out += R"(,"reason":")";
  out += to_string(p.reason);
  out += R"("})";
  return {std::move(out)};
}

}  // namespace

encoded_message event(const parley::event& e, const turn_grant* turn) {
  const auto& body = *e.body;
  if (const auto* s = std::get_if<signal_event>(&body)) {
    // The hot path: the partner's bytes are spliced in, never copied here.
    auto out = event_head("signal", e.seq);
    out += R"(,"data":)";
    const auto at = out.size();
    out += '}';
    return {std::move(out), std::shared_ptr<const std::string>(e.body, &s->data), at};
  }
  if (const auto* m = std::get_if<matched_event>(&body)) return matched(e.seq, *m, turn);
  if (const auto* m = std::get_if<message_event>(&body)) return message(e.seq, *m);
  if (const auto* t = std::get_if<typing_event>(&body)) return typing(e.seq, *t);
  return partner_left(e.seq, std::get<partner_left_event>(body));
}

std::string hello(std::string_view user_id, std::string_view token, std::size_t online) {
  return json{{"type", "hello"}, {"user_id", user_id}, {"token", token}, {"online", online}}
      .dump();
}

std::string waiting(chat_type type) {
  return json{{"type", "waiting"}, {"chat_type", to_string(type)}}.dump();
}

std::string resumed(const participant_view& p) {
  return json{{"type", "resumed"},
              {"user_id", p.user_id},
              {"status", to_string(p.status)},
              {"session_id", chat_id_json(p.chat_id)}}
      .dump();
}

std::string online(std::size_t count) {
  return json{{"type", "online"}, {"count", count}}.dump();
}

std::string error(const failure& f) {
  return json{{"type", "error"}, {"code", to_string(f.code)}, {"message", f.message}}.dump();
}

std::string turn_credentials(std::string_view chat_id, const turn_grant& turn) {
  return json{{"type", "turn_credentials"}, {"session_id", chat_id}, {"turn", turn_json(turn)}}
      .dump();
}

std::string reported(std::string_view chat_id) {
  return json{{"type", "reported"}, {"session_id", chat_id_json(chat_id)}}.dump();
}

std::string blocked(std::string_view chat_id) {
  return json{{"type", "blocked"}, {"session_id", chat_id_json(chat_id)}}.dump();
}

std::string turn_body(std::string_view chat_id, const turn_grant& turn) {
  return json{{"session_id", chat_id}, {"turn", turn_json(turn)}}.dump();
}

std::string error_body(const failure& f) {
  return json{{"error", {{"code", to_string(f.code)}, {"message", f.message}}}}.dump();
}

std::string state_body(const participant_view& p) {
  return json{{"status", to_string(p.status)}, {"session_id", chat_id_json(p.chat_id)}}.dump();
}

std::string started_body(const participant_view& p, std::string_view token) {
  return json{{"user_id", p.user_id},
              {"token", token},
              {"chat_type", to_string(p.type)},
              {"status", to_string(p.status)},
              {"session_id", chat_id_json(p.chat_id)}}
      .dump();
}

std::string receive_body(const participant_view& p, const std::vector<parley::event>& events,
                         std::uint64_t next, const turn_grant* turn) {
  // Events are spliced in as they are encoded, not built as a tree.
  std::string out = R"({"status":")";
  out += to_string(p.status);
  out += R"(","session_id":)";
  append_chat_id(out, p.chat_id);
  out += R"(,"events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i != 0) out += ',';
    const auto* m = std::get_if<matched_event>(events[i].body.get());
    const bool current = m != nullptr && !p.chat_id.empty() && m->chat_id == p.chat_id;
    event(events[i], current ? turn : nullptr).append_to(out);
  }
  out += R"(],"next":)";
  out += std::to_string(next);
  out += '}';
  return out;
}

std::string disconnected_body() { return R"({"status":"disconnected"})"; }

std::string health_body(const health_figures& figures) {
  json body{{"status", "ok"},
            {"version", PARLEY_VERSION},
            {"uptime_s", figures.uptime_s},
            {"online", figures.online},
            {"waiting", {{"text", figures.waiting_text}, {"video", figures.waiting_video}}},
            {"sessions", figures.chats},
            {"this_instance", {{"websockets", figures.instance_websockets}}}};
  if (figures.instances) body["instances"] = *figures.instances;
  return body.dump();
}

std::string config_body(const std::vector<std::string>& ice_servers, const client_limits& limits,
                        bool turn_available) {
  json servers = json::array();
  if (!ice_servers.empty()) servers.push_back({{"urls", ice_servers}});
  const auto fallback_s = static_cast<double>(limits.interest_fallback.count()) / 1000.0;
  return json{{"ice_servers", servers},
              {"turn_available", turn_available},
              {"limits",
               {{"max_message_chars", limits.max_message_chars},
                {"max_interests", limits.max_interests},
                {"max_interest_chars", limits.max_interest_chars},
                {"max_signal_bytes", limits.max_signal_bytes},
                {"interest_fallback_s", fallback_s},
                {"max_frame_bytes", limits.max_frame_bytes},
                {"max_body_bytes", limits.max_body_bytes}}}}
      .dump();
}

}  // namespace parley::server_messages
