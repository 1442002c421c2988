#include "rest_router.hpp"

#include "long_poll.hpp"

namespace parley {
namespace {

/// What an answer given once the command is applied needs: in a cluster
/// that is after a Redis round trip, when the request itself is gone.
struct deferred_answer {
  reply_shape shape;
  responder respond;
  const chat_service* chats;
  std::string client_key;

  void ok(std::string body) const {
    respond(json_response(shape, http::status::ok, std::move(body)));
  }
  void fail(const failure& f) const {
    auto res = error_response(shape, f);
    if (f.code == error_code::banned) {
      // Whole seconds until the ban ends, so that a client knows when to retry.
      const auto left = chats->ban_remaining(client_key).value_or(std::chrono::seconds(1));
      res.set(http::field::retry_after, std::to_string(left.count()));
    }
    respond(std::move(res));
  }
};

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

/// The token of `Authorization: Bearer <token>`; a failure for another scheme.
std::variant<std::string_view, failure> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size() ||
      !boost::beast::iequals(authorization.substr(0, scheme.size()), scheme)) {
    return failure{error_code::unauthorized, "use Authorization: Bearer <token>"};
  }
  return authorization.substr(scheme.size());
}

}  // namespace

const rest_router::route rest_router::routes[] = {
    // `/` is the health check for clients that do not ask for HTML.
    {"/", http::verb::get, std::nullopt, &rest_router::on_health},
    {"/health", http::verb::get, std::nullopt, &rest_router::on_health},
    {"/metrics", http::verb::get, std::nullopt, &rest_router::on_metrics},
    {"/config", http::verb::get, std::nullopt, &rest_router::on_config},
    {"/start", http::verb::post, command_type::start, &rest_router::on_start},
    {"/start_video", http::verb::post, command_type::start, &rest_router::on_start_video},
    {"/send", http::verb::post, command_type::message, &rest_router::on_chat_command},
    {"/signal", http::verb::post, command_type::signal, &rest_router::on_chat_command},
    {"/typing", http::verb::post, command_type::typing, &rest_router::on_chat_command},
    {"/next", http::verb::post, command_type::next, &rest_router::on_chat_command},
    {"/receive", http::verb::post, command_type::receive, &rest_router::on_receive},
    {"/disconnect", http::verb::post, command_type::disconnect, &rest_router::on_disconnect},
    {"/turn_credentials", http::verb::post, command_type::turn_credentials,
     &rest_router::on_turn_credentials},
    {"/report", http::verb::post, command_type::report, &rest_router::on_chat_command},
    {"/block", http::verb::post, command_type::block, &rest_router::on_chat_command},
};

rest_router::rest_router(boost::asio::io_context& ioc, chat_service& chats,
                         const origin_policy& origins, connection_tracker& connections,
                         const metrics& stats, rest_settings settings)
    : ioc_(ioc),
      chats_(chats),
      origins_(origins),
      connections_(connections),
      stats_(stats),
      settings_(std::move(settings)),
      config_body_(server_messages::config_body(settings_.ice_servers, settings_.limits,
                                                chats_.turn_available())) {}

const rest_router::route* rest_router::find(std::string_view path) noexcept {
  for (const auto& r : routes) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

bool rest_router::owns(std::string_view target) noexcept { return find(path_of(target)) != nullptr; }

void rest_router::handle(const http_request& req, std::string_view client_key,
                         const responder& respond) {
  const auto origin = req[http::field::origin];
  call c{req, client_key, shape_of(req), respond, {}, std::nullopt};
  c.shape.cors = origins_.cors_allow(origin);
  const auto* r = find(path_of(req.target()));
  if (r == nullptr) return fail(c, {error_code::not_found, "no such endpoint"});

  const auto allow = r->method == http::verb::get ? "GET, HEAD, OPTIONS" : "POST, OPTIONS";
  if (req.method() == http::verb::options) {
    if (!origin.empty() && !c.shape.cors) return fail(c, {error_code::forbidden, "origin not allowed"});
    http_response res{http::status::no_content, req.version()};
    add_security_headers(res.base());
    if (c.shape.cors) {
      res.set(http::field::access_control_allow_origin, *c.shape.cors);
      res.set(http::field::vary, "Origin");
    }
    res.set(http::field::allow, allow);
    res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
    res.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
    res.set(http::field::access_control_max_age, "600");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return c.respond(std::move(res));
  }
  const bool head_for_get = r->method == http::verb::get && req.method() == http::verb::head;
  if (req.method() != r->method && !head_for_get) {
    auto res = error_response(c.shape, {error_code::method_not_allowed,
                                        "use " + std::string(http::to_string(r->method)) + " " +
                                            std::string(r->path)});
    res.set(http::field::allow, allow);
    return c.respond(std::move(res));
  }

  if (r->command) {
    // A banned address may not use the chat at all (health and metrics stay open).
    if (chats_.ban_remaining(c.client_key)) {
      return fail(c, {error_code::banned, "this address is banned"});
    }
    auto decoded = decode_body(*r->command, req.body(), chats_.limits());
    if (decoded.unreadable) return fail(c, *decoded.unreadable);
    // The caller: a bearer token, or a "token" field; known before the fields count.
    std::optional<std::string_view> token;
    if (const auto authorization = req[http::field::authorization]; !authorization.empty()) {
      auto parsed = bearer_token(authorization);
      if (auto* f = std::get_if<failure>(&parsed)) return fail(c, *f);
      token = std::get<std::string_view>(parsed);
    } else if (decoded.token && !decoded.token->empty()) {
      token = *decoded.token;
    }
    if (token) {
      auto who = chats_.authenticate(*token);
      if (auto* f = std::get_if<failure>(&who)) return fail(c, *f);
      c.caller = std::get<participant_id>(who);
    } else if (*r->command != command_type::start) {
      return fail(c, {error_code::unauthorized, "call /start first, then send its token"});
    }
    if (auto* f = std::get_if<failure>(&decoded.command)) return fail(c, *f);
    c.command = std::move(std::get<client_command>(decoded.command));
  }
  (this->*(r->handle))(c);
}

void rest_router::answer(call& c, http::status status, std::string body) {
  auto res = json_response(c.shape, status, std::move(body));
  // `/` answers HTML or JSON depending on Accept: caches must know.
  if (path_of(c.req.target()) == "/") res.set(http::field::vary, "Accept");
  c.respond(std::move(res));
}

void rest_router::fail(call& c, const failure& f) {
  auto res = error_response(c.shape, f);
  if (f.code == error_code::banned) {
    // Whole seconds until the ban ends, so that a client knows when to retry.
    const auto left = chats_.ban_remaining(c.client_key).value_or(std::chrono::seconds(1));
    res.set(http::field::retry_after, std::to_string(left.count()));
  }
  c.respond(std::move(res));
}

// --- Handlers ----------------------------------------------------------------

void rest_router::on_health(call& c) {
  const auto& board = chats_.board();
  server_messages::health_figures figures;
  figures.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - started_)
                         .count();
  figures.online = board.online();
  figures.waiting_text = board.waiting(chat_type::text);
  figures.waiting_video = board.waiting(chat_type::video);
  figures.chats = board.chats();
  figures.instance_websockets = connections_.websockets();
  figures.instances = chats_.cluster_instances();
  answer(c, http::status::ok, server_messages::health_body(figures));
}

void rest_router::on_metrics(call& c) {
  const auto uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  auto res = json_response(c.shape, http::status::ok,
                           stats_.render(chats_.board(), connections_.open(),
                                         connections_.websockets(), uptime,
                                         chats_.cluster_instances()) +
                               metrics::render_safety(chats_.safety(),
                                                      chats_.board().excluded_pairs()));
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  c.respond(std::move(res));
}

void rest_router::on_config(call& c) { answer(c, http::status::ok, config_body_); }

void rest_router::on_start(call& c) {
  chats_.handle(c.caller, std::move(c.command), c.client_key,
                [this, later = deferred_answer{c.shape, c.respond, &chats_, std::string(c.client_key)}](chat_service::rest_result r) {
                  if (r.refused) return later.fail(*r.refused);
                  later.ok(server_messages::started_body(*chats_.view(r.caller), r.token));
                });
}

void rest_router::on_start_video(call& c) {
  std::get<start_command>(c.command.body).type = chat_type::video;
  on_start(c);
}

void rest_router::on_chat_command(call& c) {
  chats_.handle(c.caller, std::move(c.command), c.client_key,
                [this, later = deferred_answer{c.shape, c.respond, &chats_, std::string(c.client_key)}](chat_service::rest_result r) {
                  if (r.refused) return later.fail(*r.refused);
                  later.ok(server_messages::state_body(*chats_.view(r.caller)));
                });
}

void rest_router::on_disconnect(call& c) {
  chats_.handle(c.caller, std::move(c.command), c.client_key,
                [later = deferred_answer{c.shape, c.respond, &chats_, std::string(c.client_key)}](chat_service::rest_result r) {
                  if (r.refused) return later.fail(*r.refused);
                  later.ok(server_messages::disconnected_body());
                });
}

void rest_router::on_turn_credentials(call& c) {
  auto grant = chats_.turn_credentials(*c.caller, c.command);
  if (auto* f = std::get_if<failure>(&grant)) return fail(c, *f);
  answer(c, http::status::ok,
         server_messages::turn_body(chats_.view(*c.caller)->chat_id, std::get<turn_grant>(grant)));
}

void rest_router::on_receive(call& c) {
  const auto receive = std::get<receive_command>(c.command.body);
  const auto who = *c.caller;  // /receive needs a token
  if (auto refused = chats_.check(who, c.command)) return fail(c, *refused);
  const auto wait = std::min(receive.wait, settings_.receive_max_wait);
  if (wait.count() <= 0 || chats_.has_events_after(who, receive.since) || connections_.stopping()) {
    return answer(c, http::status::ok, *chats_.receive_body(who, receive.since));
  }
  // Nothing yet: hold the answer until an event arrives or `wait` runs out.
  std::make_shared<long_poll>(ioc_, chats_, connections_, who, receive.since, std::move(c.shape),
                              std::move(c.respond))
      ->start(wait);
}

}  // namespace parley
