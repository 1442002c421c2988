#pragma once

#include "parley/turn/turn_grant.hpp"

namespace parley {

/** Where the chat service gets TURN credentials, injected like the clock and
    the token source (the app does no cryptography). The server wires it to
    turn_credentials with the real clock and a random opaque id; tests use a
    fake. The chat service decides who gets a grant: only participants matched
    in a video chat.
*/
class turn_source {
public:
  /// Fresh credentials, valid from now for the configured lifetime.
  virtual turn_grant issue() = 0;

protected:
  ~turn_source() = default;
};

}  // namespace parley
