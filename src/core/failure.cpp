#include "parley/core/failure.hpp"

namespace parley {

std::string_view to_string(error_code code) noexcept {
  switch (code) {
    case error_code::bad_request: return "bad_request";
    case error_code::unauthorized: return "unauthorized";
    case error_code::not_found: return "not_found";
    case error_code::method_not_allowed: return "method_not_allowed";
    case error_code::not_matched: return "not_matched";
    case error_code::session_mismatch: return "session_mismatch";
    case error_code::payload_too_large: return "payload_too_large";
    case error_code::not_started: return "not_started";
    case error_code::unknown_type: return "unknown_type";
    case error_code::replaced: return "replaced";
    case error_code::forbidden: return "forbidden";
    case error_code::rate_limited: return "rate_limited";
    case error_code::banned: return "banned";
    case error_code::unavailable: return "unavailable";
  }
  return "bad_request";
}

}  // namespace parley
