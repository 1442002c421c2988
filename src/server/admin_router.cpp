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

http_response admin_router::handle(const http_request& req) const {
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
    return res;
  }
  auto res = route(req, path);
  // Nothing of the admin API may be kept by a cache on the way.
  res.set(http::field::cache_control, "no-store");
  return res;
}

http_response admin_router::route(const http_request& req, std::string_view path) const {
  const auto now_ms = clock_.unix_ms();
  if (path == "/admin/reports") {
    if (req.method() != http::verb::get) return method_not_allowed(req, "GET");
    return json_response(req, http::status::ok,
                         admin_messages::reports_body(chats_.safety().reports().recent()));
  }
  if (path == bans_path) {
    if (req.method() == http::verb::get) {
      return json_response(req, http::status::ok,
                           admin_messages::bans_body(chats_.safety().bans().list(), now_ms));
    }
    if (req.method() != http::verb::post) return method_not_allowed(req, "GET, POST");
    auto decoded = admin_messages::decode_ban_request(req.body());
    if (auto* f = std::get_if<failure>(&decoded)) return error_response(req, f->code, f->message);
    auto& ask = std::get<admin_ban_request>(decoded);
    if (!ask.address.empty()) {
      const auto b = chats_.ban_address(hashes_(ask.address), ask.reason, ask.duration);
      // The time after the ban was made: before it, the remaining seconds
      // could round up past the duration asked for.
      return json_response(req, http::status::created,
                           admin_messages::ban_body(b, clock_.unix_ms()));
    }
    auto banned = chats_.ban_user(ask.user_id, ask.reason, ask.duration);
    if (auto* f = std::get_if<failure>(&banned)) return error_response(req, f->code, f->message);
    return json_response(req, http::status::created,
                         admin_messages::ban_body(std::get<ban>(banned), clock_.unix_ms()));
  }
  if (path.size() > bans_path.size() + 1 && path.substr(0, bans_path.size() + 1) == "/admin/bans/") {
    if (req.method() != http::verb::delete_) return method_not_allowed(req, "DELETE");
    const auto id = path.substr(bans_path.size() + 1);
    if (!chats_.lift_ban(id)) return error_response(req, error_code::not_found, "no such ban");
    return json_response(req, http::status::ok, admin_messages::lifted_body(id));
  }
  return error_response(req, error_code::not_found, "no such endpoint");
}

}  // namespace parley
