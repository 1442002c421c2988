#pragma once

// Events as JSON, for readable assertions in the core's tests. The core
// itself has no JSON; this mirrors the wire form only loosely and is not
// the protocol's encoder (tests/protocol checks that one).

#include <nlohmann/json.hpp>

#include "parley/core/event.hpp"

namespace parley::testing {

inline nlohmann::json event_json(const event& e) {
  using nlohmann::json;
  json out = {{"seq", e.seq}};
  const auto& body = *e.body;
  if (const auto* m = std::get_if<matched_event>(&body)) {
    out["type"] = "matched";
    out["session_id"] = m->chat_id;
    out["chat_type"] = to_string(m->type);
    out["initiator"] = m->initiator;
    out["common_interests"] = m->common_interests;
  } else if (const auto* text = std::get_if<message_event>(&body)) {
    out["type"] = "message";
    out["text"] = text->text;
    out["from"] = "stranger";
    out["ts"] = text->sent_at_ms;
  } else if (const auto* t = std::get_if<typing_event>(&body)) {
    out["type"] = "typing";
    out["active"] = t->active;
  } else if (const auto* s = std::get_if<signal_event>(&body)) {
    out["type"] = "signal";
    out["data"] = json::parse(s->data);  // throws on malformed data
  } else {
    out["type"] = "partner_left";
    out["reason"] = to_string(std::get<partner_left_event>(body).reason);
  }
  return out;
}

}  // namespace parley::testing
