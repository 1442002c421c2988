// libFuzzer target: client command decoding, as a WebSocket frame and as the
// REST body of every route. Any input must decode or fail cleanly.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parley/core/chat_limits.hpp"
#include "parley/protocol/client_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parley::chat_limits limits{};
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)parley::decode_frame(input, limits);
  for (const auto type : {parley::command_type::start, parley::command_type::message,
                          parley::command_type::typing, parley::command_type::signal,
                          parley::command_type::next, parley::command_type::receive,
                          parley::command_type::disconnect, parley::command_type::turn_credentials}) {
    (void)parley::decode_body(type, input, limits);
  }
  return 0;
}
