// The WebSocket channel against the real server over real sockets.

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <sys/socket.h>
#include <sys/time.h>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_client.hpp"
#include "test_server.hpp"
#include "wire_log.hpp"

namespace parley::testing {
namespace {

/// A connected client that has read its hello.
struct peer {
  peer(client_io& io, std::uint16_t port) : ws(std::make_unique<ws_client>(io, port)) {
    hello = ws->receive();
    EXPECT_EQ(hello["type"], "hello");
  }
  json start(const std::string& type = "video", const json& interests = json::array()) {
    ws->send({{"type", "start"}, {"chat_type", type}, {"interests", interests}});
    return ws->receive();
  }
  std::unique_ptr<ws_client> ws;
  json hello;
};

/// Two clients matched with each other; `first` waited, so it is the initiator.
struct pair_of_peers {
  pair_of_peers(client_io& io, std::uint16_t port, const std::string& type = "video")
      : a(io, port), b(io, port) {
    const auto waiting = a.start(type);
    EXPECT_EQ(waiting["type"], "waiting");
    EXPECT_EQ(waiting["chat_type"], type);
    mb = b.start(type);
    ma = a.ws->receive();
  }
  peer a, b;
  json ma, mb;
};

void expect_error(ws_client& ws, const std::string& code) {
  const auto frame = ws.receive();
  EXPECT_EQ(frame["type"], "error") << frame.dump();
  EXPECT_EQ(frame["code"], code) << frame.dump();
  EXPECT_TRUE(frame["message"].is_string());
}

TEST(WebSocket, HelloGivesAFreshIdleParticipant) {
  test_server server;
  client_io io;
  peer a(io, server.port());
  EXPECT_TRUE(a.hello["user_id"].is_string());
  EXPECT_GE(token_of(a.hello).size(), 32u);
  EXPECT_EQ(a.hello["online"], 1);
  peer b(io, server.port());
  EXPECT_EQ(b.hello["online"], 2);
  EXPECT_NE(token_of(a.hello), token_of(b.hello));
}

TEST(WebSocket, TwoSocketsMatchWithExactlyOneInitiator) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port());
  ASSERT_EQ(p.ma["type"], "matched");
  ASSERT_EQ(p.mb["type"], "matched");
  EXPECT_EQ(p.ma["session_id"], p.mb["session_id"]);
  EXPECT_EQ(p.ma["chat_type"], "video");
  EXPECT_TRUE(p.ma["common_interests"].is_array());
  EXPECT_EQ(p.ma["seq"], 1);
  EXPECT_NE(p.ma["initiator"].get<bool>(), p.mb["initiator"].get<bool>());
}

TEST(WebSocket, ACommandNamingAnotherChatIsASessionMismatch) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port());
  p.a.ws->send({{"type", "signal"}, {"session_id", "0123456789abcdef01234567"}, {"data", {{"x", 1}}}});
  expect_error(*p.a.ws, "session_mismatch");
  EXPECT_FALSE(p.b.ws->try_receive(300ms)) << "the partner must see nothing";
  // Naming its own chat, the same signal goes through.
  p.a.ws->send({{"type", "signal"}, {"session_id", p.ma["session_id"]}, {"data", {{"x", 1}}}});
  const auto relayed = p.b.ws->receive();
  EXPECT_EQ(relayed["type"], "signal");
  EXPECT_EQ(relayed["data"], json({{"x", 1}}));
}

TEST(WebSocket, SignalsArriveUnchangedInOrderAndOnlyAtThePartner) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port());
  pair_of_peers other(io, server.port());
  auto& offerer = p.ma["initiator"] == true ? p.a : p.b;
  auto& answerer = p.ma["initiator"] == true ? p.b : p.a;

  const json offer = {{"sdp", {{"type", "offer"}, {"sdp", "v=0\r\no=- 46117 2 IN IP4 127.0.0.1\r\ns=-\r\n"}}}};
  const json answer = {{"sdp", {{"type", "answer"}, {"sdp", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}}}};
  std::vector<json> candidates;
  for (int i = 0; i < 5; ++i) {
    candidates.push_back({{"candidate",
                           {{"candidate", "candidate:1 1 udp 2122260223 127.0.0.1 " +
                                              std::to_string(50000 + i) + " typ host"},
                            {"sdpMid", "0"},
                            {"sdpMLineIndex", 0}}}});
  }
  offerer.ws->send({{"type", "signal"}, {"data", offer}});
  for (const auto& c : candidates) offerer.ws->send({{"type", "signal"}, {"data", c}});
  answerer.ws->send({{"type", "signal"}, {"data", answer}});

  const auto got_offer = answerer.ws->receive();
  EXPECT_EQ(got_offer["type"], "signal");
  EXPECT_EQ(got_offer["data"], offer);
  for (const auto& c : candidates) EXPECT_EQ(answerer.ws->receive()["data"], c) << "in order";
  EXPECT_EQ(offerer.ws->receive()["data"], answer);

  // Never back to the sender, never to another pair.
  EXPECT_FALSE(offerer.ws->try_receive(300ms));
  EXPECT_FALSE(other.a.ws->try_receive(50ms));
  EXPECT_FALSE(other.b.ws->try_receive(50ms));
}

TEST(WebSocket, MessagesAndTypingBothWays) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port(), "text");
  p.a.ws->send({{"type", "typing"}, {"active", true}});
  p.a.ws->send({{"type", "message"}, {"text", "hello 👋"}});
  p.b.ws->send({{"type", "message"}, {"text", "hi"}});
  p.b.ws->send({{"type", "typing"}, {"active", false}});

  const auto t = p.b.ws->receive();
  EXPECT_EQ(t["type"], "typing");
  EXPECT_EQ(t["active"], true);
  const auto m = p.b.ws->receive();
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["text"], "hello 👋");
  EXPECT_EQ(m["from"], "stranger");
  EXPECT_TRUE(m["ts"].is_number_integer());
  EXPECT_EQ(m["seq"], 3);
  const auto m2 = p.a.ws->receive();
  EXPECT_EQ(m2["text"], "hi");
  EXPECT_EQ(p.a.ws->receive()["active"], false);
}

TEST(WebSocket, NextAndStopTellThePartnerWhy) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port());
  p.a.ws->send({{"type", "next"}});
  EXPECT_EQ(p.a.ws->receive()["type"], "waiting") << "the caller is queued again";
  const auto left = p.b.ws->receive();
  EXPECT_EQ(left["type"], "partner_left");
  EXPECT_EQ(left["reason"], "next");

  // b, left behind, is not re-queued by itself: a new user meets a instead.
  peer c(io, server.port());
  EXPECT_EQ(c.start()["type"], "matched");
  EXPECT_EQ(p.a.ws->receive()["type"], "matched");
  EXPECT_FALSE(p.b.ws->try_receive(200ms));

  c.ws->send({{"type", "stop"}});
  const auto stopped = p.a.ws->receive();
  EXPECT_EQ(stopped["type"], "partner_left");
  EXPECT_EQ(stopped["reason"], "left");
  // c stays connected and idle.
  c.ws->send({{"type", "message"}, {"text", "anyone?"}});
  expect_error(*c.ws, "not_matched");
}

TEST(WebSocket, CleanCloseEndsTheParticipantAndTellsThePartner) {
  test_server server;
  client_io io;
  pair_of_peers p(io, server.port());
  const auto token = token_of(p.a.hello);
  p.a.ws->close();
  const auto left = p.b.ws->receive();
  EXPECT_EQ(left["type"], "partner_left");
  EXPECT_EQ(left["reason"], "left");
  // Its token is gone at once.
  EXPECT_EQ(post(server.port(), "/receive", json::object(), token).status, 401u);
}

/// A client frame with a zero mask key (allowed: the key need not be secret here).
std::string client_frame(unsigned char opcode, const std::string& payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x80 | opcode));
  frame.push_back(static_cast<char>(0x80 | payload.size()));  // payloads < 126 bytes
  frame.append(4, '\0');
  return frame + payload;
}

TEST(WebSocket, CloseFrameThenAbruptDisconnectStillCountsAsLeaving) {
  // What a closing browser tab does: a close frame, then the TCP connection
  // goes away before the close handshake completes.
  auto cfg = test_config();
  cfg.chat.resume_grace = std::chrono::seconds(60);  // a mere drop would stay silent
  test_server server(cfg);
  client_io io;
  peer b(io, server.port());
  EXPECT_EQ(b.start("text")["type"], "waiting");

  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket raw(ioc);
  raw.connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  boost::asio::write(raw, boost::asio::buffer(std::string(
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")));
  // Frames may only follow the server's 101 answer.
  std::string received;
  char chunk[4096];
  while (received.find("hello") == std::string::npos) {
    received.append(chunk, raw.read_some(boost::asio::buffer(chunk)));
  }
  boost::asio::write(raw, boost::asio::buffer(client_frame(0x1, R"({"type":"start","chat_type":"text"})")));
  EXPECT_EQ(b.ws->receive()["type"], "matched");
  // Read what the server sent (handshake, hello, matched) so that closing
  // sends a FIN, not a reset, right behind the close frame.
  std::this_thread::sleep_for(200ms);
  while (raw.available() > 0) raw.read_some(boost::asio::buffer(chunk));
  boost::asio::write(raw, boost::asio::buffer(client_frame(0x8, std::string("\x03\xe8", 2))));
  raw.close();

  const auto left = b.ws->receive(3s);
  EXPECT_EQ(left["type"], "partner_left");
  EXPECT_EQ(left["reason"], "left");
}

TEST(WebSocket, RestStartVideoThenResumeOnASocket) {
  test_server server;
  client_io io;
  const auto port = server.port();
  const auto started = post(port, "/start_video").body_json();
  ASSERT_EQ(started["status"], "waiting");

  peer a(io, port);
  a.ws->send({{"type", "resume"}, {"token", started["token"]}});
  const auto resumed = a.ws->receive();
  EXPECT_EQ(resumed["type"], "resumed");
  EXPECT_EQ(resumed["user_id"], started["user_id"]);
  EXPECT_EQ(resumed["status"], "waiting");
  EXPECT_TRUE(resumed["session_id"].is_null());

  peer b(io, port);
  EXPECT_EQ(b.start()["type"], "matched");
  const auto matched = a.ws->receive();
  EXPECT_EQ(matched["type"], "matched");
  EXPECT_EQ(matched["initiator"], true) << "the REST user waited longer";
  // The socket's own fresh identity was dropped for the resumed one.
  EXPECT_EQ(http_request(port, "GET", "/health").body_json()["online"], 2);
}

TEST(WebSocket, RestUserChatsWithWebSocketUser) {
  test_server server;
  client_io io;
  const auto port = server.port();
  peer ws_user(io, port);
  EXPECT_EQ(ws_user.start("text")["type"], "waiting");
  const auto rest = post(port, "/start").body_json();
  ASSERT_EQ(rest["status"], "matched");
  const auto token = rest["token"].get<std::string>();
  EXPECT_EQ(ws_user.ws->receive()["type"], "matched");

  ws_user.ws->send({{"type", "message"}, {"text", "from the socket"}});
  json events = json::array();
  for (int i = 0; i < 10 && events.size() < 2; ++i) {
    events = post(port, "/receive", {{"since", 0}, {"wait", 1}}, token).body_json()["events"];
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["text"], "from the socket");
  ASSERT_EQ(post(port, "/send", {{"message", "from REST"}}, token).status, 200u);
  const auto got = ws_user.ws->receive();
  EXPECT_EQ(got["type"], "message");
  EXPECT_EQ(got["text"], "from REST");
}

TEST(WebSocket, ResumeAfterADropReplaysMissedEvents) {
  test_server server;
  client_io io;
  const auto port = server.port();
  pair_of_peers p(io, port, "text");
  const auto token = token_of(p.a.hello);
  p.a.ws->drop();
  std::this_thread::sleep_for(200ms);
  p.b.ws->send({{"type", "message"}, {"text", "are you there?"}});
  p.b.ws->send({{"type", "message"}, {"text", "hello?"}});
  EXPECT_FALSE(p.b.ws->try_receive(300ms)) << "no partner_left within the grace period";

  ws_client again(io, port);
  EXPECT_EQ(again.receive()["type"], "hello");
  again.send({{"type", "resume"}, {"token", token}});
  const auto resumed = again.receive();
  EXPECT_EQ(resumed["type"], "resumed");
  EXPECT_EQ(resumed["status"], "matched");
  EXPECT_EQ(resumed["session_id"], p.ma["session_id"]);
  const auto m1 = again.receive();
  const auto m2 = again.receive();
  EXPECT_EQ(m1["text"], "are you there?");
  EXPECT_EQ(m2["text"], "hello?");
  EXPECT_EQ(m2["seq"].get<int>(), m1["seq"].get<int>() + 1);
  // The chat goes on.
  again.send({{"type", "message"}, {"text", "back"}});
  EXPECT_EQ(p.b.ws->receive()["text"], "back");

  // `since` replays from any point that is still kept.
  ws_client third(io, port);
  third.receive();
  third.send({{"type", "resume"}, {"token", token}, {"since", 0}});
  EXPECT_EQ(third.receive()["type"], "resumed");
  EXPECT_EQ(third.receive()["type"], "matched");
  // The older socket was replaced.
  const auto replaced = again.receive_type("error");
  EXPECT_EQ(replaced["code"], "replaced");
  EXPECT_TRUE(again.wait_closed().has_value());
}

TEST(WebSocket, GraceExpiryTellsThePartnerDisconnected) {
  auto cfg = test_config();
  cfg.chat.resume_grace = 500ms;
  test_server server(cfg);
  client_io io;
  pair_of_peers p(io, server.port());
  const auto token = token_of(p.a.hello);
  p.a.ws->drop();
  const auto left = p.b.ws->receive(5s);
  EXPECT_EQ(left["type"], "partner_left");
  EXPECT_EQ(left["reason"], "disconnected");
  ws_client late(io, server.port());
  late.receive();
  late.send({{"type", "resume"}, {"token", token}});
  expect_error(late, "unauthorized");
}

TEST(WebSocket, BadInputGetsAnErrorAndTheConnectionStaysOpen) {
  auto cfg = test_config();
  cfg.chat.max_text_chars = 20;
  test_server server(cfg);
  client_io io;
  peer a(io, server.port());
  auto& ws = *a.ws;
  ws.send_text("{not json");
  expect_error(ws, "bad_request");
  ws.send_text("[1,2,3]");
  expect_error(ws, "bad_request");
  ws.send({{"type", "dance"}});
  expect_error(ws, "unknown_type");
  ws.send({{"kind", "start"}});
  expect_error(ws, "bad_request");
  ws.send({{"type", "start"}, {"chat_type", "hologram"}});
  expect_error(ws, "bad_request");
  ws.send({{"type", "typing"}, {"active", "yes"}});
  expect_error(ws, "bad_request");
  ws.send({{"type", "signal"}, {"data", "not an object"}});
  expect_error(ws, "bad_request");
  ws.send({{"type", "signal"}, {"data", {{"sdp", "x"}}}});
  expect_error(ws, "not_matched");
  ws.send({{"type", "message"}, {"text", "hi"}});
  expect_error(ws, "not_matched");
  ws.send({{"type", "next"}});
  expect_error(ws, "not_started");
  ws.send_binary("\x01\x02\x03");
  expect_error(ws, "bad_request");

  // Too long for MAX_TEXT_CHARS, once matched.
  peer b(io, server.port());
  a.start("text");
  b.start("text");
  a.ws->receive();
  ws.send({{"type", "message"}, {"text", std::string(21, 'x')}});
  expect_error(ws, "bad_request");
  ws.send({{"type", "message"}, {"text", std::string(20, 'x')}});
  EXPECT_EQ(b.ws->receive()["text"], std::string(20, 'x')) << "still open and working";
}

TEST(WebSocket, SignalOverMaxSignalBytesIsRefused) {
  auto cfg = test_config();
  cfg.chat.max_signal_bytes = 1000;
  test_server server(cfg);
  client_io io;
  pair_of_peers p(io, server.port());
  p.a.ws->send({{"type", "signal"}, {"data", {{"sdp", std::string(2000, 'a')}}}});
  expect_error(*p.a.ws, "payload_too_large");
  EXPECT_FALSE(p.b.ws->try_receive(200ms)) << "never relayed";
}

TEST(WebSocket, FrameOverMaxFrameBytesClosesWith1009) {
  auto cfg = test_config();
  cfg.max_frame_bytes = 4096;
  test_server server(cfg);
  client_io io;
  pair_of_peers p(io, server.port());
  p.a.ws->send_text(std::string(5000, ' '));
  const auto code = p.a.ws->wait_closed();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1009u);
  const auto left = p.b.ws->receive();
  EXPECT_EQ(left["type"], "partner_left");
}

TEST(WebSocket, BadOriginIsRefusedBeforeTheUpgrade) {
  test_server server;
  const std::map<std::string, std::string> upgrade{{"Connection", "Upgrade"},
                                                   {"Upgrade", "websocket"},
                                                   {"Sec-WebSocket-Version", "13"},
                                                   {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  auto with_origin = [&](const std::string& origin) {
    auto headers = upgrade;
    headers["Origin"] = origin;
    return http_request(server.port(), "GET", "/ws", "", headers).status;
  };
  EXPECT_EQ(with_origin("https://evil.example"), 403u);
  EXPECT_EQ(with_origin("null"), 403u);
  EXPECT_EQ(with_origin("http://localhost:3000"), 101u);
  EXPECT_EQ(http_request(server.port(), "GET", "/ws", "", upgrade).status, 101u)
      << "no Origin: a non-browser client";
  client_io io;
  ws_client ok(io, server.port(), {.origin = "http://127.0.0.1:" + std::to_string(server.port())});
  EXPECT_EQ(ok.receive()["type"], "hello");
}

TEST(WebSocket, SlowConsumerIsClosedWithoutDisturbingOthers) {
  auto cfg = test_config();
  cfg.ws_send_queue_bytes = 64 * 1024;
  cfg.send_timeout = 2s;
  test_server server(cfg);
  client_io io;
  pair_of_peers slow_pair(io, server.port());
  pair_of_peers other(io, server.port(), "text");
  slow_pair.b.ws->pause_reading();

  // ~40 KB signals until the stalled reader's queue overflows.
  const json big = {{"sdp", std::string(40 * 1024, 'v')}};
  json left;
  for (int i = 0; i < 400; ++i) {
    slow_pair.a.ws->send({{"type", "signal"}, {"data", big}});
    if (auto frame = slow_pair.a.ws->try_receive(5ms)) {
      left = *frame;
      break;
    }
  }
  if (left.is_null()) left = slow_pair.a.ws->receive(5s);
  EXPECT_EQ(left["type"], "partner_left");
  EXPECT_EQ(left["reason"], "disconnected");

  // Other pairs still chat.
  other.a.ws->send({{"type", "message"}, {"text", "unaffected"}});
  EXPECT_EQ(other.b.ws->receive()["text"], "unaffected");
  const auto metrics = http_request(server.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("parley_websockets_closed_slow_total 1"), std::string::npos) << metrics;
}

TEST(WebSocket, OnlineCountIsPushedWhenItChanges) {
  auto cfg = test_config();
  cfg.online_push_interval = 200ms;
  test_server server(cfg);
  client_io io;
  peer a(io, server.port());
  const auto first = a.ws->receive_type("online", 3s);
  EXPECT_EQ(first["count"], 1);
  peer b(io, server.port());
  const auto second = a.ws->receive_type("online", 3s);
  EXPECT_EQ(second["count"], 2);
  EXPECT_FALSE(a.ws->try_receive(600ms)) << "no push without a change";
}

TEST(WebSocket, TwoHundredConcurrentPairsRelayWithoutLossOrMisrouting) {
  test_server server;
  client_io io;
  constexpr int pairs = 200;
  constexpr int messages = 10;
  std::vector<std::unique_ptr<peer>> peers;
  for (int i = 0; i < 2 * pairs; ++i) peers.push_back(std::make_unique<peer>(io, server.port()));
  // Start everyone; pairs form in arrival order.
  for (auto& p : peers) p->ws->send({{"type", "start"}, {"chat_type", "video"}});
  std::map<std::string, std::vector<int>> by_session;
  for (int i = 0; i < 2 * pairs; ++i) {
    const auto m = peers[i]->ws->receive_type("matched", 20s);
    by_session[m["session_id"]].push_back(i);
  }
  ASSERT_EQ(by_session.size(), static_cast<std::size_t>(pairs));
  std::vector<int> partner(2 * pairs, -1);
  for (const auto& [session, members] : by_session) {
    ASSERT_EQ(members.size(), 2u);
    partner[members[0]] = members[1];
    partner[members[1]] = members[0];
  }
  for (int k = 0; k < messages; ++k) {
    for (int i = 0; i < 2 * pairs; ++i) {
      peers[i]->ws->send({{"type", "signal"}, {"data", {{"from", i}, {"k", k}}}});
    }
  }
  for (int i = 0; i < 2 * pairs; ++i) {
    for (int k = 0; k < messages; ++k) {
      const auto s = peers[i]->ws->receive_type("signal", 20s);
      ASSERT_EQ(s["data"]["from"], partner[i]) << "misrouted";
      ASSERT_EQ(s["data"]["k"], k) << "lost or out of order";
    }
  }
  EXPECT_EQ(http_request(server.port(), "GET", "/health").body_json()["sessions"], pairs);
}

// ---- The server's own RFC 6455 framing, seen from a raw socket ----

/// A WebSocket client that writes and reads frames byte for byte, so a test
/// can put many frames in one TCP write, split one across writes, or break
/// the protocol on purpose.
class raw_ws {
public:
  explicit raw_ws(std::uint16_t port) : socket_(ioc_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const std::string upgrade =
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    boost::asio::write(socket_, boost::asio::buffer(upgrade));
    const auto end = boost::asio::read_until(socket_, boost::asio::dynamic_buffer(in_), "\r\n\r\n");
    const auto head = in_.substr(0, end);
    in_.erase(0, end);
    EXPECT_NE(head.find("101"), std::string::npos) << head;
    EXPECT_NE(head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << head;
  }

  /// One masked client frame.
  static std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    std::string out;
    out.push_back(static_cast<char>((fin ? 0x80 : 0) | opcode));
    if (payload.size() < 126) {
      out.push_back(static_cast<char>(0x80 | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
      out.push_back(static_cast<char>(0x80 | 126));
      out.push_back(static_cast<char>(payload.size() >> 8));
      out.push_back(static_cast<char>(payload.size() & 0xFF));
    } else {
      out.push_back(static_cast<char>(0x80 | 127));
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    out.append(mask, 4);
    for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return out;
  }
  static std::string text(const json& j) { return frame(0x1, j.dump()); }

  void write(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  struct server_frame {
    int opcode = -1;  ///< -1: the connection ended
    std::string payload;
    json body() const { return json::parse(payload); }
  };
  /// The next frame from the server (checked to be final and unmasked).
  server_frame read() {
    auto need = [this](std::size_t n) {
      boost::system::error_code ec;
      if (in_.size() < n) {
        boost::asio::read(socket_, boost::asio::dynamic_buffer(in_),
                          boost::asio::transfer_at_least(n - in_.size()), ec);
      }
      return in_.size() >= n;
    };
    if (!need(2)) return {};
    const auto b0 = static_cast<std::uint8_t>(in_[0]);
    const auto b1 = static_cast<std::uint8_t>(in_[1]);
    EXPECT_EQ(b0 & 0x80, 0x80) << "the server sends final frames";
    EXPECT_EQ(b1 & 0x80, 0) << "server frames are not masked";
    std::size_t length = b1 & 0x7F, header = 2;
    if (length == 126) {
      if (!need(4)) return {};
      length = (static_cast<std::uint8_t>(in_[2]) << 8) | static_cast<std::uint8_t>(in_[3]);
      header = 4;
    } else if (length == 127) {
      if (!need(10)) return {};
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | static_cast<std::uint8_t>(in_[2 + i]);
      header = 10;
    }
    if (!need(header + length)) return {};
    server_frame f{b0 & 0x0F, in_.substr(header, length)};
    in_.erase(0, header + length);
    if (f.opcode == 0x1) log_websocket_frame(f.payload);  // checked against the schema
    return f;
  }
  /// Skips frames that are not of `type` (hello, online...).
  json read_type(const std::string& type) {
    for (int i = 0; i < 100; ++i) {
      const auto f = read();
      if (f.opcode != 0x1) return {};
      auto j = f.body();
      if (j["type"] == type) return j;
    }
    return {};
  }
  /// Whether the server closed TCP (read returns EOF) within the timeout.
  bool ended() {
    char c;
    boost::system::error_code ec;
    const auto n = socket_.read_some(boost::asio::buffer(&c, 1), ec);
    return n == 0 && ec == boost::asio::error::eof;
  }

private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  std::string in_;
};

std::uint16_t close_code_of(const std::string& payload) {
  if (payload.size() < 2) return 0;
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(payload[0]) << 8) |
                                    static_cast<std::uint8_t>(payload[1]));
}

/// Both raw clients say hello and are matched in a video chat with each other.
void match_video(raw_ws& a, raw_ws& b) {
  ASSERT_EQ(a.read_type("hello")["type"], "hello");
  ASSERT_EQ(b.read_type("hello")["type"], "hello");
  a.write(raw_ws::text({{"type", "start"}, {"chat_type", "video"}}));
  ASSERT_EQ(a.read_type("waiting")["type"], "waiting");
  b.write(raw_ws::text({{"type", "start"}, {"chat_type", "video"}}));
  ASSERT_EQ(a.read_type("matched")["type"], "matched");
  ASSERT_EQ(b.read_type("matched")["type"], "matched");
}

TEST(WebSocketFraming, ManyMessagesQueuedInOneLoopIterationArriveIntactAndInOrder) {
  test_server server;
  raw_ws a(server.port()), b(server.port());
  ASSERT_NO_FATAL_FAILURE(match_video(a, b));

  // 300 signals of varied sizes (2- and 4-byte headers, one SDP-sized) and a
  // ping in the middle, in ONE write: the server reads them in one or a few
  // reads and queues all their relays within one loop iteration.
  constexpr int count = 300;
  std::string burst;
  std::vector<std::string> sent;
  for (int i = 0; i < count; ++i) {
    const std::size_t pad = i == 150 ? 6'000 : static_cast<std::size_t>(i * 7 % 400);
    json data = {{"i", i}, {"pad", std::string(pad, static_cast<char>('a' + i % 26))}};
    sent.push_back(data.dump());
    burst += raw_ws::text({{"type", "signal"}, {"data", data}});
    if (i == count / 2) burst += raw_ws::frame(0x9, "are you there");
  }
  a.write(burst);
  for (int i = 0; i < count; ++i) {
    const auto f = b.read();
    ASSERT_EQ(f.opcode, 0x1) << "frame " << i;
    const auto j = f.body();
    ASSERT_EQ(j["type"], "signal");
    ASSERT_EQ(j["data"].dump(), sent[i]) << "signal " << i << " intact and in order";
  }
  // The ping was answered, in order, with its payload, to its sender only.
  const auto pong = a.read();
  EXPECT_EQ(pong.opcode, 0xA);
  EXPECT_EQ(pong.payload, "are you there");

  // Close handshake: the server echoes the code and closes TCP; the partner
  // hears that its stranger left.
  a.write(raw_ws::frame(0x8, std::string("\x03\xe8", 2) + "bye"));
  const auto echo = a.read();
  EXPECT_EQ(echo.opcode, 0x8);
  EXPECT_EQ(close_code_of(echo.payload), 1000);
  EXPECT_TRUE(a.ended());
  const auto left = b.read_type("partner_left");
  EXPECT_EQ(left["reason"], "left");
}

TEST(WebSocketFraming, ABurstOfMegabytesOnOneSocketIsRelayedInFullAndInOrder) {
  // More than one socket's share of a batch of ready sockets (the loop reads
  // a few reads' worth per socket per batch, then comes back to it): the
  // rest must not wait for a new edge that never comes.
  auto cfg = test_config();
  cfg.chat.max_signal_bytes = 60'000;
  cfg.ws_send_queue_bytes = 16u << 20;  // the queue bound is not what this tests
  test_server server(cfg);
  raw_ws a(server.port()), b(server.port());
  ASSERT_NO_FATAL_FAILURE(match_video(a, b));

  constexpr int count = 80;  // about 4 MiB
  std::string burst;
  for (int i = 0; i < count; ++i) {
    json data = {{"i", i}, {"pad", std::string(50'000, static_cast<char>('a' + i % 26))}};
    burst += raw_ws::text({{"type", "signal"}, {"data", data}});
  }
  std::thread writer([&] { a.write(burst); });
  for (int i = 0; i < count; ++i) {
    const auto f = b.read();
    ASSERT_EQ(f.opcode, 0x1) << "frame " << i;
    const auto j = f.body();
    ASSERT_EQ(j["type"], "signal") << f.payload.substr(0, 200);
    ASSERT_EQ(j["data"]["i"], i) << "in order";
    ASSERT_EQ(j["data"]["pad"].get<std::string>().size(), 50'000u);
  }
  writer.join();
}

TEST(WebSocketFraming, FramesSplitAcrossWritesAndFragmentedMessagesAreReassembled) {
  test_server server;
  raw_ws a(server.port());
  ASSERT_EQ(a.read_type("hello")["type"], "hello");
  // One frame in three writes, byte boundaries inside the header and payload.
  const auto start = raw_ws::text({{"type", "start"}, {"chat_type", "text"}});
  a.write(start.substr(0, 1));
  std::this_thread::sleep_for(50ms);
  a.write(start.substr(1, 9));
  std::this_thread::sleep_for(50ms);
  a.write(start.substr(10));
  EXPECT_EQ(a.read_type("waiting")["chat_type"], "text");
  // A message in three fragments, with a ping between them.
  const std::string typing = json({{"type", "typing"}, {"active", true}}).dump();
  a.write(raw_ws::frame(0x1, typing.substr(0, 5), false) + raw_ws::frame(0x9, "x") +
          raw_ws::frame(0x0, typing.substr(5, 5), false) + raw_ws::frame(0x0, typing.substr(10)));
  const auto pong = a.read();
  EXPECT_EQ(pong.opcode, 0xA);
  EXPECT_EQ(pong.payload, "x");
  // Typing while waiting is refused by the service: proof the message was whole.
  const auto refused = a.read();
  ASSERT_EQ(refused.opcode, 0x1);
  EXPECT_EQ(refused.body()["type"], "error") << refused.payload;
}

TEST(WebSocketFraming, BrokenFramingIsClosedWith1002AndBadUtf8With1007) {
  test_server server;
  {
    raw_ws a(server.port());
    ASSERT_EQ(a.read_type("hello")["type"], "hello");
    std::string unmasked = "\x81\x02{}";
    a.write(unmasked);
    const auto f = a.read();
    EXPECT_EQ(f.opcode, 0x8);
    EXPECT_EQ(close_code_of(f.payload), 1002);
    EXPECT_TRUE(a.ended());
  }
  {
    raw_ws a(server.port());
    ASSERT_EQ(a.read_type("hello")["type"], "hello");
    a.write(raw_ws::frame(0x1, "{\"type\":\"\xc3\x28\"}"));
    const auto f = a.read();
    EXPECT_EQ(f.opcode, 0x8);
    EXPECT_EQ(close_code_of(f.payload), 1007);
    EXPECT_TRUE(a.ended());
  }
  // The server still serves others.
  raw_ws c(server.port());
  EXPECT_EQ(c.read_type("hello")["type"], "hello");
}

TEST(WebSocketFraming, ASilentPeerIsPingedThenDropped) {
  auto cfg = test_config();
  cfg.ws_ping_interval = 200ms;
  test_server server(cfg);
  raw_ws a(server.port());
  ASSERT_EQ(a.read_type("hello")["type"], "hello");
  const auto started = std::chrono::steady_clock::now();
  const auto ping = a.read();
  EXPECT_EQ(ping.opcode, 0x9);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms) << "not before an interval of silence";
  // Answering keeps it open past two intervals...
  a.write(raw_ws::frame(0xA, ping.payload));
  std::this_thread::sleep_for(250ms);
  a.write(raw_ws::frame(0x9, "still here"));
  EXPECT_EQ(a.read().opcode, 0xA);
  // ...silence ends it: the next ping, then TCP closes without a close frame.
  EXPECT_EQ(a.read().opcode, 0x9);
  EXPECT_TRUE(a.ended());
}

}  // namespace
}  // namespace parley::testing
