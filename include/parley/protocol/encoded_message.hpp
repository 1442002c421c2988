#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace parley {

/** One server message, ready for the wire.

    Most messages are one string. A relayed signal is the server's own few
    bytes around the partner's `data`, which is not copied into them: it is
    `spliced` in at `splice_at`, shared with the mailbox, and a WebSocket
    writes the three parts with one gather write.
*/
struct encoded_message {
  encoded_message() = default;
  /// A message that is one string.
  encoded_message(std::string whole) : text(std::move(whole)) {}  // NOLINT: implicit by design
  /// `around` with `middle` spliced in at `at`.
  encoded_message(std::string around, std::shared_ptr<const std::string> middle, std::size_t at)
      : text(std::move(around)), spliced(std::move(middle)), splice_at(at) {}

  std::string text;
  std::shared_ptr<const std::string> spliced;  ///< may be null
  std::size_t splice_at = 0;

  std::string_view before() const noexcept { return std::string_view(text).substr(0, splice_at); }
  std::string_view middle() const noexcept {
    return spliced ? std::string_view(*spliced) : std::string_view();
  }
  std::string_view after() const noexcept { return std::string_view(text).substr(splice_at); }

  std::size_t size() const noexcept { return text.size() + middle().size(); }
  /// Appends the whole message to `out` (for REST bodies).
  void append_to(std::string& out) const;
};

}  // namespace parley
