// libFuzzer target: a WebSocket session fed arbitrary bytes as the client
// side (handshake, then frames) over beast::test::stream, with parley's frame
// limit; every message read goes through decode_frame into a chat service,
// as websocket_connection does.

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "parley/app/chat_service.hpp"
#include "parley/core/token_source.hpp"
#include "parley/core/time_source.hpp"
#include "parley/protocol/client_command.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

/// A channel that takes every message (the socket's writes are not the point).
class sink_channel final : public parley::participant_channel {
public:
  bool push(parley::encoded_message message, std::uint64_t) override {
    std::string text;
    message.append_to(text);
    return true;
  }
  void release(parley::channel_release) override { released = true; }
  bool released = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One line per event at info level would drown the fuzzer's output.
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  static const parley::system_time_source clock;
  static parley::random_token_source tokens;
  boost::asio::io_context ioc;
  beast::test::stream remote(ioc);
  websocket::stream<beast::test::stream> ws(ioc);
  ws.next_layer().connect(remote);
  // A valid handshake first, so that the frames after it are reached often.
  static const std::string handshake =
      "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool raw_handshake = size > 0 && data[0] == 'G';  // else the fixed one precedes it
  ws.next_layer().append(raw_handshake ? std::string_view{} : std::string_view(handshake));
  ws.next_layer().append(input);
  ws.next_layer().close_remote();
  ws.read_message_max(64 * 1024);

  parley::chat_service chats(parley::chat_limits{}, clock, tokens);
  sink_channel a, b;
  parley::participant_id pa = 0;
  beast::error_code ec;
  ws.accept(ec);
  if (ec) return 0;
  pa = chats.open(a);
  const auto pb = chats.open(b);
  chats.handle(pb, b, parley::client_command{parley::start_command{}, std::nullopt});
  beast::flat_buffer buffer;
  for (int frames = 0; frames < 64 && pa != 0; ++frames) {
    ws.read(buffer, ec);
    if (ec) break;
    const auto bytes = buffer.data();
    auto decoded = parley::decode_frame(
        std::string_view(static_cast<const char*>(bytes.data()), bytes.size()), chats.limits());
    if (auto* command = std::get_if<parley::client_command>(&decoded)) {
      pa = chats.handle(pa, a, std::move(*command));
    }
    buffer.consume(buffer.size());
  }
  if (pa != 0) chats.close(pa, a, parley::channel_end::dropped);
  return 0;
}
