#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parley/turn/turn_grant.hpp"

namespace parley {

/** Ephemeral TURN credentials as in the TURN REST API that coturn implements
    (`use-auth-secret` + `static-auth-secret`):

        username   = "<expiry as Unix seconds>:<opaque id>"
        credential = base64(HMAC-SHA1(secret, username))

    coturn recomputes the credential from the username and its copy of the
    secret, and refuses the username once its expiry has passed. The opaque id
    is chosen by the caller and must carry no personal data (parley uses a
    fresh random id per grant, never the token or user id).

    Pure given (secret, ttl, now, opaque id): no clock, no randomness, so it is
    known-answer tested. The secret is kept here and never shown.
*/
class turn_credentials {
public:
  turn_credentials(std::vector<std::string> urls, std::string secret, std::chrono::seconds ttl);

  /// Credentials valid from `now_unix_s` for the configured ttl.
  turn_grant issue(std::int64_t now_unix_s, std::string_view opaque_id) const;

  /// base64(HMAC-SHA1(secret, username)), the password coturn expects.
  static std::string credential_for(std::string_view secret, std::string_view username);

  std::chrono::seconds ttl() const noexcept { return ttl_; }

private:
  std::vector<std::string> urls_;
  std::string secret_;
  std::chrono::seconds ttl_;
};

}  // namespace parley
