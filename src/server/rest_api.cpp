#include "parley/server/rest_api.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "parley/core/client_command.hpp"
#include "parley/server/long_poll.hpp"
#include "parley/server/server_state.hpp"

namespace parley {
namespace {

using json = nlohmann::json;

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

struct route {
  std::string_view path;
  http::verb method;
};

constexpr route routes[] = {
    {"/", http::verb::get},  // the health check, for clients that do not ask for HTML
    {"/health", http::verb::get},     {"/metrics", http::verb::get},
    {"/config", http::verb::get},     {"/start", http::verb::post},
    {"/start_video", http::verb::post}, {"/send", http::verb::post},
    {"/signal", http::verb::post},    {"/typing", http::verb::post},
    {"/receive", http::verb::post},   {"/next", http::verb::post},
    {"/disconnect", http::verb::post},
};

const route* find_route(std::string_view path) {
  for (const auto& r : routes) {
    if (r.path == path) return &r;
  }
  return nullptr;
}

/// The current session as JSON: its id, or null when not matched.
json session_json(const participant& p) {
  const auto id = current_session_id(p);
  return id.empty() ? json(nullptr) : json(id);
}

/// Everything a POST handler needs: the parsed body and the caller.
struct call {
  json body = json::object();
  participant* caller = nullptr;
};

}  // namespace

bool rest_api::owns(std::string_view path) noexcept {
  return find_route(path_of(path)) != nullptr;
}

std::string rest_api::receive_body(server_state& state, const participant& p,
                                   std::uint64_t since) {
  const auto events = state.sessions.events_after(p, since);
  // The events are stored serialised: splice them in rather than re-parse.
  std::string out = R"({"status":")";
  out += to_string(p.status);
  out += R"(","session_id":)";
  out += session_json(p).dump();
  out += R"(,"events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i != 0) out += ',';
    out += *events[i].json;
  }
  const auto next = events.empty() ? std::min(since, p.last_seq) : events.back().seq;
  out += R"(],"next":)";
  out += std::to_string(next);
  out += '}';
  return out;
}

void rest_api::handle(http_request&& req, const responder& respond) {
  const auto path = path_of(req.target());
  const auto* r = find_route(path);
  const auto origin = req[http::field::origin];
  const auto cors = state_.origins.cors_allow(origin);

  // Every API answer carries the CORS headers its origin is allowed.
  const bool head = req.method() == http::verb::head;
  auto send = [respond, cors, head](http_response res) {
    if (head) {
      // Same headers as GET, no body.
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    if (cors) {
      res.set(http::field::access_control_allow_origin, *cors);
      res.set(http::field::vary, "Origin");
    }
    respond(http_reply{std::move(res)});
  };
  auto fail = [&](error_code code, std::string_view message) {
    send(error_response(req, code, message));
  };
  if (r == nullptr) return fail(error_code::not_found, "no such endpoint");

  if (req.method() == http::verb::options) {
    if (!origin.empty() && !cors) return fail(error_code::forbidden, "origin not allowed");
    http_response res{http::status::no_content, req.version()};
    add_security_headers(res.base());
    res.set(http::field::allow, r->method == http::verb::get ? "GET, HEAD, OPTIONS" : "POST, OPTIONS");
    res.set(http::field::access_control_allow_methods, "GET, POST, OPTIONS");
    res.set(http::field::access_control_allow_headers, "Authorization, Content-Type");
    res.set(http::field::access_control_max_age, "600");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return send(std::move(res));
  }
  const bool head_for_get = r->method == http::verb::get && req.method() == http::verb::head;
  if (req.method() != r->method && !head_for_get) {
    auto res = error_response(req, error_code::method_not_allowed,
                              "use " + std::string(http::to_string(r->method)) + " " +
                                  std::string(path));
    res.set(http::field::allow, r->method == http::verb::get ? "GET, HEAD" : "POST, OPTIONS");
    return send(std::move(res));
  }

  auto& sessions = state_.sessions;
  if (path == "/health" || path == "/") {
    json body = {{"status", "ok"},
                 {"version", PARLEY_VERSION},
                 {"uptime_s", static_cast<std::int64_t>(state_.uptime_s())},
                 {"online", sessions.online()},
                 {"waiting",
                  {{"text", sessions.waiting(chat_type::text)},
                   {"video", sessions.waiting(chat_type::video)}}},
                 {"sessions", sessions.sessions()}};
    auto res = json_response(req, http::status::ok, body.dump());
    // `/` answers HTML or JSON depending on Accept: caches must know.
    if (path == "/") res.set(http::field::vary, "Accept");
    return send(std::move(res));
  }
  if (path == "/metrics") {
    auto res = json_response(req, http::status::ok,
                             state_.stats.render(sessions, state_.open_connections,
                                                 state_.registry.websockets(), state_.uptime_s()));
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    return send(std::move(res));
  }
  if (path == "/config") {
    json servers = json::array();
    if (!state_.cfg.ice_servers.empty()) servers.push_back({{"urls", state_.cfg.ice_servers}});
    return send(json_response(req, http::status::ok, json{{"ice_servers", servers}}.dump()));
  }

  // POST endpoints: a JSON object body (optional where no field is required).
  call c;
  if (!req.body().empty()) {
    auto parsed = parse_json(req.body());
    if (!parsed) return fail(error_code::bad_request, "the body is not valid JSON");
    if (!parsed->is_object()) return fail(error_code::bad_request, "the body must be a JSON object");
    c.body = std::move(*parsed);
  }

  // The caller: a bearer token, or a "token" field.
  std::string token;
  const auto authorization = req[http::field::authorization];
  if (!authorization.empty()) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() ||
        !boost::beast::iequals(authorization.substr(0, scheme.size()), scheme)) {
      return fail(error_code::unauthorized, "use Authorization: Bearer <token>");
    }
    token = std::string(authorization.substr(scheme.size()));
  } else if (const auto it = c.body.find("token"); it != c.body.end() && !it->is_null()) {
    if (!it->is_string()) return fail(error_code::bad_request, "token must be a string");
    token = it->get<std::string>();
  }
  if (!token.empty()) {
    c.caller = sessions.find_by_token(token);
    if (c.caller == nullptr) return fail(error_code::unauthorized, "unknown or expired token");
    sessions.touch(*c.caller);
  }

  if (path == "/start" || path == "/start_video") {
    std::vector<std::string> interests;
    if (auto f = read_interests(c.body, sessions.limits(), interests)) {
      return fail(f->code, f->message);
    }
    const bool created = c.caller == nullptr;
    auto& p = created ? sessions.create() : *c.caller;
    const auto type = path == "/start_video" ? chat_type::video : chat_type::text;
    sessions.start(p, type, std::move(interests));
    spdlog::info("participant {} started {} chat ({})", p.user_id, to_string(type),
                 created ? "new" : "again");
    json body = {{"user_id", p.user_id},
                 {"token", p.token},
                 {"chat_type", to_string(p.type)},
                 {"status", to_string(p.status)},
                 {"session_id", session_json(p)}};
    return send(json_response(req, http::status::ok, body.dump()));
  }

  if (c.caller == nullptr) {
    return fail(error_code::unauthorized, "call /start first, then send its token");
  }
  auto& p = *c.caller;

  // A session_id, when given, must name the caller's current chat.
  if (path == "/send" || path == "/signal" || path == "/typing") {
    if (const auto it = c.body.find("session_id"); it != c.body.end() && !it->is_null()) {
      if (!it->is_string()) return fail(error_code::bad_request, "session_id must be a string");
      if (p.status != participant_status::matched ||
          it->get_ref<const std::string&>() != p.session_id) {
        return fail(error_code::session_mismatch, "that is not your current chat");
      }
    }
  }

  auto ok = [&](json body) { send(json_response(req, http::status::ok, body.dump())); };
  auto status_body = [&](const participant& who) {
    return json{{"status", to_string(who.status)}, {"session_id", session_json(who)}};
  };

  if (path == "/send") {
    std::string text;
    if (auto f = read_text(c.body, "message", sessions.limits(), text)) return fail(f->code, f->message);
    if (auto f = sessions.send_message(p, text)) return fail(f->code, f->message);
    return ok(status_body(p));
  }
  if (path == "/signal") {
    std::string data;
    if (auto f = read_signal_data(c.body, sessions.limits(), data)) return fail(f->code, f->message);
    if (auto f = sessions.send_signal(p, data)) return fail(f->code, f->message);
    return ok(status_body(p));
  }
  if (path == "/typing") {
    bool active = false;
    if (auto f = read_bool(c.body, "active", active)) return fail(f->code, f->message);
    if (auto f = sessions.send_typing(p, active)) return fail(f->code, f->message);
    return ok(status_body(p));
  }
  if (path == "/next") {
    if (auto f = sessions.next(p)) return fail(f->code, f->message);
    return ok(status_body(p));
  }
  if (path == "/disconnect") {
    spdlog::info("participant {} disconnected", p.user_id);
    sessions.end(p, leave_reason::left);
    return ok(json{{"status", "disconnected"}});
  }

  // /receive
  std::optional<std::uint64_t> since;
  if (auto f = read_seq(c.body, "since", since)) return fail(f->code, f->message);
  double wait_s = 0;
  if (const auto it = c.body.find("wait"); it != c.body.end() && !it->is_null()) {
    if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0) {
      return fail(error_code::bad_request, "wait must be a non-negative number of seconds");
    }
    wait_s = it->get<double>();
  }
  const auto from = since.value_or(0);
  const auto wait = std::min(std::chrono::milliseconds(static_cast<std::int64_t>(wait_s * 1000)),
                             state_.cfg.receive_max_wait);
  if (wait.count() <= 0 || !sessions.events_after(p, from).empty() || state_.stopping) {
    return send(json_response(req, http::status::ok, receive_body(state_, p, from)));
  }
  // Nothing yet: hold the request until an event arrives or `wait` runs out.
  auto poll = std::make_shared<long_poll>(state_, p.id, from, std::move(req), std::move(send));
  poll->start(wait);
}

}  // namespace parley
