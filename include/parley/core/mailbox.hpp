#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "parley/core/event.hpp"

namespace parley {

/** The last events of one participant, oldest first, with increasing seq.

    A ring over a vector: it keeps at most the limit it is given, drops the
    oldest beyond that, and allocates nothing while empty (most participants
    of a busy server are idle or waiting and never receive an event).
*/
class mailbox {
public:
  /// Appends `e` (its seq greater than any kept), dropping the oldest event
  /// when `limit` are kept already. A limit of 0 keeps nothing.
  void push(event e, std::size_t limit);

  /// The kept events with a seq greater than `since`, oldest first.
  std::vector<event> after(std::uint64_t since) const;
  /// Whether any kept event has a seq greater than `since`.
  bool has_after(std::uint64_t since) const noexcept;

  std::size_t size() const noexcept { return ring_.size(); }
  bool empty() const noexcept { return ring_.empty(); }

private:
  /// The i-th oldest kept event.
  const event& at(std::size_t i) const noexcept { return ring_[(head_ + i) % ring_.size()]; }
  /// Index (oldest first) of the first event with a seq greater than `since`.
  std::size_t first_after(std::uint64_t since) const noexcept;

  std::vector<event> ring_;
  std::size_t head_ = 0;  ///< where the oldest event is once the ring is full
};

}  // namespace parley
