#include "origin_policy.hpp"

#include <algorithm>
#include <cctype>

namespace parley {
namespace {

std::string normalize(std::string_view origin) {
  std::string out(origin);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

/// True when `origin` is `base` or `base:PORT` with a numeric port.
bool is_host_on_any_port(std::string_view origin, std::string_view base) {
  if (origin.substr(0, base.size()) != base) return false;
  const auto rest = origin.substr(base.size());
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
  return std::all_of(rest.begin() + 1, rest.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

origin_policy::origin_policy(std::vector<std::string> websocket_origins,
                             std::vector<std::string> cors_origins) {
  for (const auto& o : websocket_origins) websocket_origins_.push_back(normalize(o));
  for (const auto& o : cors_origins) {
    if (o == "*") {
      cors_any_ = true;
    } else {
      cors_origins_.push_back(normalize(o));
    }
  }
}

bool origin_policy::websocket_allowed(std::string_view origin, std::string_view host) const {
  if (origin.empty()) return true;
  const auto o = normalize(origin);
  const auto h = normalize(host);
  if (!h.empty() && (o == "http://" + h || o == "https://" + h)) return true;
  for (const auto* local : {"http://localhost", "http://127.0.0.1", "http://[::1]"}) {
    if (is_host_on_any_port(o, local)) return true;
  }
  return std::find(websocket_origins_.begin(), websocket_origins_.end(), o) !=
         websocket_origins_.end();
}

std::optional<std::string> origin_policy::cors_allow(std::string_view origin) const {
  if (origin.empty()) return std::nullopt;
  if (cors_any_) return std::string("*");
  const auto o = normalize(origin);
  if (std::find(cors_origins_.begin(), cors_origins_.end(), o) != cors_origins_.end()) {
    return std::string(origin);
  }
  return std::nullopt;
}

}  // namespace parley
