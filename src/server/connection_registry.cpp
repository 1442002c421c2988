#include "parley/server/connection_registry.hpp"

#include <spdlog/spdlog.h>

#include "parley/core/interests.hpp"
#include "parley/server/http_session.hpp"
#include "parley/server/long_poll.hpp"
#include "parley/server/websocket_session.hpp"

namespace parley {

void connection_registry::on_event(const participant& p, const event& e) {
  if (const auto it = holders_.find(p.id); it != holders_.end()) {
    if (auto ws = it->second.lock()) ws->send(e.json, e.seq);
  }
  wake_polls(p.id);
}

void connection_registry::on_matched(const participant& first, const participant& second) {
  spdlog::info("matched {} with {} ({} chat, {} common interests)", first.user_id, second.user_id,
               to_string(first.type), common_interests(first.interests, second.interests).size());
}

void connection_registry::on_ended(const participant& p, leave_reason reason) {
  spdlog::info("participant {} gone ({})", p.user_id, to_string(reason));
  if (const auto it = holders_.find(p.id); it != holders_.end()) {
    auto ws = it->second.lock();
    holders_.erase(it);
    if (ws) ws->participant_ended();
  }
  wake_polls(p.id);
}

std::shared_ptr<websocket_session> connection_registry::attach(
    participant_id id, const std::shared_ptr<websocket_session>& ws) {
  auto& slot = holders_[id];
  auto previous = slot.lock();
  slot = ws;
  return previous;
}

void connection_registry::detach(participant_id id, const websocket_session* ws) {
  const auto it = holders_.find(id);
  if (it == holders_.end()) return;
  const auto holder = it->second.lock();
  if (holder == nullptr || holder.get() == ws) holders_.erase(it);
}

void connection_registry::add_websocket(const std::shared_ptr<websocket_session>& ws) {
  websockets_[ws.get()] = ws;
}

void connection_registry::remove_websocket(const websocket_session* ws) { websockets_.erase(ws); }

void connection_registry::add_http(const std::shared_ptr<http_session>& session) {
  http_sessions_[session.get()] = session;
}

void connection_registry::remove_http(const http_session* session) {
  http_sessions_.erase(session);
}

void connection_registry::add_poll(participant_id id, const std::shared_ptr<long_poll>& poll) {
  polls_.emplace(id, poll);
}

void connection_registry::remove_poll(participant_id id, const long_poll* poll) {
  auto [first, last] = polls_.equal_range(id);
  for (auto it = first; it != last; ++it) {
    const auto held = it->second.lock();
    if (held == nullptr || held.get() == poll) {
      polls_.erase(it);
      return;
    }
  }
}

void connection_registry::wake_polls(participant_id id) {
  auto [first, last] = polls_.equal_range(id);
  for (auto it = first; it != last; ++it) {
    if (auto poll = it->second.lock()) poll->wake();
  }
}

void connection_registry::broadcast(const std::shared_ptr<const std::string>& message) {
  for (const auto& [key, weak] : websockets_) {
    if (auto ws = weak.lock()) ws->send(message);
  }
}

void connection_registry::shutdown() {
  // Copy first: each call below may unregister connections.
  std::vector<std::shared_ptr<long_poll>> polls;
  for (const auto& [id, weak] : polls_) {
    if (auto p = weak.lock()) polls.push_back(std::move(p));
  }
  for (const auto& p : polls) p->wake();

  std::vector<std::shared_ptr<websocket_session>> sockets;
  for (const auto& [key, weak] : websockets_) {
    if (auto ws = weak.lock()) sockets.push_back(std::move(ws));
  }
  for (const auto& ws : sockets) ws->shutdown();

  std::vector<std::shared_ptr<http_session>> sessions;
  for (const auto& [key, weak] : http_sessions_) {
    if (auto s = weak.lock()) sessions.push_back(std::move(s));
  }
  for (const auto& s : sessions) s->shutdown();
}

}  // namespace parley
