#include "parley/config/redis_url.hpp"

#include <charconv>

namespace parley {
namespace {

constexpr std::string_view scheme = "redis://";
constexpr int max_db = 15;  // Redis' default `databases 16`

template <typename Number>
bool parse_number(std::string_view text, Number& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string redis_url::redacted() const {
  std::string out(scheme);
  if (!password.empty()) out += ":***@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port);
  if (db != 0) out += '/' + std::to_string(db);
  return out;
}

std::variant<redis_url, std::string> parse_redis_url(std::string_view text) {
  if (!text.starts_with(scheme)) return std::string("expected redis://[:password@]host:port[/db]");
  auto rest = text.substr(scheme.size());
  redis_url url;
  // The password ends at the last '@': a password may itself contain '@'.
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (!credentials.starts_with(':') || credentials.size() < 2) {
      return std::string("the credentials must be ':password@' (Redis AUTH without a user name)");
    }
    url.password = std::string(credentials.substr(1));
  }
  auto authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const auto db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_number(db, url.db) || url.db < 0 || url.db > max_db)) {
      return std::string("the database must be a number from 0 to 15");
    }
  }
  std::string_view port;
  if (authority.starts_with('[')) {  // an IPv6 address
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::string("unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return std::string("expected ':port' after the host");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::string("the host is missing");
  if (!port.empty() && (!parse_number(port, url.port) || url.port == 0)) {
    return std::string("the port must be a number from 1 to 65535");
  }
  return url;
}

}  // namespace parley
