#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "parley/core/event_sink.hpp"

namespace parley {

class websocket_session;
class http_session;
class long_poll;
class session_manager;

/** Which connection listens for which participant.

    The session manager reports events here; the registry hands them to the
    participant's WebSocket, if one holds it, and wakes its pending long
    polls. It also knows every open connection, for the `online` push and for
    a graceful shutdown. Holds weak references only: connections own
    themselves (shared_from_this) and unregister in their destructors.
    All calls come from the one I/O thread.
*/
class connection_registry final : public event_sink {
public:
  // event_sink
  void on_event(const participant& p, const event& e) override;
  void on_matched(const participant& first, const participant& second) override;
  void on_ended(const participant& p, leave_reason reason) override;

  /// `ws` now holds participant `id`; returns the socket that held it before.
  std::shared_ptr<websocket_session> attach(participant_id id,
                                            const std::shared_ptr<websocket_session>& ws);
  /// Forgets the holder of `id` if it is `ws`.
  void detach(participant_id id, const websocket_session* ws);

  void add_websocket(const std::shared_ptr<websocket_session>& ws);
  void remove_websocket(const websocket_session* ws);
  void add_http(const std::shared_ptr<http_session>& session);
  void remove_http(const http_session* session);
  void add_poll(participant_id id, const std::shared_ptr<long_poll>& poll);
  void remove_poll(participant_id id, const long_poll* poll);

  /// Sends `message` to every open WebSocket.
  void broadcast(const std::shared_ptr<const std::string>& message);
  /// Answers every long poll, closes every WebSocket (1001) and idle HTTP connection.
  void shutdown();

  std::size_t websockets() const noexcept { return websockets_.size(); }

private:
  void wake_polls(participant_id id);

  std::unordered_map<participant_id, std::weak_ptr<websocket_session>> holders_;
  std::unordered_map<const websocket_session*, std::weak_ptr<websocket_session>> websockets_;
  std::unordered_map<const http_session*, std::weak_ptr<http_session>> http_sessions_;
  std::unordered_multimap<participant_id, std::weak_ptr<long_poll>> polls_;
};

}  // namespace parley
