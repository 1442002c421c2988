#include "parley/config/config.hpp"

#include <cctype>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::chrono_literals;
using list = std::vector<std::string>;
using loaded = std::variant<config, config_help_request, config_error>;

/// A made-up process: arguments, environment variables and files, so that no
/// test reads the real environment or disk.
struct fake_process {
  std::vector<std::string> args;
  std::map<std::string, std::string, std::less<>> env;
  std::map<std::string, std::string> files;
  /// Every path load_config asked for, in order.
  std::shared_ptr<std::vector<std::string>> reads = std::make_shared<std::vector<std::string>>();

  config_sources sources() const {
    config_sources s;
    s.args = args;
    s.env = [vars = env](std::string_view name) -> std::optional<std::string> {
      const auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    s.read_file = [disk = files, log = reads](const std::string& path) -> std::optional<std::string> {
      log->push_back(path);
      const auto it = disk.find(path);
      return it == disk.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return s;
  }
};

/// The configuration `process` loads; a test failure if it is refused.
config load_ok(const fake_process& process) {
  auto result = load_config(process.sources());
  if (auto* c = std::get_if<config>(&result)) return *c;
  if (auto* e = std::get_if<config_error>(&result)) {
    ADD_FAILURE() << "refused: " << e->message;
  } else {
    ADD_FAILURE() << "asked for help";
  }
  return config{};
}

/// The error `process` is refused with; a test failure if it is accepted.
std::string load_error(const fake_process& process) {
  auto result = load_config(process.sources());
  if (auto* e = std::get_if<config_error>(&result)) return e->message;
  ADD_FAILURE() << "accepted";
  return {};
}

std::string with_env(std::string_view name, std::string value) {
  fake_process p;
  p.env.emplace(name, std::move(value));
  return load_error(p);
}

/// Every setting: its environment name, a valid non-default value, and a
/// check that the value reached the right field.
struct setting_probe {
  const char* name;
  const char* value;
  std::function<bool(const config&)> applied;
};

const std::vector<setting_probe>& probes() {
  static const std::vector<setting_probe> all = {
      {"HOST", "0.0.0.0", [](const config& c) { return c.host == "0.0.0.0"; }},
      {"PORT", "8081", [](const config& c) { return c.port == 8081; }},
      {"LOG_LEVEL", "debug", [](const config& c) { return c.log_level == "debug"; }},
      {"WEB_ROOT", "/srv/www", [](const config& c) { return c.web_root == "/srv/www"; }},
      {"CORS_ORIGINS", "https://a.example",
       [](const config& c) { return c.cors_origins == list{"https://a.example"}; }},
      {"ALLOWED_ORIGINS", "https://b.example",
       [](const config& c) { return c.allowed_origins == list{"https://b.example"}; }},
      {"TRUSTED_PROXIES", "10.0.0.1",
       [](const config& c) { return c.trusted_proxies == list{"10.0.0.1"}; }},
      {"ICE_SERVERS", "stun:stun.example.org:3478",
       [](const config& c) { return c.ice_servers == list{"stun:stun.example.org:3478"}; }},
      {"TURN_URLS", "turn:turn.example.org:3478,turns:turn.example.org:5349",
       [](const config& c) {
         return c.turn_urls == list{"turn:turn.example.org:3478", "turns:turn.example.org:5349"};
       }},
      {"TURN_SECRET", "probe-secret-value",
       [](const config& c) { return c.turn_secret == "probe-secret-value"; }},
      {"TURN_TTL_S", "3600", [](const config& c) { return c.turn_ttl == 3600s; }},
      {"REDIS_URL", "redis://:probe-pw@127.0.0.1:6390/2",
       [](const config& c) { return c.redis_url == "redis://:probe-pw@127.0.0.1:6390/2"; }},
      {"REDIS_LOG_MAX_ENTRIES", "25000", [](const config& c) { return c.redis_log_max_entries == 25'000; }},
      {"HASH_SECRET", "probe-hash-secret",
       [](const config& c) { return c.hash_secret == "probe-hash-secret"; }},
      {"MAX_BODY_BYTES", "1000", [](const config& c) { return c.max_body_bytes == 1000; }},
      {"MAX_FRAME_BYTES", "2000", [](const config& c) { return c.max_frame_bytes == 2000; }},
      {"MAX_TEXT_CHARS", "77", [](const config& c) { return c.chat.max_text_chars == 77; }},
      {"MAX_SIGNAL_BYTES", "4096",
       [](const config& c) { return c.chat.max_signal_bytes == 4096; }},
      {"MAX_INTERESTS", "3", [](const config& c) { return c.chat.max_interests == 3; }},
      {"MAX_INTEREST_CHARS", "12",
       [](const config& c) { return c.chat.max_interest_chars == 12; }},
      {"MAILBOX_LIMIT", "50", [](const config& c) { return c.chat.mailbox_limit == 50; }},
      {"WS_SEND_QUEUE_BYTES", "65536",
       [](const config& c) { return c.ws_send_queue_bytes == 65536; }},
      {"MAX_CONNECTIONS", "500", [](const config& c) { return c.max_connections == 500; }},
      {"REST_IDLE_TIMEOUT_S", "90",
       [](const config& c) { return c.chat.rest_idle_timeout == 90s; }},
      {"INTEREST_FALLBACK_S", "4.5",
       [](const config& c) { return c.chat.interest_fallback == 4500ms; }},
      {"RESUME_GRACE_S", "2", [](const config& c) { return c.chat.resume_grace == 2s; }},
      {"RECEIVE_MAX_WAIT_S", "15", [](const config& c) { return c.receive_max_wait == 15s; }},
      {"WS_PING_INTERVAL_S", "7", [](const config& c) { return c.ws_ping_interval == 7s; }},
      {"REQUEST_TIMEOUT_S", "3", [](const config& c) { return c.request_timeout == 3s; }},
      {"KEEP_ALIVE_TIMEOUT_S", "11", [](const config& c) { return c.keep_alive_timeout == 11s; }},
      {"SEND_TIMEOUT_S", "13", [](const config& c) { return c.send_timeout == 13s; }},
      {"ONLINE_PUSH_INTERVAL_S", "1",
       [](const config& c) { return c.online_push_interval == 1s; }},
      {"SHUTDOWN_GRACE_S", "0.25", [](const config& c) { return c.shutdown_grace == 250ms; }},
      {"RATE_MESSAGES_PER_S", "2.5", [](const config& c) { return c.abuse.messages.per_second == 2.5; }},
      {"RATE_MESSAGES_BURST", "7", [](const config& c) { return c.abuse.messages.burst == 7; }},
      {"RATE_TYPING_PER_S", "0", [](const config& c) { return !c.abuse.typing.enabled(); }},
      {"RATE_TYPING_BURST", "9", [](const config& c) { return c.abuse.typing.burst == 9; }},
      {"RATE_SIGNALS_PER_S", "40", [](const config& c) { return c.abuse.signals.per_second == 40; }},
      {"RATE_SIGNALS_BURST", "400", [](const config& c) { return c.abuse.signals.burst == 400; }},
      {"RATE_ABUSE_LIMIT", "7", [](const config& c) { return c.abuse.abuse_limit == 7; }},
      {"RATE_ABUSE_WINDOW_S", "2.5", [](const config& c) { return c.abuse.abuse_window == 2500ms; }},
      {"RATE_IDENTITIES_PER_MIN", "120",
       [](const config& c) { return c.abuse.identities.per_second == 2.0; }},
      {"RATE_IDENTITIES_BURST", "11", [](const config& c) { return c.abuse.identities.burst == 11; }},
      {"RATE_RESUME_FAILURES_PER_MIN", "90",
       [](const config& c) { return c.abuse.resume_failures.per_second == 1.5; }},
      {"RATE_RESUME_FAILURES_BURST", "9",
       [](const config& c) { return c.abuse.resume_failures.burst == 9; }},
      {"RATE_REQUESTS_PER_S", "13", [](const config& c) { return c.abuse.requests.per_second == 13; }},
      {"RATE_REQUESTS_BURST", "17", [](const config& c) { return c.abuse.requests.burst == 17; }},
      {"MAX_CONNECTIONS_PER_ADDRESS", "0",
       [](const config& c) { return c.abuse.connections_per_address == 0; }},
      {"RATE_TABLE_SIZE", "500", [](const config& c) { return c.abuse.address_table_size == 500; }},
      {"WS_COALESCE_DELAY_US", "150", [](const config& c) { return c.ws_coalesce_delay_us == 150; }},
      {"REMATCH_COOLDOWN_S", "0", [](const config& c) { return c.chat.rematch_cooldown == 0s; }},
      {"BLOCK_EXCLUSION_S", "600", [](const config& c) { return c.chat.block_exclusion == 600s; }},
      {"MAX_EXCLUDED_PAIRS", "77", [](const config& c) { return c.chat.max_excluded_pairs == 77; }},
      {"REPORT_GRACE_S", "5", [](const config& c) { return c.chat.report_grace == 5s; }},
      {"REPORT_COMMENT_CHARS", "42",
       [](const config& c) { return c.chat.report_comment_chars == 42; }},
      {"MAX_REPORTS", "99", [](const config& c) { return c.moderation.max_reports == 99; }},
      {"REPORT_RETENTION_S", "120",
       [](const config& c) { return c.moderation.report_retention == 120s; }},
      {"REPORT_BAN_THRESHOLD", "2",
       [](const config& c) { return c.moderation.report_ban_threshold == 2; }},
      {"REPORT_BAN_WINDOW_S", "61",
       [](const config& c) { return c.moderation.report_ban_window == 61s; }},
      {"REPORT_BAN_S", "62", [](const config& c) { return c.moderation.report_ban_duration == 62s; }},
      {"SPAM_STRANGERS", "4", [](const config& c) { return c.moderation.spam_strangers == 4; }},
      {"SPAM_WINDOW_S", "63", [](const config& c) { return c.moderation.spam_window == 63s; }},
      {"SPAM_BAN_S", "64", [](const config& c) { return c.moderation.spam_ban_duration == 64s; }},
      {"SPAM_TRACKED_MAX", "65", [](const config& c) { return c.moderation.spam_tracked_max == 65; }},
      {"MAX_BANS", "66", [](const config& c) { return c.moderation.max_bans == 66; }},
      {"ADMIN_TOKEN", "probe-admin-token",
       [](const config& c) { return c.admin_token == "probe-admin-token"; }},
  };
  return all;
}

/// TURN_URLS needs TURN_SECRET, REDIS_URL needs HASH_SECRET: a process that
/// has both, so each probe stands alone.
fake_process with_turn_secret() {
  fake_process p;
  p.env["TURN_SECRET"] = "companion-secret";
  p.env["HASH_SECRET"] = "companion-hash-secret";
  return p;
}

/// `PORT` -> `--port`, `MAX_BODY_BYTES` -> `--max-body-bytes`.
std::string flag_of(std::string_view name) {
  std::string flag = "--";
  for (const char ch : name) flag.push_back(ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  return flag;
}

/// The setting names listed in `.env.example`, in order.
std::vector<std::string> env_example_names() {
  std::vector<std::string> names;
  std::istringstream in(config_env_example());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    names.push_back(line.substr(0, line.find('=')));
  }
  return names;
}

void expect_same(const config& a, const config& b) {
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.port, b.port);
  EXPECT_EQ(a.log_level, b.log_level);
  EXPECT_EQ(a.web_root, b.web_root);
  EXPECT_EQ(a.cors_origins, b.cors_origins);
  EXPECT_EQ(a.allowed_origins, b.allowed_origins);
  EXPECT_EQ(a.trusted_proxies, b.trusted_proxies);
  EXPECT_EQ(a.ice_servers, b.ice_servers);
  EXPECT_EQ(a.turn_urls, b.turn_urls);
  EXPECT_EQ(a.turn_secret, b.turn_secret);
  EXPECT_EQ(a.turn_ttl, b.turn_ttl);
  EXPECT_EQ(a.redis_log_max_entries, b.redis_log_max_entries);
  EXPECT_EQ(a.max_body_bytes, b.max_body_bytes);
  EXPECT_EQ(a.max_frame_bytes, b.max_frame_bytes);
  EXPECT_EQ(a.ws_send_queue_bytes, b.ws_send_queue_bytes);
  EXPECT_EQ(a.max_connections, b.max_connections);
  EXPECT_EQ(a.receive_max_wait, b.receive_max_wait);
  EXPECT_EQ(a.ws_ping_interval, b.ws_ping_interval);
  EXPECT_EQ(a.request_timeout, b.request_timeout);
  EXPECT_EQ(a.keep_alive_timeout, b.keep_alive_timeout);
  EXPECT_EQ(a.send_timeout, b.send_timeout);
  EXPECT_EQ(a.online_push_interval, b.online_push_interval);
  EXPECT_EQ(a.shutdown_grace, b.shutdown_grace);
  EXPECT_EQ(a.chat.mailbox_limit, b.chat.mailbox_limit);
  EXPECT_EQ(a.chat.max_text_chars, b.chat.max_text_chars);
  EXPECT_EQ(a.chat.max_signal_bytes, b.chat.max_signal_bytes);
  EXPECT_EQ(a.chat.max_interests, b.chat.max_interests);
  EXPECT_EQ(a.chat.max_interest_chars, b.chat.max_interest_chars);
  EXPECT_EQ(a.chat.interest_fallback, b.chat.interest_fallback);
  EXPECT_EQ(a.chat.rest_idle_timeout, b.chat.rest_idle_timeout);
  EXPECT_EQ(a.chat.resume_grace, b.chat.resume_grace);
  EXPECT_EQ(a.chat.rematch_cooldown, b.chat.rematch_cooldown);
  EXPECT_EQ(a.chat.block_exclusion, b.chat.block_exclusion);
  EXPECT_EQ(a.moderation.report_ban_threshold, b.moderation.report_ban_threshold);
  EXPECT_EQ(a.moderation.spam_strangers, b.moderation.spam_strangers);
  EXPECT_EQ(a.admin_token, b.admin_token);
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// --- Defaults ----------------------------------------------------------------

TEST(Config, DefaultsAreTheDocumentedOnes) {
  const auto c = load_ok(fake_process{});
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 5000);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.web_root, "web/dist");
  EXPECT_TRUE(c.cors_origins.empty());
  EXPECT_TRUE(c.allowed_origins.empty());
  EXPECT_TRUE(c.ice_servers.empty());
  EXPECT_EQ(c.max_body_bytes, 64u * 1024);
  EXPECT_EQ(c.chat.mailbox_limit, 256u);
  EXPECT_EQ(c.chat.max_text_chars, 2000u);
  EXPECT_EQ(c.chat.max_signal_bytes, 48u * 1024);
  EXPECT_EQ(c.chat.interest_fallback, 10s);
  EXPECT_EQ(c.chat.resume_grace, 10s);
  EXPECT_EQ(c.chat.rest_idle_timeout, 60s);
  EXPECT_EQ(c.receive_max_wait, 30s);
  expect_same(c, config{});
}

TEST(Config, LoadsWithoutAnySourceFunctions) {
  const auto result = load_config(config_sources{});
  ASSERT_TRUE(std::holds_alternative<config>(result));
  expect_same(std::get<config>(result), config{});
}

// --- Where settings come from --------------------------------------------------

TEST(Config, ReadsDotEnvInTheWorkingDirectoryByDefault) {
  fake_process p;
  const auto c = load_ok(p);
  ASSERT_EQ(*p.reads, list{".env"});
  expect_same(c, config{});  // a missing .env is fine
}

TEST(Config, DotEnvOverridesDefaults) {
  fake_process p;
  p.files[".env"] = "PORT=6001\nLOG_LEVEL=warn\n";
  const auto c = load_ok(p);
  EXPECT_EQ(c.port, 6001);
  EXPECT_EQ(c.log_level, "warn");
}

TEST(Config, EnvironmentOverridesDotEnv) {
  fake_process p;
  p.files[".env"] = "PORT=6001\n";
  p.env["PORT"] = "6002";
  EXPECT_EQ(load_ok(p).port, 6002);
}

TEST(Config, FlagOverridesEnvironment) {
  fake_process p;
  p.files[".env"] = "PORT=6001\n";
  p.env["PORT"] = "6002";
  p.args = {"--port", "6003"};
  EXPECT_EQ(load_ok(p).port, 6003);
}

TEST(Config, EachSourceOnlyOverridesWhatItSets) {
  fake_process p;
  p.files[".env"] = "PORT=6001\nLOG_LEVEL=warn\nWEB_ROOT=/from/file\n";
  p.env["PORT"] = "6002";
  p.env["LOG_LEVEL"] = "error";
  p.args = {"--port=6003"};
  const auto c = load_ok(p);
  EXPECT_EQ(c.port, 6003);              // flag
  EXPECT_EQ(c.log_level, "error");      // environment
  EXPECT_EQ(c.web_root, "/from/file");  // .env
  EXPECT_EQ(c.host, "127.0.0.1");       // default
}

TEST(Config, LaterFlagWins) {
  fake_process p;
  p.args = {"--port", "6001", "--port=6002"};
  EXPECT_EQ(load_ok(p).port, 6002);
}

TEST(Config, FlagTakesSpaceSeparatedValue) {
  fake_process p;
  p.args = {"--web-root", "/srv/www", "--log-level", "debug"};
  const auto c = load_ok(p);
  EXPECT_EQ(c.web_root, "/srv/www");
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, FlagTakesEqualsValue) {
  fake_process p;
  p.args = {"--web-root=/srv/www", "--ice-servers=stun:a.example:3478,turn:b.example:3478"};
  const auto c = load_ok(p);
  EXPECT_EQ(c.web_root, "/srv/www");
  EXPECT_EQ(c.ice_servers, (list{"stun:a.example:3478", "turn:b.example:3478"}));
}

TEST(Config, EqualsValueMayContainEquals) {
  fake_process p;
  p.args = {"--web-root=/srv/a=b"};
  EXPECT_EQ(load_ok(p).web_root, "/srv/a=b");
}

TEST(Config, EverySettingReachesItsFieldFromTheEnvironment) {
  for (const auto& probe : probes()) {
    SCOPED_TRACE(probe.name);
    fake_process p = with_turn_secret();
    p.env[probe.name] = probe.value;
    EXPECT_TRUE(probe.applied(load_ok(p)));
  }
}

TEST(Config, EverySettingReachesItsFieldFromItsKebabCaseFlag) {
  for (const auto& probe : probes()) {
    SCOPED_TRACE(probe.name);
    fake_process p = with_turn_secret();
    p.args = {flag_of(probe.name), probe.value};
    EXPECT_TRUE(probe.applied(load_ok(p)));
  }
}

TEST(Config, EverySettingReachesItsFieldFromDotEnv) {
  for (const auto& probe : probes()) {
    SCOPED_TRACE(probe.name);
    fake_process p;
    // The companion secret first, so that the probe's own line wins.
    p.files[".env"] = "TURN_SECRET=companion-secret\nHASH_SECRET=companion-hash-secret\n" +
                      std::string(probe.name) + "=" + probe.value + "\n";
    EXPECT_TRUE(probe.applied(load_ok(p)));
  }
}

TEST(Config, EverySettingIsProbed) {
  // A new setting must get a probe above (and so a test of its wiring).
  std::set<std::string> probed;
  for (const auto& probe : probes()) probed.insert(probe.name);
  const auto names = env_example_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), probed);
  EXPECT_EQ(names.size(), probes().size());
}

// --- --env-file --------------------------------------------------------------

TEST(Config, EnvFileFlagReadsThatFileInsteadOfDotEnv) {
  fake_process p;
  p.files[".env"] = "PORT=6001\n";
  p.files["/etc/parley.env"] = "PORT=6005\n";
  p.args = {"--env-file", "/etc/parley.env"};
  EXPECT_EQ(load_ok(p).port, 6005);
  EXPECT_EQ(*p.reads, list{"/etc/parley.env"});
}

TEST(Config, EnvFileFlagTakesEqualsValue) {
  fake_process p;
  p.files["custom.env"] = "LOG_LEVEL=trace\n";
  p.args = {"--env-file=custom.env"};
  EXPECT_EQ(load_ok(p).log_level, "trace");
}

TEST(Config, EnvFileIsStillBelowEnvironmentAndFlags) {
  fake_process p;
  p.files["custom.env"] = "PORT=6001\nHOST=0.0.0.0\nLOG_LEVEL=warn\n";
  p.env["HOST"] = "::1";
  p.args = {"--log-level", "error", "--env-file", "custom.env"};
  const auto c = load_ok(p);
  EXPECT_EQ(c.port, 6001);
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.log_level, "error");
}

TEST(Config, MissingEnvFileIsAnErrorNamingIt) {
  fake_process p;
  p.args = {"--env-file", "/nope/parley.env"};
  EXPECT_TRUE(contains(load_error(p), "/nope/parley.env"));
}

TEST(Config, EnvFileFlagWithoutPathIsAnError) {
  fake_process p;
  p.args = {"--env-file"};
  EXPECT_TRUE(contains(load_error(p), "--env-file"));
}

TEST(Config, DotEnvSyntax) {
  fake_process p;
  p.files[".env"] =
      "# a comment\n"
      "\n"
      "   # an indented comment\n"
      "export PORT=6010\n"
      "HOST = 0.0.0.0 \n"
      "WEB_ROOT=\"/path with spaces\"\n"
      "LOG_LEVEL='warn'\n"
      "COMPOSE_PROJECT_NAME=parley\n"  // unknown keys feed other tools: ignored
      "not a setting line\n"
      "ICE_SERVERS=\r\n";
  const auto c = load_ok(p);
  EXPECT_EQ(c.port, 6010);
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.web_root, "/path with spaces");
  EXPECT_EQ(c.log_level, "warn");
  EXPECT_TRUE(c.ice_servers.empty());
}

TEST(Config, BadValueInDotEnvIsAnErrorNamingSettingAndFile) {
  fake_process p;
  p.files[".env"] = "PORT=seventy\n";
  const auto message = load_error(p);
  EXPECT_TRUE(contains(message, "PORT")) << message;
  EXPECT_TRUE(contains(message, ".env")) << message;
}

TEST(Config, EnvironmentIsOnlyAskedForKnownSettings) {
  // Unrelated variables (PATH, HOME...) must never be read as settings.
  auto asked = std::make_shared<std::set<std::string>>();
  config_sources s;
  s.env = [asked](std::string_view name) -> std::optional<std::string> {
    asked->insert(std::string(name));
    return std::nullopt;
  };
  static_cast<void>(load_config(s));
  const auto names = env_example_names();
  EXPECT_EQ(*asked, std::set<std::string>(names.begin(), names.end()));
}

// --- Refused input -------------------------------------------------------------

TEST(Config, UnknownFlagIsAnErrorNamingIt) {
  fake_process p;
  p.args = {"--frobnicate", "3"};
  const auto message = load_error(p);
  EXPECT_TRUE(contains(message, "--frobnicate")) << message;
}

TEST(Config, UnknownEqualsFlagIsAnErrorNamingIt) {
  fake_process p;
  p.args = {"--portt=80"};
  const auto message = load_error(p);
  EXPECT_TRUE(contains(message, "--portt")) << message;
}

TEST(Config, StrayArgumentIsAnError) {
  fake_process p;
  p.args = {"serve"};
  EXPECT_TRUE(contains(load_error(p), "serve"));
}

TEST(Config, FlagWithoutValueIsAnErrorNamingIt) {
  fake_process p;
  p.args = {"--port"};
  EXPECT_TRUE(contains(load_error(p), "--port"));
}

TEST(Config, PortOutOfRangeIsAnErrorNamingPort) {
  const auto message = with_env("PORT", "70000");
  EXPECT_TRUE(contains(message, "PORT")) << message;
  EXPECT_TRUE(contains(message, "70000")) << message;
}

TEST(Config, PortFlagOutOfRangeIsAnErrorNamingPort) {
  fake_process p;
  p.args = {"--port", "70000"};
  const auto message = load_error(p);
  EXPECT_TRUE(contains(message, "PORT") || contains(message, "--port")) << message;
}

TEST(Config, PortAcceptsItsWholeRange) {
  for (const auto* port : {"0", "1", "65535"}) {
    fake_process p;
    p.env["PORT"] = port;
    EXPECT_EQ(load_ok(p).port, std::stoi(port));
  }
}

TEST(Config, NonNumericPortIsAnError) {
  for (const auto* bad : {"", "http", "80x", "8.5", "-1", "0x50"}) {
    EXPECT_TRUE(contains(with_env("PORT", bad), "PORT")) << '"' << bad << '"';
  }
}

TEST(Config, NegativeMaxBodyBytesIsAnErrorNamingIt) {
  const auto message = with_env("MAX_BODY_BYTES", "-1");
  EXPECT_TRUE(contains(message, "MAX_BODY_BYTES")) << message;
}

TEST(Config, SizeBelowItsMinimumIsAnError) {
  EXPECT_TRUE(contains(with_env("MAX_BODY_BYTES", "10"), "MAX_BODY_BYTES"));
  EXPECT_TRUE(contains(with_env("MAILBOX_LIMIT", "0"), "MAILBOX_LIMIT"));
  EXPECT_TRUE(contains(with_env("MAX_TEXT_CHARS", "0"), "MAX_TEXT_CHARS"));
}

TEST(Config, NonsenseLogLevelIsAnErrorNamingIt) {
  const auto message = with_env("LOG_LEVEL", "loud");
  EXPECT_TRUE(contains(message, "LOG_LEVEL")) << message;
}

TEST(Config, EveryLogLevelIsAccepted) {
  for (const auto* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    fake_process p;
    p.env["LOG_LEVEL"] = level;
    EXPECT_EQ(load_ok(p).log_level, level);
  }
}

TEST(Config, OriginWithoutSchemeIsAnErrorNamingTheSetting) {
  const auto message = with_env("ALLOWED_ORIGINS", "chat.example.com");
  EXPECT_TRUE(contains(message, "ALLOWED_ORIGINS")) << message;
  EXPECT_TRUE(contains(with_env("CORS_ORIGINS", "ftp://x.example"), "CORS_ORIGINS"));
}

TEST(Config, StarIsAllowedForCorsButNotForWebSocketOrigins) {
  fake_process p;
  p.env["CORS_ORIGINS"] = "*";
  EXPECT_EQ(load_ok(p).cors_origins, list{"*"});
  EXPECT_TRUE(contains(with_env("ALLOWED_ORIGINS", "*"), "ALLOWED_ORIGINS"));
}

TEST(Config, ListsAreSplitOnCommasAndTrimmed) {
  fake_process p;
  p.env["ALLOWED_ORIGINS"] = " https://a.example ,http://b.example:8080,, ";
  EXPECT_EQ(load_ok(p).allowed_origins, (list{"https://a.example", "http://b.example:8080"}));
}

TEST(Config, IceServerWithoutStunOrTurnSchemeIsAnError) {
  const auto message = with_env("ICE_SERVERS", "stun:ok.example,https://bad.example");
  EXPECT_TRUE(contains(message, "ICE_SERVERS")) << message;
}

TEST(Config, SecondsAcceptFractions) {
  fake_process p;
  p.env["RESUME_GRACE_S"] = "2.5";
  p.env["INTEREST_FALLBACK_S"] = "0";
  const auto c = load_ok(p);
  EXPECT_EQ(c.chat.resume_grace, 2500ms);
  EXPECT_EQ(c.chat.interest_fallback, 0ms);
}

TEST(Config, BadSecondsAreAnErrorNamingTheSetting) {
  for (const auto* bad : {"-1", "soon", "1e9", "nan", "inf", ""}) {
    EXPECT_TRUE(contains(with_env("RESUME_GRACE_S", bad), "RESUME_GRACE_S")) << bad;
  }
  EXPECT_TRUE(contains(with_env("REST_IDLE_TIMEOUT_S", "0"), "REST_IDLE_TIMEOUT_S"));
}

TEST(Config, EmptyHostIsAnError) { EXPECT_TRUE(contains(with_env("HOST", " "), "HOST")); }

TEST(Config, HostMustBeAnIpAddress) {
  EXPECT_TRUE(contains(with_env("HOST", "nothost"), "HOST"));
  EXPECT_TRUE(contains(with_env("HOST", "300.1.1.1"), "HOST"));
}

// --- Help ----------------------------------------------------------------------

TEST(Config, HelpFlagAsksForHelp) {
  for (const auto* flag : {"--help", "-h"}) {
    fake_process p;
    p.args = {flag};
    EXPECT_TRUE(std::holds_alternative<config_help_request>(load_config(p.sources()))) << flag;
  }
}

TEST(Config, HelpFlagDoesNotAskForTheEnvExample) {
  fake_process p;
  p.args = {"--help"};
  const auto result = load_config(p.sources());
  ASSERT_TRUE(std::holds_alternative<config_help_request>(result));
  EXPECT_FALSE(std::get<config_help_request>(result).env_example);
}

TEST(Config, PrintEnvExampleFlagAsksForTheEnvExample) {
  fake_process p;
  p.args = {"--print-env-example"};
  const auto result = load_config(p.sources());
  ASSERT_TRUE(std::holds_alternative<config_help_request>(result));
  EXPECT_TRUE(std::get<config_help_request>(result).env_example);
}

TEST(Config, HelpWinsOverOtherFlags) {
  fake_process p;
  p.args = {"--port", "1", "--help", "--bogus"};
  EXPECT_TRUE(std::holds_alternative<config_help_request>(load_config(p.sources())));
}

TEST(Config, HelpMentionsEverySettingAndItsFlag) {
  const auto help = config_help();
  for (const auto& probe : probes()) {
    EXPECT_TRUE(contains(help, probe.name)) << probe.name;
    EXPECT_TRUE(contains(help, flag_of(probe.name) + " ")) << flag_of(probe.name);
  }
  EXPECT_TRUE(contains(help, "--env-file"));
  EXPECT_TRUE(contains(help, "--print-env-example"));
  EXPECT_TRUE(contains(help, "--help"));
}

TEST(Config, HelpShowsDefaults) {
  const auto help = config_help();
  EXPECT_TRUE(contains(help, "(PORT)\n"));
  EXPECT_TRUE(contains(help, "default: 5000\n"));
  EXPECT_TRUE(contains(help, "default: web/dist\n"));
}

// --- .env.example ----------------------------------------------------------------

TEST(Config, EnvExampleListsEverySettingWithItsDefault) {
  const auto example = config_env_example();
  EXPECT_TRUE(contains(example, "\nPORT=5000\n"));
  EXPECT_TRUE(contains(example, "\nHOST=127.0.0.1\n"));
  EXPECT_TRUE(contains(example, "\nMAX_TEXT_CHARS=2000\n"));
  EXPECT_TRUE(contains(example, "\nRESUME_GRACE_S=10\n"));
  EXPECT_TRUE(contains(example, "\nICE_SERVERS=\n"));
}

TEST(Config, EnvExampleLoadsAsTheDefaults) {
  fake_process p;
  p.files[".env"] = config_env_example();
  expect_same(load_ok(p), config{});
}

// --- TURN ----------------------------------------------------------------------

TEST(Config, TurnDefaultsOutlastALongChat) {
  const config c;
  EXPECT_TRUE(c.turn_urls.empty());
  EXPECT_TRUE(c.turn_secret.empty());
  EXPECT_EQ(c.turn_ttl, 6h);
}

TEST(Config, TurnUrlsNeedTheSecret) {
  fake_process p;
  p.env["TURN_URLS"] = "turn:turn.example.org:3478";
  EXPECT_EQ(load_error(p), "TURN_URLS needs TURN_SECRET (coturn's static-auth-secret)");
  p.env["TURN_SECRET"] = "x";
  EXPECT_EQ(load_ok(p).turn_urls, list{"turn:turn.example.org:3478"});
}

TEST(Config, TurnUrlsMustBeTurnUrls) {
  auto error = with_env("TURN_URLS", "stun:stun.example.org");
  EXPECT_TRUE(contains(error, "TURN_URLS")) << error;
  EXPECT_TRUE(contains(error, "expected turn: or turns: URLs")) << error;
}

TEST(Config, TurnTtlHasARange) {
  EXPECT_TRUE(contains(with_env("TURN_TTL_S", "59"), "from 60 to 604800"));
  EXPECT_TRUE(contains(with_env("TURN_TTL_S", "604801"), "from 60 to 604800"));
  EXPECT_TRUE(contains(with_env("TURN_TTL_S", "1h"), "TURN_TTL_S"));
  fake_process p;
  p.env["TURN_TTL_S"] = "604800";
  EXPECT_EQ(load_ok(p).turn_ttl, 604800s);
}

TEST(Config, TurnSecretIsNeverShown) {
  // The secret comes with a companion error: it must not be echoed anywhere.
  fake_process p;
  p.env["TURN_SECRET"] = "very-secret-value-123";
  p.env["TURN_TTL_S"] = "5";
  const auto error = load_error(p);
  EXPECT_FALSE(contains(error, "very-secret-value-123")) << error;
  EXPECT_FALSE(contains(config_help(), "very-secret-value-123"));
  EXPECT_FALSE(contains(config_env_example(), "very-secret-value-123"));
  EXPECT_TRUE(contains(config_env_example(), "\nTURN_SECRET=\n"));
}

TEST(Config, HashSecretIsNeverShown) {
  fake_process p;
  p.env["HASH_SECRET"] = "very-secret-hash-key-456";
  p.env["TURN_TTL_S"] = "5";  // a companion error
  const auto error = load_error(p);
  EXPECT_FALSE(contains(error, "very-secret-hash-key-456")) << error;
  EXPECT_FALSE(contains(config_help(), "very-secret-hash-key-456"));
  EXPECT_TRUE(contains(config_env_example(), "\nHASH_SECRET=\n"));
}

TEST(Config, RedisUrlNeedsTheSharedHashSecret) {
  fake_process p;
  p.env["REDIS_URL"] = "redis://127.0.0.1:6379";
  EXPECT_EQ(load_error(p), "REDIS_URL needs HASH_SECRET, the same on every instance of the cluster");
  p.env["HASH_SECRET"] = "shared";
  EXPECT_EQ(load_ok(p).redis_url, "redis://127.0.0.1:6379");
}

TEST(Config, RedisUrlIsCheckedAndItsPasswordNeverShown) {
  fake_process p;
  p.env["HASH_SECRET"] = "shared";
  p.env["REDIS_URL"] = "redis://:very-secret-redis-pw@redis:notaport";
  const auto error = load_error(p);
  EXPECT_NE(error.find("REDIS_URL"), std::string::npos) << error;
  EXPECT_EQ(error.find("very-secret-redis-pw"), std::string::npos) << error;
  EXPECT_TRUE(contains(config_env_example(), "\nREDIS_URL=\n"));
}

TEST(Config, TurnSecretIsHiddenInItsOwnError) {
  // The only way TURN_SECRET's own value could be refused is a broken flag;
  // whatever the error, it names the setting, not the value.
  fake_process p;
  p.args = {"--turn-secret"};
  const auto error = load_error(p);
  EXPECT_EQ(error, "--turn-secret needs a value");
}

TEST(Config, CommittedEnvExampleIsTheGeneratedOne) {
  const std::string path = std::string(PARLEY_SOURCE_DIR) + "/.env.example";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path << " is missing: it must hold config_env_example()";
  std::ostringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), config_env_example())
      << path << " is stale: regenerate it from config_env_example()";
}

}  // namespace
}  // namespace parley

namespace parley {
namespace {

TEST(Config, RateLimitsRefuseNegativeAndNonNumbers) {
  for (const auto& bad : {"-1", "fast", "1e400", "nan"}) {
    fake_process p;
    p.env["RATE_MESSAGES_PER_S"] = bad;
    const auto result = load_config(p.sources());
    ASSERT_TRUE(std::holds_alternative<config_error>(result)) << bad;
    EXPECT_NE(std::get<config_error>(result).message.find("RATE_MESSAGES_PER_S"), std::string::npos);
  }
}

}  // namespace
}  // namespace parley
