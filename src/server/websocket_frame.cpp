#include "websocket_frame.hpp"

#include <cstring>

namespace parley::websocket_frame {

server_header::server_header(opcode op, std::size_t payload_size) noexcept {
  bytes[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(op));  // FIN
  if (payload_size < 126) {
    bytes[1] = static_cast<char>(payload_size);
    size = 2;
  } else if (payload_size <= 0xFFFF) {
    bytes[1] = 126;
    bytes[2] = static_cast<char>(payload_size >> 8);
    bytes[3] = static_cast<char>(payload_size & 0xFF);
    size = 4;
  } else {
    bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      bytes[2 + i] = static_cast<char>((static_cast<std::uint64_t>(payload_size) >> (56 - 8 * i)) & 0xFF);
    }
    size = 10;
  }
}

parse_status parse(const char* data, std::size_t size, std::size_t max_payload,
                   client_frame& out) noexcept {
  if (size < 2) return parse_status::incomplete;
  const auto b0 = static_cast<std::uint8_t>(data[0]);
  const auto b1 = static_cast<std::uint8_t>(data[1]);
  if ((b0 & 0x70) != 0) return parse_status::protocol_error;  // RSV1-3
  if ((b1 & 0x80) == 0) return parse_status::protocol_error;  // clients must mask
  const auto op = static_cast<std::uint8_t>(b0 & 0x0F);
  const bool control = (op & 0x08) != 0;
  switch (op) {
    case 0x0: case 0x1: case 0x2: case 0x8: case 0x9: case 0xA: break;
    default: return parse_status::protocol_error;
  }
  out.op = static_cast<opcode>(op);
  out.fin = (b0 & 0x80) != 0;
  std::uint64_t length = b1 & 0x7F;
  std::size_t header = 2;
  if (control && (!out.fin || length > max_control_payload)) return parse_status::protocol_error;
  if (length == 126) {
    if (size < 4) return parse_status::incomplete;
    length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[2])) << 8) |
             static_cast<std::uint8_t>(data[3]);
    if (length < 126) return parse_status::protocol_error;  // not the shortest form
    header = 4;
  } else if (length == 127) {
    if (size < 10) return parse_status::incomplete;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(data[2 + i]);
    if (length >> 63) return parse_status::protocol_error;
    if (length <= 0xFFFF) return parse_status::protocol_error;
    header = 10;
  }
  if (!control && length > max_payload) return parse_status::too_big;
  if (size < header + 4) return parse_status::incomplete;
  std::memcpy(out.mask.data(), data + header, 4);
  header += 4;
  out.header_size = header;
  out.payload_size = static_cast<std::size_t>(length);
  if (size - header < out.payload_size) return parse_status::incomplete;
  return parse_status::frame;
}

void unmask(char* payload, std::size_t size, const std::array<std::uint8_t, 4>& mask) noexcept {
  // Eight bytes at a time with the key repeated, then the tail.
  std::uint64_t key8 = 0;
  std::uint8_t key_bytes[8];
  for (int i = 0; i < 8; ++i) key_bytes[i] = mask[static_cast<std::size_t>(i % 4)];
  std::memcpy(&key8, key_bytes, 8);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, payload + i, 8);
    word ^= key8;
    std::memcpy(payload + i, &word, 8);
  }
  for (; i < size; ++i) payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
}

}  // namespace parley::websocket_frame
