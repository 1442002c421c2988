// libFuzzer target: an arbitrary HTTP request (any method, target, headers
// and body) through Beast's parser, the request screen and the REST router,
// against a fresh chat service each time.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connection_tracker.hpp"
#include "metrics.hpp"
#include "origin_policy.hpp"
#include "parley/app/chat_service.hpp"
#include "parley/core/token_source.hpp"
#include "parley/core/time_source.hpp"
#include "request_screen.hpp"
#include "rest_router.hpp"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One line per event at info level would drown the fuzzer's output.
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  static boost::asio::io_context ioc;
  static const parley::system_time_source clock;
  static parley::random_token_source tokens;
  static const parley::origin_policy origins({}, {"https://ok.example"});
  static parley::metrics stats;

  http::request_parser<http::string_body> parser;
  parser.header_limit(parley::request_screen::header_limit);
  parser.body_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec && !parser.is_done()) return 0;
  const auto& req = parser.get();
  if (parley::request_screen::check_fields(req)) return 0;

  parley::chat_service chats(parley::chat_limits{}, clock, tokens);
  parley::connection_tracker connections;
  parley::rest_settings settings;
  settings.receive_max_wait = std::chrono::milliseconds(0);  // no long poll outlives the input
  parley::rest_router router(ioc, chats, origins, connections, stats, settings);
  // The same request twice: the second may find the identity the first made.
  for (int i = 0; i < 2; ++i) {
    router.handle(req, "fuzz-address", [](parley::http_reply reply) { (void)reply; });
  }
  ioc.poll();
  return 0;
}
