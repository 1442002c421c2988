#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace parley {

/// TURN credentials for one participant, as a browser needs them: the relay's
/// URLs and an ephemeral username/credential pair (TURN REST API, see
/// turn_credentials.hpp). Plain data: the protocol encodes it, the app hands it
/// out, the turn module makes it.
struct turn_grant {
  std::vector<std::string> urls;
  std::string username;    ///< `<expiry unix time>:<opaque id>`
  std::string credential;  ///< base64(HMAC-SHA1(secret, username))
  std::int64_t ttl_s = 0;  ///< seconds until the username expires
};

}  // namespace parley
