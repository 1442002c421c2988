#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/core/ban_list.hpp"
#include "parley/core/failure.hpp"
#include "parley/core/report_log.hpp"

namespace parley {

/// `POST /admin/bans`: whom to ban (one of the two), for how long and why.
struct admin_ban_request {
  std::string user_id;  ///< an online participant's public id
  std::string address;  ///< a client address, as the server sees it (hashed before use)
  std::chrono::seconds duration{0};
  std::string reason;
};

/// The admin API's JSON (docs/openapi.yaml, admin_* definitions of the schema).
namespace admin_messages {

/// Longest ban, and longest reason, an operator may give.
inline constexpr std::int64_t max_ban_s = 365LL * 24 * 3600;
inline constexpr std::size_t max_reason_chars = 200;

std::variant<admin_ban_request, failure> decode_ban_request(std::string_view body);
/// `{"reports":[...]}`, newest first.
std::string reports_body(const std::deque<report>& reports);
/// `{"bans":[...]}`; `now_ms` gives each its remaining seconds.
std::string bans_body(const std::vector<ban>& bans, std::int64_t now_ms);
std::string ban_body(const ban& b, std::int64_t now_ms);
std::string lifted_body(std::string_view id);

}  // namespace admin_messages
}  // namespace parley
