#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parley/core/time_source.hpp"

namespace parley {

/** Notices the same message sent to many different strangers: the spam of
    random chats. It keeps, per sender and message, a 64-bit fingerprint of
    the text (never the text) and the strangers it went to, for `window`.

    Bounded: at `capacity` tracked messages, the oldest is forgotten.
    One thread.
*/
class spam_guard {
public:
  spam_guard(std::size_t strangers, std::chrono::seconds window, std::size_t capacity,
             const time_source& clock)
      : strangers_(strangers), window_(window), capacity_(capacity), clock_(clock) {}

  /// `sender` (its address key) sends `text` to the stranger `recipient`.
  /// True when that makes `strangers` different strangers within the window.
  bool sent(std::string_view sender, std::string_view text, std::string_view recipient);
  void purge();
  std::size_t size() const noexcept { return tracked_.size(); }

  /// One sender's message as tracked: its key (sender and fingerprint),
  /// when it was first sent, and to whom.
  struct tracked_message {
    std::string key;
    steady_time first{};
    std::vector<std::string> recipients;
  };
  /// Everything tracked, oldest first (a snapshot), and back.
  std::vector<tracked_message> save() const;
  void restore(const std::vector<tracked_message>& tracked);

private:
  struct entry {
    steady_time first{};
    std::vector<std::string> recipients;  ///< at most `strangers_`
  };
  static std::uint64_t fingerprint(std::string_view text) noexcept;

  std::size_t strangers_;
  std::chrono::seconds window_;
  std::size_t capacity_;
  const time_source& clock_;
  std::unordered_map<std::string, entry> tracked_;
  std::multimap<steady_time, std::string> by_start_;
};

}  // namespace parley
