#include "admin_router.hpp"

#include <spdlog/spdlog.h>

#include "parley/protocol/admin_messages.hpp"

namespace parley {
namespace {

constexpr std::string_view prefix = "/admin/";
constexpr std::string_view bans_path = "/admin/bans";

http_response method_not_allowed(const http_request& req, std::string_view allow) {
  auto res = error_response(req, error_code::method_not_allowed, "use " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

}  // namespace

admin_router::admin_router(std::string token, chat_service& chats, const keyed_hash& hashes,
                           const time_source& clock)
    : token_(std::move(token)), chats_(chats), hashes_(hashes), clock_(clock) {}

bool admin_router::owns(std::string_view path) const noexcept {
  return !token_.empty() && (path.substr(0, prefix.size()) == prefix || path == "/admin");
}

void admin_router::handle(const http_request& req,
                          std::function<void(http_response)> respond) const {
  const auto target = std::string_view(req.target());
  const auto path = target.substr(0, target.find_first_of("?#"));
  constexpr std::string_view scheme = "Bearer ";
  const auto authorization = req[http::field::authorization];
  const bool authorized =
      authorization.size() > scheme.size() &&
      boost::beast::iequals(authorization.substr(0, scheme.size()), scheme) &&
      constant_time_equal(authorization.substr(scheme.size()), token_);
  if (!authorized) {
    auto res = error_response(req, error_code::unauthorized, "use Authorization: Bearer <ADMIN_TOKEN>");
    res.set(http::field::www_authenticate, "Bearer");
    return respond(std::move(res));
  }
  route(req, path, [respond = std::move(respond)](http_response res) {
    // Nothing of the admin API may be kept by a cache on the way.
    res.set(http::field::cache_control, "no-store");
    respond(std::move(res));
  });
}

void admin_router::route(const http_request& req, std::string_view path,
                         const std::function<void(http_response)>& respond) const {
  const auto now_ms = clock_.unix_ms();
  if (path == "/admin/reports") {
    if (req.method() != http::verb::get) return respond(method_not_allowed(req, "GET"));
    return respond(json_response(req, http::status::ok,
                                 admin_messages::reports_body(chats_.safety().reports().recent())));
  }
  if (path == bans_path) {
    if (req.method() == http::verb::get) {
      return respond(json_response(
          req, http::status::ok, admin_messages::bans_body(chats_.safety().bans().list(), now_ms)));
    }
    if (req.method() != http::verb::post) return respond(method_not_allowed(req, "GET, POST"));
    auto decoded = admin_messages::decode_ban_request(req.body());
    if (auto* f = std::get_if<failure>(&decoded)) {
      return respond(error_response(req, f->code, f->message));
    }
    auto& ask = std::get<admin_ban_request>(decoded);
    chats_.impose_ban(ban_entry{ask.address.empty() ? std::string() : hashes_(ask.address), ask.user_id,
                         ask.reason, ask.duration.count()},
               [this, shape = shape_of(req), respond](std::variant<ban, failure> made) {
                 if (auto* f = std::get_if<failure>(&made)) {
                   return respond(error_response(shape, *f));
                 }
                 // The time after the ban was made: before it, the remaining
                 // seconds could round up past the duration asked for.
                 respond(json_response(shape, http::status::created,
                                       admin_messages::ban_body(std::get<ban>(made),
                                                                clock_.unix_ms())));
               });
    return;
  }
  if (path.size() > bans_path.size() + 1 && path.substr(0, bans_path.size() + 1) == "/admin/bans/") {
    if (req.method() != http::verb::delete_) return respond(method_not_allowed(req, "DELETE"));
    auto id = std::string(path.substr(bans_path.size() + 1));
    chats_.lift_ban(id, [shape = shape_of(req), respond, id](bool lifted) {
      if (!lifted) return respond(error_response(shape, {error_code::not_found, "no such ban"}));
      respond(json_response(shape, http::status::ok, admin_messages::lifted_body(id)));
    });
    return;
  }
  respond(error_response(req, error_code::not_found, "no such endpoint"));
}

}  // namespace parley
