#pragma once

#include <string>
#include <string_view>

namespace parley {

/** A keyed hash (HMAC-SHA256 with a server secret), hex-encoded and cut to
    128 bits: what parley keeps instead of a client address or a token.

    Without the secret the hash cannot be reversed by trying every IPv4
    address, and two servers given the same secret (a cluster) agree on it.
    The secret is held here and never shown.
*/
class keyed_hash {
public:
  /// Length of every result, in hex characters.
  static constexpr std::size_t hex_length = 32;

  explicit keyed_hash(std::string secret);

  /// hex(HMAC-SHA256(secret, `value`))[0, hex_length).
  std::string operator()(std::string_view value) const;

  /// A fresh random secret (32 bytes from the OS, hex): used when none is configured.
  static std::string random_secret();

private:
  std::string secret_;
};

/// Compares in time that depends only on the lengths, never on where the
/// inputs first differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace parley
