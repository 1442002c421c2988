#include "parley/turn/turn_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <stdexcept>

namespace parley {

turn_credentials::turn_credentials(std::vector<std::string> urls, std::string secret,
                                   std::chrono::seconds ttl)
    : urls_(std::move(urls)), secret_(std::move(secret)), ttl_(ttl) {}

turn_grant turn_credentials::issue(std::int64_t now_unix_s, std::string_view opaque_id) const {
  turn_grant grant;
  grant.urls = urls_;
  grant.ttl_s = ttl_.count();
  grant.username = std::to_string(now_unix_s + ttl_.count());
  grant.username += ':';
  grant.username += opaque_id;
  grant.credential = credential_for(secret_, grant.username);
  return grant;
}

std::string turn_credentials::credential_for(std::string_view secret, std::string_view username) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(username.data()), username.size(), digest.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA1 failed");  // never the secret in the message
  }
  // Base64 of n bytes is 4*ceil(n/3) characters, plus the NUL EVP_EncodeBlock writes.
  std::string out(4 * ((length + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest.data(),
                      static_cast<int>(length));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

}  // namespace parley
