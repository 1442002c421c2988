// Report, block, bans and the admin API against the real server over real sockets.

#include <gtest/gtest.h>

#include <string>

#include "test_client.hpp"
#include "test_server.hpp"

namespace parley::testing {
namespace {

constexpr const char* admin_token = "test-admin-token-0123456789";

/// A POST as the client at `ip` (the server believes X-Forwarded-For from loopback).
http_result post_as(std::uint16_t port, const std::string& ip, const std::string& target,
                    const json& body = json::object(), const std::string& token = {}) {
  std::map<std::string, std::string> headers{{"X-Forwarded-For", ip},
                                             {"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return http_request(port, "POST", target, body.is_null() ? "{}" : body.dump(), headers);
}

http_result admin(std::uint16_t port, const std::string& method, const std::string& target,
                  const json& body = nullptr, const std::string& token = admin_token) {
  std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  return http_request(port, method, target, body.is_null() ? std::string() : body.dump(), headers);
}

config safety_config() {
  auto cfg = test_config();
  cfg.trusted_proxies = {"127.0.0.1"};
  cfg.admin_token = admin_token;
  cfg.moderation.report_ban_threshold = 2;
  cfg.moderation.report_ban_duration = std::chrono::seconds(600);
  return cfg;
}

std::string code_of(const http_result& res) { return res.body_json()["error"]["code"]; }

TEST(Safety, RestReportEndsTheChatAndTheTwoAreNotPairedAgain) {
  test_server server(safety_config());
  const auto port = server.port();
  const auto a = post_as(port, "10.0.0.1", "/start").body_json();
  const auto b = post_as(port, "10.0.0.2", "/start").body_json();
  ASSERT_EQ(b["status"], "matched");

  const auto bad = post_as(port, "10.0.0.1", "/report", {{"reason", "rude"}}, a["token"]);
  EXPECT_EQ(bad.status, 400u);
  const auto reported = post_as(port, "10.0.0.1", "/report",
                                {{"reason", "harassment"}, {"comment", "insults"}}, a["token"]);
  ASSERT_EQ(reported.status, 200u) << reported.body;
  EXPECT_EQ(reported.body_json()["status"], "idle");
  EXPECT_TRUE(reported.body_json()["session_id"].is_null());

  const auto rb = post_as(port, "10.0.0.2", "/receive", {{"since", 1}}, b["token"]).body_json();
  ASSERT_EQ(rb["events"].size(), 1u);
  EXPECT_EQ(rb["events"][0]["type"], "partner_left");
  EXPECT_EQ(rb["events"][0]["reason"], "left");

  EXPECT_EQ(post_as(port, "10.0.0.1", "/next", {}, a["token"]).body_json()["status"], "waiting");
  EXPECT_EQ(post_as(port, "10.0.0.2", "/next", {}, b["token"]).body_json()["status"], "waiting");
  // A third user is matched at once.
  EXPECT_EQ(post_as(port, "10.0.0.3", "/start").body_json()["status"], "matched");

  const auto reports = admin(port, "GET", "/admin/reports");
  ASSERT_EQ(reports.status, 200u);
  const auto list = reports.body_json()["reports"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["reason"], "harassment");
  EXPECT_EQ(list[0]["comment"], "insults");
  EXPECT_EQ(list[0]["user_id"], b["user_id"]);
  EXPECT_EQ(list[0]["reporter_user_id"], a["user_id"]);
  EXPECT_EQ(list[0]["address_key"].get<std::string>().size(), 32u) << "a keyed hash";
  EXPECT_EQ(reports.body.find("10.0.0.2"), std::string::npos) << "never the address";
}

TEST(Safety, RestBlockAndReportWithoutAStranger) {
  test_server server(safety_config());
  const auto port = server.port();
  const auto a = post_as(port, "10.0.0.1", "/start").body_json();
  const auto none = post_as(port, "10.0.0.1", "/block", {}, a["token"]);
  EXPECT_EQ(none.status, 409u);
  EXPECT_EQ(code_of(none), "not_matched");
  post_as(port, "10.0.0.2", "/start");
  const auto blocked = post_as(port, "10.0.0.1", "/block", {}, a["token"]);
  EXPECT_EQ(blocked.status, 200u) << blocked.body;
  EXPECT_EQ(post_as(port, "10.0.0.1", "/report", {{"reason", "spam"}}).status, 401u);
}

TEST(Safety, ReportsFromTwoAddressesBanTheThirdWith403AndRetryAfter) {
  test_server server(safety_config());
  const auto port = server.port();
  const auto bad = post_as(port, "10.0.0.9", "/start").body_json();
  const auto r1 = post_as(port, "10.0.0.1", "/start").body_json();
  ASSERT_EQ(post_as(port, "10.0.0.1", "/report", {{"reason", "spam"}}, r1["token"]).status, 200u);
  ASSERT_EQ(post_as(port, "10.0.0.9", "/next", {}, bad["token"]).status, 200u);
  const auto r2 = post_as(port, "10.0.0.2", "/start").body_json();
  ASSERT_EQ(r2["status"], "matched");
  ASSERT_EQ(post_as(port, "10.0.0.2", "/report", {{"reason", "spam"}}, r2["token"]).status, 200u);

  const auto refused = post_as(port, "10.0.0.9", "/start");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(code_of(refused), "banned");
  const auto retry = std::stoi(refused.header("retry-after"));
  EXPECT_GT(retry, 590);
  EXPECT_LE(retry, 600);
  // Others are not refused.
  EXPECT_EQ(post_as(port, "10.0.0.3", "/start").status, 200u);

  const auto bans = admin(port, "GET", "/admin/bans").body_json()["bans"];
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0]["source"], "reports");
  EXPECT_EQ(bans[0]["user_id"], bad["user_id"]);
}

TEST(Safety, WebSocketReportEndsTheChatOnBothSides) {
  test_server server(safety_config());
  client_io io;
  ws_client a(io, server.port());
  ws_client b(io, server.port());
  a.receive_type("hello");
  b.receive_type("hello");
  a.send({{"type", "start"}});
  a.receive_type("waiting");
  b.send({{"type", "start"}});
  const auto matched = a.receive_type("matched");
  b.receive_type("matched");
  a.send({{"type", "report"}, {"reason", "nudity"}, {"comment", "camera"}});
  const auto reported = a.receive_type("reported");
  EXPECT_EQ(reported["session_id"], matched["session_id"]);
  const auto left = b.receive_type("partner_left");
  EXPECT_EQ(left["reason"], "left");
  a.send({{"type", "report"}, {"reason", "nope"}});
  EXPECT_EQ(a.receive_type("error")["code"], "bad_request");

  // Both queue again: they keep waiting (same loopback address is no exclusion,
  // but their user ids are kept apart).
  a.send({{"type", "start"}});
  a.receive_type("waiting");
  b.send({{"type", "start"}});
  b.receive_type("waiting");
  ws_client c(io, server.port());
  c.receive_type("hello");
  c.send({{"type", "start"}});
  c.receive_type("matched");
  a.receive_type("matched");
  EXPECT_FALSE(b.try_receive(300ms).has_value()) << "b still waits";
  // Within REPORT_GRACE_S, b may still block the stranger it had.
  b.send({{"type", "block"}});
  EXPECT_EQ(b.receive_type("blocked")["session_id"], matched["session_id"]);
}

TEST(Safety, AdminApiIsAnUnknownRouteWithoutAdminToken) {
  test_server server;  // no ADMIN_TOKEN
  const auto unknown = admin(server.port(), "GET", "/no-such-route", nullptr, "x");
  for (const auto* path : {"/admin/bans", "/admin/reports", "/admin/"}) {
    const auto res = admin(server.port(), "GET", path, nullptr, "x");
    EXPECT_EQ(res.status, unknown.status) << path;
    EXPECT_EQ(res.body, unknown.body) << path;
  }
  EXPECT_EQ(admin(server.port(), "POST", "/admin/bans", {{"address", "1.2.3.4"}}, "").status,
            admin(server.port(), "POST", "/no-such-route", {{"address", "1.2.3.4"}}, "").status);
}

TEST(Safety, AdminApiRefusesAWrongToken) {
  test_server server(safety_config());
  for (const std::string token : {"", "wrong", "test-admin-token-012345678", "test-admin-token-0123456789x"}) {
    const auto res = admin(server.port(), "GET", "/admin/bans", nullptr, token);
    EXPECT_EQ(res.status, 401u) << token;
    EXPECT_EQ(code_of(res), "unauthorized");
  }
  EXPECT_EQ(admin(server.port(), "GET", "/admin/bans").status, 200u);
  EXPECT_EQ(admin(server.port(), "GET", "/admin/nothing").status, 404u);
  EXPECT_EQ(admin(server.port(), "PUT", "/admin/bans").status, 405u);
}

TEST(Safety, AdminBansAnAddressRefusesRestAndTheWebSocketUpgradeThenLiftsIt) {
  test_server server(safety_config());
  const auto port = server.port();
  client_io io;
  ws_client victim(io, port);
  victim.receive_type("hello");

  for (const auto& bad : {json{{"address", "127.0.0.1"}, {"reason", "x"}},
                          json{{"address", "127.0.0.1"}, {"duration_s", 0}, {"reason", "x"}},
                          json{{"duration_s", 60}, {"reason", "x"}},
                          json{{"address", "1"}, {"user_id", "2"}, {"duration_s", 60}, {"reason", "x"}},
                          json{{"address", "127.0.0.1"}, {"duration_s", 60}}}) {
    EXPECT_EQ(admin(port, "POST", "/admin/bans", bad).status, 400u) << bad.dump();
  }
  const auto made = admin(port, "POST", "/admin/bans",
                          {{"address", "127.0.0.1"}, {"duration_s", 120}, {"reason", "abuse"}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto ban = made.body_json();
  ASSERT_TRUE(ban["id"].is_string());
  EXPECT_EQ(ban["reason"], "abuse");
  EXPECT_EQ(ban["source"], "operator");
  EXPECT_EQ(ban["remaining_s"], 120);
  EXPECT_EQ(ban["address_key"].get<std::string>().size(), 32u);

  // The connected participant is told and its socket closed.
  EXPECT_EQ(victim.receive_type("error")["code"], "banned");
  EXPECT_TRUE(victim.wait_closed().has_value());

  const auto rest = post(port, "/start");
  EXPECT_EQ(rest.status, 403u);
  EXPECT_EQ(code_of(rest), "banned");
  EXPECT_FALSE(rest.header("retry-after").empty());

  const auto upgrade = raw_exchange(
      port,
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(upgrade.rfind("HTTP/1.1 403", 0), 0u) << upgrade;
  EXPECT_NE(upgrade.find("Retry-After: 1"), std::string::npos) << upgrade;
  EXPECT_NE(upgrade.find("\"banned\""), std::string::npos);
  EXPECT_EQ(upgrade.find("101"), std::string::npos);

  // The admin API stays reachable (the operator is often on loopback too).
  const auto bans = admin(port, "GET", "/admin/bans").body_json()["bans"];
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0]["id"], ban["id"]);

  const auto id = ban["id"].get<std::string>();
  EXPECT_EQ(admin(port, "DELETE", "/admin/bans/" + id).status, 200u);
  EXPECT_EQ(admin(port, "DELETE", "/admin/bans/" + id).status, 404u);
  EXPECT_EQ(post(port, "/start").status, 200u);
  EXPECT_TRUE(admin(port, "GET", "/admin/bans").body_json()["bans"].empty());
}

TEST(Safety, AdminBansAnOnlineUserById) {
  test_server server(safety_config());
  const auto port = server.port();
  const auto a = post_as(port, "10.0.0.1", "/start").body_json();
  const auto b = post_as(port, "10.0.0.2", "/start").body_json();
  EXPECT_EQ(admin(port, "POST", "/admin/bans",
                  {{"user_id", "ffffffffffffffff"}, {"duration_s", 60}, {"reason", "x"}})
                .status,
            404u);
  const auto made = admin(port, "POST", "/admin/bans",
                          {{"user_id", b["user_id"]}, {"duration_s", 60}, {"reason", "spam"}});
  ASSERT_EQ(made.status, 201u) << made.body;
  EXPECT_EQ(made.body_json()["user_id"], b["user_id"]);
  // b's chat ended: a sees an ordinary departure; b is refused.
  const auto ra = post_as(port, "10.0.0.1", "/receive", {{"since", 1}}, a["token"]).body_json();
  ASSERT_FALSE(ra["events"].empty());
  EXPECT_EQ(ra["events"].back()["reason"], "left");
  EXPECT_EQ(post_as(port, "10.0.0.2", "/receive", {}, b["token"]).status, 403u);
  EXPECT_EQ(post_as(port, "10.0.0.3", "/start").status, 200u);
}

TEST(Safety, MetricsCountReportsBlocksBansAndSpam) {
  auto cfg = safety_config();
  cfg.moderation.spam_strangers = 2;
  test_server server(cfg);
  const auto port = server.port();
  const auto a = post_as(port, "10.0.0.1", "/start").body_json();
  post_as(port, "10.0.0.2", "/start");
  ASSERT_EQ(post_as(port, "10.0.0.1", "/report", {{"reason", "underage"}}, a["token"]).status, 200u);
  post_as(port, "10.0.0.1", "/next", {}, a["token"]);
  post_as(port, "10.0.0.3", "/start");
  ASSERT_EQ(post_as(port, "10.0.0.1", "/block", {}, a["token"]).status, 200u);
  // The spammer (10.0.0.5) sends the same text to two strangers.
  const auto s = post_as(port, "10.0.0.5", "/start").body_json();
  post_as(port, "10.0.0.6", "/start");
  ASSERT_EQ(post_as(port, "10.0.0.5", "/send", {{"text", "buy at spam.example"}}, s["token"]).status, 200u);
  post_as(port, "10.0.0.5", "/next", {}, s["token"]);
  post_as(port, "10.0.0.7", "/start");
  const auto refused = post_as(port, "10.0.0.5", "/send", {{"text", "Buy at spam.example"}}, s["token"]);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(code_of(refused), "banned");
  EXPECT_FALSE(refused.header("retry-after").empty());

  const auto m = http_request(port, "GET", "/metrics").body;
  EXPECT_NE(m.find("parley_reports_total{reason=\"underage\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("parley_reports_total{reason=\"spam\"} 0\n"), std::string::npos);
  EXPECT_NE(m.find("parley_blocks_total 1\n"), std::string::npos);
  EXPECT_NE(m.find("parley_bans_active 1\n"), std::string::npos);
  EXPECT_NE(m.find("parley_spam_refused_total 1\n"), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
