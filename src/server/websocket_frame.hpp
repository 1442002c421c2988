#pragma once

// The WebSocket wire format (RFC 6455 section 5) as the server needs it:
// headers of the unmasked frames it sends, and the masked frames clients
// send, parsed in place. No I/O here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace parley::websocket_frame {

enum class opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// The largest header the server sends (no mask): 2 + 8 bytes.
inline constexpr std::size_t max_server_header = 10;
/// The largest payload of a control frame.
inline constexpr std::size_t max_control_payload = 125;

/// The header of one unmasked, final frame of `payload_size` bytes.
struct server_header {
  std::array<char, max_server_header> bytes{};
  std::uint8_t size = 0;

  server_header() = default;
  server_header(opcode op, std::size_t payload_size) noexcept;
  std::string_view view() const noexcept { return {bytes.data(), size}; }
};

/// What the parser found at the start of a buffer.
enum class parse_status {
  frame,       ///< a whole frame: `header` and `payload` are set
  incomplete,  ///< more bytes are needed
  protocol_error,  ///< broken framing: close with 1002
  too_big,     ///< payload over the limit: close with 1009
};

struct client_frame {
  opcode op = opcode::text;
  bool fin = true;
  std::size_t header_size = 0;
  std::size_t payload_size = 0;
  std::array<std::uint8_t, 4> mask{};
};

/** Parses the client frame at the start of [data, data+size). A frame must
    be masked, use no reserved bits (no extension is negotiated) and, when
    it is a control frame, be final with at most 125 bytes. Data frames over
    `max_payload` are `too_big` as soon as their header says so.
*/
parse_status parse(const char* data, std::size_t size, std::size_t max_payload,
                   client_frame& out) noexcept;

/// Removes the client's mask from `payload` in place.
void unmask(char* payload, std::size_t size, const std::array<std::uint8_t, 4>& mask) noexcept;

}  // namespace parley::websocket_frame
