#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace parley {

/// What went wrong with a client's request, as a stable code that both
/// transports show to clients (`{"error":{"code":...}}` or `{"type":"error","code":...}`).
enum class error_code {
  bad_request,
  unauthorized,
  not_found,
  method_not_allowed,
  not_matched,
  session_mismatch,
  payload_too_large,
  not_started,
  unknown_type,
  replaced,
  forbidden,
  rate_limited,  ///< over a rate or per-address limit (REST 429 with Retry-After)
  banned,
  unavailable,  ///< the cluster's Redis cannot be reached: try again shortly
};

std::string_view to_string(error_code code) noexcept;

/// A refused request: a code and a human-readable sentence.
struct failure {
  error_code code;
  std::string message;
  /// rate_limited: when the client may try again (REST Retry-After).
  std::chrono::seconds retry_after{0};
};

}  // namespace parley
