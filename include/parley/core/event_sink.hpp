#pragma once

#include "parley/core/event.hpp"
#include "parley/core/participant.hpp"

namespace parley {

/// How the session manager tells the transport that something happened, so
/// that it can push to sockets and wake long polls. Implementations must not
/// call back into the session manager from these functions: defer instead.
class event_sink {
public:
  virtual ~event_sink() = default;
  /// `e` was just added to the mailbox of `p`.
  virtual void on_event(const participant& p, const event& e) = 0;
  /// `first` and `second` were just paired (for logs and metrics).
  virtual void on_matched(const participant& first, const participant& second) = 0;
  /// `p` is gone for good, for `reason`: its token is refused from now on.
  virtual void on_ended(const participant& p, leave_reason reason) = 0;
};

}  // namespace parley
