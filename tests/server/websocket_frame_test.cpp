// The server's RFC 6455 frame format, without sockets.

#include <gtest/gtest.h>

#include <string>

#include "websocket_frame.hpp"

namespace parley::websocket_frame {
namespace {

std::string masked(std::uint8_t first, std::string_view payload, std::string length_bytes = {}) {
  std::string out;
  out.push_back(static_cast<char>(first));
  if (length_bytes.empty()) {
    out.push_back(static_cast<char>(0x80 | payload.size()));
  } else {
    out += length_bytes;
  }
  const char mask[4] = {1, 2, 3, 4};
  out.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return out;
}

TEST(WebSocketFrame, ServerHeadersUseTheShortestLengthForm) {
  const server_header small(opcode::text, 125);
  ASSERT_EQ(small.size, 2);
  EXPECT_EQ(static_cast<std::uint8_t>(small.bytes[0]), 0x81);
  EXPECT_EQ(static_cast<std::uint8_t>(small.bytes[1]), 125);

  const server_header medium(opcode::text, 126);
  ASSERT_EQ(medium.size, 4);
  EXPECT_EQ(static_cast<std::uint8_t>(medium.bytes[1]), 126);
  EXPECT_EQ(static_cast<std::uint8_t>(medium.bytes[2]), 0);
  EXPECT_EQ(static_cast<std::uint8_t>(medium.bytes[3]), 126);

  const server_header large(opcode::text, 70'000);
  ASSERT_EQ(large.size, 10);
  EXPECT_EQ(static_cast<std::uint8_t>(large.bytes[1]), 127);
  std::uint64_t length = 0;
  for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<std::uint8_t>(large.bytes[i]);
  EXPECT_EQ(length, 70'000u);

  const server_header close(opcode::close, 2);
  EXPECT_EQ(static_cast<std::uint8_t>(close.bytes[0]), 0x88);
}

TEST(WebSocketFrame, AMaskedFrameIsParsedAndUnmasked) {
  const std::string text = "{\"type\":\"typing\",\"active\":true}";  // odd length: tail bytes
  auto bytes = masked(0x81, text);
  client_frame f;
  ASSERT_EQ(parse(bytes.data(), bytes.size(), 1024, f), parse_status::frame);
  EXPECT_EQ(f.op, opcode::text);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.header_size, 6u);
  ASSERT_EQ(f.payload_size, text.size());
  unmask(bytes.data() + f.header_size, f.payload_size, f.mask);
  EXPECT_EQ(bytes.substr(f.header_size), text);
  // Every prefix is incomplete, not an error.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(parse(bytes.data(), n, 1024, f), parse_status::incomplete) << n;
  }
}

TEST(WebSocketFrame, BrokenFramingIsAProtocolError) {
  client_frame f;
  const std::string unmasked = "\x81\x02{}";
  EXPECT_EQ(parse(unmasked.data(), unmasked.size(), 1024, f), parse_status::protocol_error);
  const auto rsv = masked(0xC1, "{}");  // RSV1 without an extension
  EXPECT_EQ(parse(rsv.data(), rsv.size(), 1024, f), parse_status::protocol_error);
  const auto reserved_opcode = masked(0x83, "{}");
  EXPECT_EQ(parse(reserved_opcode.data(), reserved_opcode.size(), 1024, f), parse_status::protocol_error);
  const auto fragmented_ping = masked(0x09, "x");
  EXPECT_EQ(parse(fragmented_ping.data(), fragmented_ping.size(), 1024, f), parse_status::protocol_error);
  const auto long_ping = masked(0x89, std::string(126, 'x'), std::string("\xFE\x00\x7E", 3));
  EXPECT_EQ(parse(long_ping.data(), long_ping.size(), 1024, f), parse_status::protocol_error);
  // 16-bit length used for 5 bytes: not the shortest form.
  const auto padded = masked(0x81, "hello", std::string("\xFE\x00\x05", 3));
  EXPECT_EQ(parse(padded.data(), padded.size(), 1024, f), parse_status::protocol_error);
}

TEST(WebSocketFrame, AnOversizedMessageIsRefusedFromItsHeader) {
  client_frame f;
  // Only the header has arrived: a 1 MiB frame is refused before its payload.
  const std::string header = std::string("\x81\xFF", 2) + std::string("\x00\x00\x00\x00\x00\x10\x00\x00", 8);
  EXPECT_EQ(parse(header.data(), header.size(), 64 * 1024, f), parse_status::too_big);
  const auto exact = masked(0x81, std::string(200, 'a'), std::string("\xFE\x00\xC8", 3));
  EXPECT_EQ(parse(exact.data(), exact.size(), 200, f), parse_status::frame);
  EXPECT_EQ(parse(exact.data(), exact.size(), 199, f), parse_status::too_big);
}

}  // namespace
}  // namespace parley::websocket_frame
