#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection_tracker.hpp"
#include "http_types.hpp"
#include "metrics.hpp"
#include "origin_policy.hpp"
#include "parley/app/chat_service.hpp"
#include "parley/protocol/client_command.hpp"
#include "parley/protocol/server_messages.hpp"

namespace parley {

/// What the REST API is configured with.
struct rest_settings {
  std::chrono::milliseconds receive_max_wait{30'000};
  std::vector<std::string> ice_servers;
  client_limits limits;  ///< shown by GET /config
};

/** The REST API: a table of routes (path, method, handler). CORS, HEAD,
    OPTIONS, body decoding and authentication are done once, around every
    handler; a handler only applies its command and answers.
*/
class rest_router {
public:
  rest_router(boost::asio::io_context& ioc, chat_service& chats, const origin_policy& origins,
              connection_tracker& connections, const metrics& stats, rest_settings settings);

  /// True for paths the API owns (other GETs go to the static files).
  static bool owns(std::string_view target) noexcept;

  /// Answers `req` from the client whose address hashes to `client_key`
  /// through `respond`, now or later (a long poll).
  void handle(const http_request& req, std::string_view client_key, const responder& respond);

private:
  /// One request on its way through the router.
  struct call {
    const http_request& req;
    std::string_view client_key;  ///< keyed hash of the client's address
    reply_shape shape;
    responder respond;
    client_command command;                ///< the decoded body (POST routes)
    std::optional<participant_id> caller;  ///< from the token, if any
  };
  using handler = void (rest_router::*)(call&);
  struct route {
    std::string_view path;
    http::verb method;
    std::optional<command_type> command;  ///< POST routes: what the body holds
    handler handle;
  };
  static const route routes[];
  static const route* find(std::string_view path) noexcept;

  void answer(call& c, http::status status, std::string body);
  void fail(call& c, const failure& f);

  void on_health(call& c);
  void on_metrics(call& c);
  void on_config(call& c);
  void on_start(call& c);
  void on_start_video(call& c);
  /// /send, /signal, /typing, /next: apply, then answer the caller's state.
  void on_chat_command(call& c);
  void on_receive(call& c);
  void on_disconnect(call& c);
  /// Fresh TURN credentials, for a participant in a video chat only.
  void on_turn_credentials(call& c);

  boost::asio::io_context& ioc_;
  chat_service& chats_;
  const origin_policy& origins_;
  connection_tracker& connections_;
  const metrics& stats_;
  rest_settings settings_;
  std::string config_body_;  ///< made once: it never changes
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace parley
