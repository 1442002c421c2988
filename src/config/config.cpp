#include "parley/config/config.hpp"

#include "parley/config/redis_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

namespace parley {
namespace {

using apply_fn = std::optional<std::string> (*)(config&, std::string_view);
using show_fn = std::string (*)(const config&);

/// One setting: its environment name (the flag is derived from it), what it
/// means, how its default is shown and how a value is applied.
struct setting {
  std::string_view name;
  std::string_view help;
  show_fn show;
  apply_fn apply;
};

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  const auto value = trim(text);
  std::uint64_t out = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc{} || end != value.data() + value.size() || value.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> set_size(std::size_t& field, std::string_view text, std::uint64_t min,
                                    std::uint64_t max) {
  const auto value = parse_uint(text);
  if (!value || *value < min || *value > max) {
    return "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  }
  field = static_cast<std::size_t>(*value);
  return std::nullopt;
}

std::optional<std::string> set_seconds(std::chrono::milliseconds& field, std::string_view text,
                                       double min_s) {
  const auto value = trim(text);
  double seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size() || value.empty() ||
      !std::isfinite(seconds) || seconds < min_s || seconds > 86400.0) {
    std::ostringstream msg;
    msg << "expected a number of seconds from " << min_s << " to 86400";
    return msg.str();
  }
  field = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
  return std::nullopt;
}

/// A rate or burst: a number from `min` to `max` (0 allowed: disabled).
std::optional<std::string> set_number(double& field, std::string_view text, double max) {
  const auto value = trim(text);
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc{} || end != value.data() + value.size() || value.empty() ||
      !std::isfinite(number) || number < 0 || number > max) {
    std::ostringstream msg;
    msg << "expected a number from 0 to " << max;
    return msg.str();
  }
  field = number;
  return std::nullopt;
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto item = trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                               : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << static_cast<double>(ms.count()) / 1000.0;
  return out.str();
}

std::optional<std::string> check_origins(const std::vector<std::string>& origins, bool allow_star) {
  for (const auto& origin : origins) {
    if (allow_star && origin == "*") continue;
    if (origin.rfind("http://", 0) != 0 && origin.rfind("https://", 0) != 0) {
      return "expected comma-separated origins such as https://chat.example.com";
    }
  }
  return std::nullopt;
}

constexpr std::uint64_t max_bytes = 1ull << 30;
constexpr std::uint64_t max_ban_s = 365ull * 24 * 3600;

std::optional<std::string> set_whole_seconds(std::chrono::seconds& field, std::string_view text,
                                             std::uint64_t min, std::uint64_t max) {
  std::size_t value = 0;
  if (auto e = set_size(value, text, min, max)) return e;
  field = std::chrono::seconds(value);
  return std::nullopt;
}
constexpr std::uint64_t min_turn_ttl_s = 60;
constexpr std::uint64_t max_turn_ttl_s = 7 * 24 * 3600;

/// Settings whose value must never be echoed (in errors, --help, .env.example).
bool is_secret(std::string_view name) noexcept {
  return name == "TURN_SECRET" || name == "HASH_SECRET" || name == "ADMIN_TOKEN" ||
         name == "REDIS_URL";
}

// The one table behind flags, environment, `.env`, --help and .env.example.
const setting settings[] = {
    {"HOST", "Address to listen on (0.0.0.0 for all interfaces)",
     [](const config& c) { return c.host; },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       const auto host = trim(v);
       in6_addr address{};
       if (inet_pton(AF_INET, host.c_str(), &address) != 1 &&
           inet_pton(AF_INET6, host.c_str(), &address) != 1) {
         return "expected an IPv4 or IPv6 address such as 127.0.0.1, 0.0.0.0 or ::";
       }
       c.host = host;
       return std::nullopt;
     }},
    {"PORT", "TCP port (0 picks a free one)",
     [](const config& c) { return std::to_string(c.port); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       std::size_t port = 0;
       if (auto e = set_size(port, v, 0, 65535)) return e;
       c.port = static_cast<std::uint16_t>(port);
       return std::nullopt;
     }},
    {"LOG_LEVEL", "trace, debug, info, warn, error, critical or off",
     [](const config& c) { return c.log_level; },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       static constexpr std::string_view levels[] = {"trace", "debug", "info",    "warn",
                                                     "error", "critical", "off"};
       const auto level = trim(v);
       if (std::find(std::begin(levels), std::end(levels), level) == std::end(levels)) {
         return "expected one of trace, debug, info, warn, error, critical, off";
       }
       c.log_level = level;
       return std::nullopt;
     }},
    {"WEB_ROOT", "Folder of the built web client; the API runs without it",
     [](const config& c) { return c.web_root; },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.web_root = trim(v);
       return std::nullopt;
     }},
    {"CORS_ORIGINS", "Origins allowed to call the REST API from a browser, comma-separated, or *",
     [](const config& c) { return join(c.cors_origins); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.cors_origins = split_list(v);
       return check_origins(c.cors_origins, true);
     }},
    {"ALLOWED_ORIGINS",
     "Origins allowed to open /ws besides the server's own and http://localhost / 127.0.0.1",
     [](const config& c) { return join(c.allowed_origins); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.allowed_origins = split_list(v);
       return check_origins(c.allowed_origins, false);
     }},
    {"TRUSTED_PROXIES", "Proxy IP addresses whose X-Forwarded-For is believed, comma-separated",
     [](const config& c) { return join(c.trusted_proxies); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.trusted_proxies = split_list(v);
       return std::nullopt;
     }},
    {"ICE_SERVERS", "STUN/TURN URLs given to browsers, comma-separated (empty: none)",
     [](const config& c) { return join(c.ice_servers); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.ice_servers = split_list(v);
       for (const auto& url : c.ice_servers) {
         if (url.rfind("stun:", 0) != 0 && url.rfind("stuns:", 0) != 0 &&
             url.rfind("turn:", 0) != 0 && url.rfind("turns:", 0) != 0) {
           return "expected stun:, stuns:, turn: or turns: URLs";
         }
       }
       return std::nullopt;
     }},
    {"TURN_URLS",
     "TURN relay URLs (turn:/turns:), comma-separated; credentials go only to video chats",
     [](const config& c) { return join(c.turn_urls); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.turn_urls = split_list(v);
       for (const auto& url : c.turn_urls) {
         if (url.rfind("turn:", 0) != 0 && url.rfind("turns:", 0) != 0) {
           return "expected turn: or turns: URLs";
         }
       }
       return std::nullopt;
     }},
    {"TURN_SECRET",
     "coturn's static-auth-secret (use-auth-secret); needed with TURN_URLS, never shown",
     // Never shown: --help and .env.example print no value.
     [](const config&) { return std::string(); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.turn_secret = trim(v);
       return std::nullopt;
     }},
    {"REDIS_URL",
     "Cluster mode: redis://[:password@]host:port[/db]; every instance given the same URL (and "
     "the same HASH_SECRET) is one service. Empty: one process, in memory. Never shown",
     [](const config&) { return std::string(); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       const auto text = trim(v);
       if (!text.empty()) {
         auto parsed = parse_redis_url(text);
         if (auto* error = std::get_if<std::string>(&parsed)) return *error;
       }
       c.redis_url = text;
       return std::nullopt;
     }},
    {"REDIS_LOG_MAX_ENTRIES",
     "Cluster mode: entries the shared log keeps (1000 or more); an instance that falls further "
     "behind reloads the state, and none has over half of them of its own commands unread",
     [](const config& c) { return std::to_string(c.redis_log_max_entries); },
     [](config& c, std::string_view v) {
       return set_size(c.redis_log_max_entries, v, 1000, 100'000'000);
     }},
    {"HASH_SECRET",
     "Key of the keyed hashes kept instead of client addresses and tokens; random at each start "
     "when empty (set the same one on every instance of a cluster), never shown",
     [](const config&) { return std::string(); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.hash_secret = trim(v);
       return std::nullopt;
     }},
    {"TURN_TTL_S", "Lifetime of TURN credentials in seconds, from 60 to 604800 (7 days)",
     [](const config& c) { return std::to_string(c.turn_ttl.count()); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       std::size_t seconds = 0;
       if (auto e = set_size(seconds, v, min_turn_ttl_s, max_turn_ttl_s)) return e;
       c.turn_ttl = std::chrono::seconds(seconds);
       return std::nullopt;
     }},
    {"MAX_BODY_BYTES", "Largest HTTP request body (413 above it)",
     [](const config& c) { return std::to_string(c.max_body_bytes); },
     [](config& c, std::string_view v) { return set_size(c.max_body_bytes, v, 256, max_bytes); }},
    {"MAX_FRAME_BYTES", "Largest WebSocket message (closed with 1009 above it)",
     [](const config& c) { return std::to_string(c.max_frame_bytes); },
     [](config& c, std::string_view v) { return set_size(c.max_frame_bytes, v, 256, max_bytes); }},
    {"MAX_TEXT_CHARS", "Longest chat message, in characters",
     [](const config& c) { return std::to_string(c.chat.max_text_chars); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.max_text_chars, v, 1, 1'000'000);
     }},
    {"MAX_SIGNAL_BYTES", "Largest WebRTC signal data object, serialised",
     [](const config& c) { return std::to_string(c.chat.max_signal_bytes); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.max_signal_bytes, v, 64, max_bytes);
     }},
    {"MAX_INTERESTS", "Interests per user",
     [](const config& c) { return std::to_string(c.chat.max_interests); },
     [](config& c, std::string_view v) { return set_size(c.chat.max_interests, v, 0, 100); }},
    {"MAX_INTEREST_CHARS", "Characters per interest",
     [](const config& c) { return std::to_string(c.chat.max_interest_chars); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.max_interest_chars, v, 1, 200);
     }},
    {"MAILBOX_LIMIT", "Events kept per user for /receive and resume",
     [](const config& c) { return std::to_string(c.chat.mailbox_limit); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.mailbox_limit, v, 1, 100'000);
     }},
    {"WS_SEND_QUEUE_BYTES", "Bytes queued to one WebSocket before it is closed as too slow",
     [](const config& c) { return std::to_string(c.ws_send_queue_bytes); },
     [](config& c, std::string_view v) {
       return set_size(c.ws_send_queue_bytes, v, 1024, max_bytes);
     }},
    {"MAX_CONNECTIONS", "Open connections at most (0: derived from the open-file limit)",
     [](const config& c) { return std::to_string(c.max_connections); },
     [](config& c, std::string_view v) {
       return set_size(c.max_connections, v, 0, 10'000'000);
     }},
    {"REST_IDLE_TIMEOUT_S", "A REST user that has not called the API for this long is gone",
     [](const config& c) { return seconds_text(c.chat.rest_idle_timeout); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.rest_idle_timeout, v, 0.1); }},
    {"INTEREST_FALLBACK_S", "How long a user with interests waits for a shared one",
     [](const config& c) { return seconds_text(c.chat.interest_fallback); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.interest_fallback, v, 0); }},
    {"RESUME_GRACE_S", "How long a dropped WebSocket's user can be resumed",
     [](const config& c) { return seconds_text(c.chat.resume_grace); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.resume_grace, v, 0); }},
    {"RECEIVE_MAX_WAIT_S", "Longest /receive long poll",
     [](const config& c) { return seconds_text(c.receive_max_wait); },
     [](config& c, std::string_view v) { return set_seconds(c.receive_max_wait, v, 0); }},
    {"WS_PING_INTERVAL_S", "WebSocket ping interval; no pong within two intervals is a drop",
     [](const config& c) { return seconds_text(c.ws_ping_interval); },
     [](config& c, std::string_view v) { return set_seconds(c.ws_ping_interval, v, 0.1); }},
    {"REQUEST_TIMEOUT_S", "A request (headers and body) must arrive whole within this",
     [](const config& c) { return seconds_text(c.request_timeout); },
     [](config& c, std::string_view v) { return set_seconds(c.request_timeout, v, 0.1); }},
    {"KEEP_ALIVE_TIMEOUT_S", "An idle keep-alive connection is closed after this",
     [](const config& c) { return seconds_text(c.keep_alive_timeout); },
     [](config& c, std::string_view v) { return set_seconds(c.keep_alive_timeout, v, 0.1); }},
    {"SEND_TIMEOUT_S", "A response or WebSocket message not taken by the client within this closes it",
     [](const config& c) { return seconds_text(c.send_timeout); },
     [](config& c, std::string_view v) { return set_seconds(c.send_timeout, v, 0.1); }},
    {"ONLINE_PUSH_INTERVAL_S", "Shortest interval between `online` count pushes",
     [](const config& c) { return seconds_text(c.online_push_interval); },
     [](config& c, std::string_view v) { return set_seconds(c.online_push_interval, v, 0.1); }},
    {"SHUTDOWN_GRACE_S", "On SIGTERM, how long in-flight work may take before exit",
     [](const config& c) { return seconds_text(c.shutdown_grace); },
     [](config& c, std::string_view v) { return set_seconds(c.shutdown_grace, v, 0); }},
    {"RATE_MESSAGES_PER_S", "Chat messages per second per participant (0: no limit); over it: error rate_limited (REST 429)",
     [](const config& c) { return number_text(c.abuse.messages.per_second); },
     [](config& c, std::string_view v) { return set_number(c.abuse.messages.per_second, v, 1e6); }},
    {"RATE_MESSAGES_BURST", "Chat messages a participant may send at once before RATE_MESSAGES_PER_S applies",
     [](const config& c) { return number_text(c.abuse.messages.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.messages.burst, v, 1e6); }},
    {"RATE_TYPING_PER_S", "Typing notices per second per participant (0: no limit)",
     [](const config& c) { return number_text(c.abuse.typing.per_second); },
     [](config& c, std::string_view v) { return set_number(c.abuse.typing.per_second, v, 1e6); }},
    {"RATE_TYPING_BURST", "Typing notices a participant may send at once",
     [](const config& c) { return number_text(c.abuse.typing.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.typing.burst, v, 1e6); }},
    {"RATE_SIGNALS_PER_S", "WebRTC signals per second per participant (0: no limit)",
     [](const config& c) { return number_text(c.abuse.signals.per_second); },
     [](config& c, std::string_view v) { return set_number(c.abuse.signals.per_second, v, 1e6); }},
    {"RATE_SIGNALS_BURST", "WebRTC signals a participant may send at once (far above ICE gathering)",
     [](const config& c) { return number_text(c.abuse.signals.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.signals.burst, v, 1e6); }},
    {"RATE_ABUSE_LIMIT", "Rate-limited commands within RATE_ABUSE_WINDOW_S that close a WebSocket with 1008 (0: never)",
     [](const config& c) { return std::to_string(c.abuse.abuse_limit); },
     [](config& c, std::string_view v) { return set_size(c.abuse.abuse_limit, v, 0, 1'000'000); }},
    {"RATE_ABUSE_WINDOW_S", "The window of RATE_ABUSE_LIMIT",
     [](const config& c) { return seconds_text(c.abuse.abuse_window); },
     [](config& c, std::string_view v) { return set_seconds(c.abuse.abuse_window, v, 0.1); }},
    {"RATE_IDENTITIES_PER_MIN", "New identities (/start, /start_video, WebSocket hello) per minute per client address (0: no limit); per instance",
     [](const config& c) { return number_text(c.abuse.identities.per_second * 60.0); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       double per_min = 0;
       if (auto e = set_number(per_min, v, 1e6)) return e;
       c.abuse.identities.per_second = per_min / 60.0;
       return std::nullopt;
     }},
    {"RATE_IDENTITIES_BURST", "New identities a client address may make at once",
     [](const config& c) { return number_text(c.abuse.identities.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.identities.burst, v, 1e6); }},
    {"RATE_REQUESTS_PER_S", "HTTP requests per second per client address (0: no limit); per instance",
     [](const config& c) { return number_text(c.abuse.requests.per_second); },
     [](config& c, std::string_view v) { return set_number(c.abuse.requests.per_second, v, 1e6); }},
    {"RATE_REQUESTS_BURST", "HTTP requests a client address may make at once",
     [](const config& c) { return number_text(c.abuse.requests.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.requests.burst, v, 1e6); }},
    {"RATE_RESUME_FAILURES_PER_MIN", "Failed WebSocket resumes (unknown token) per minute per client address (0: no limit); over it: error rate_limited; per instance",
     [](const config& c) { return number_text(c.abuse.resume_failures.per_second * 60.0); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       double per_min = 0;
       if (auto e = set_number(per_min, v, 1e6)) return e;
       c.abuse.resume_failures.per_second = per_min / 60.0;
       return std::nullopt;
     }},
    {"RATE_RESUME_FAILURES_BURST", "Failed WebSocket resumes a client address may make at once",
     [](const config& c) { return number_text(c.abuse.resume_failures.burst); },
     [](config& c, std::string_view v) { return set_number(c.abuse.resume_failures.burst, v, 1e6); }},
    {"MAX_CONNECTIONS_PER_ADDRESS", "Open connections (HTTP and WebSocket) per client address (0: no limit); per instance",
     [](const config& c) { return std::to_string(c.abuse.connections_per_address); },
     [](config& c, std::string_view v) {
       return set_size(c.abuse.connections_per_address, v, 0, 10'000'000);
     }},
    {"RATE_TABLE_SIZE", "Client addresses each per-address limiter remembers (least recently seen forgotten first)",
     [](const config& c) { return std::to_string(c.abuse.address_table_size); },
     [](config& c, std::string_view v) {
       return set_size(c.abuse.address_table_size, v, 1, 100'000'000);
     }},
    {"WS_COALESCE_DELAY_US", "Pause after a busy WebSocket flush, in microseconds (0-300; 0: none)",
     [](const config& c) { return std::to_string(c.ws_coalesce_delay_us); },
     [](config& c, std::string_view v) { return set_size(c.ws_coalesce_delay_us, v, 0, 300); }},
    {"REMATCH_COOLDOWN_S", "Two users who just chatted are not paired again for this long (0: off)",
     [](const config& c) { return seconds_text(c.chat.rematch_cooldown); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.rematch_cooldown, v, 0); }},
    {"BLOCK_EXCLUSION_S", "A block or a report keeps the two users (and their addresses) apart this long",
     [](const config& c) { return seconds_text(c.chat.block_exclusion); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.block_exclusion, v, 0); }},
    {"MAX_EXCLUDED_PAIRS", "Pairs kept apart at most (cooldowns, blocks, reports); the soonest to expire go first",
     [](const config& c) { return std::to_string(c.chat.max_excluded_pairs); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.max_excluded_pairs, v, 0, 10'000'000);
     }},
    {"REPORT_GRACE_S", "How long after a chat ended its stranger can still be reported or blocked",
     [](const config& c) { return seconds_text(c.chat.report_grace); },
     [](config& c, std::string_view v) { return set_seconds(c.chat.report_grace, v, 0); }},
    {"REPORT_COMMENT_CHARS", "Longest comment of a report, in characters",
     [](const config& c) { return std::to_string(c.chat.report_comment_chars); },
     [](config& c, std::string_view v) {
       return set_size(c.chat.report_comment_chars, v, 0, 10'000);
     }},
    {"MAX_REPORTS", "Reports kept for the admin API at most (the oldest go first)",
     [](const config& c) { return std::to_string(c.moderation.max_reports); },
     [](config& c, std::string_view v) { return set_size(c.moderation.max_reports, v, 0, 1'000'000); }},
    {"REPORT_RETENTION_S", "How long a report is kept",
     [](const config& c) { return std::to_string(c.moderation.report_retention.count()); },
     [](config& c, std::string_view v) {
       return set_whole_seconds(c.moderation.report_retention, v, 1, max_ban_s);
     }},
    {"REPORT_BAN_THRESHOLD", "Distinct reporters of one address within REPORT_BAN_WINDOW_S that ban it (0: never)",
     [](const config& c) { return std::to_string(c.moderation.report_ban_threshold); },
     [](config& c, std::string_view v) {
       return set_size(c.moderation.report_ban_threshold, v, 0, 1000);
     }},
    {"REPORT_BAN_WINDOW_S", "Window in which reports against one address add up",
     [](const config& c) { return std::to_string(c.moderation.report_ban_window.count()); },
     [](config& c, std::string_view v) {
       return set_whole_seconds(c.moderation.report_ban_window, v, 1, max_ban_s);
     }},
    {"REPORT_BAN_S", "How long an address banned by reports stays banned",
     [](const config& c) { return std::to_string(c.moderation.report_ban_duration.count()); },
     [](config& c, std::string_view v) {
       return set_whole_seconds(c.moderation.report_ban_duration, v, 1, max_ban_s);
     }},
    {"SPAM_STRANGERS", "The same message to this many different strangers within SPAM_WINDOW_S bans the sender (0: never)",
     [](const config& c) { return std::to_string(c.moderation.spam_strangers); },
     [](config& c, std::string_view v) { return set_size(c.moderation.spam_strangers, v, 0, 1000); }},
    {"SPAM_WINDOW_S", "Window of the spam guard",
     [](const config& c) { return std::to_string(c.moderation.spam_window.count()); },
     [](config& c, std::string_view v) {
       return set_whole_seconds(c.moderation.spam_window, v, 1, 86400);
     }},
    {"SPAM_BAN_S", "How long an address banned by the spam guard stays banned",
     [](const config& c) { return std::to_string(c.moderation.spam_ban_duration.count()); },
     [](config& c, std::string_view v) {
       return set_whole_seconds(c.moderation.spam_ban_duration, v, 1, max_ban_s);
     }},
    {"SPAM_TRACKED_MAX", "Messages the spam guard remembers at most (the oldest go first)",
     [](const config& c) { return std::to_string(c.moderation.spam_tracked_max); },
     [](config& c, std::string_view v) {
       return set_size(c.moderation.spam_tracked_max, v, 0, 10'000'000);
     }},
    {"MAX_BANS", "Bans in force at most (the one ending soonest goes first)",
     [](const config& c) { return std::to_string(c.moderation.max_bans); },
     [](config& c, std::string_view v) { return set_size(c.moderation.max_bans, v, 1, 10'000'000); }},
    {"ADMIN_TOKEN",
     "Bearer token of the admin API under /admin/ (empty: no admin API); use a long random "
     "value, never shown",
     [](const config&) { return std::string(); },
     [](config& c, std::string_view v) -> std::optional<std::string> {
       c.admin_token = trim(v);
       return std::nullopt;
     }},
};

std::string flag_of(std::string_view name) {
  std::string flag = "--";
  for (const char ch : name) {
    flag.push_back(ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  }
  return flag;
}

const setting* find_by_name(std::string_view name) {
  for (const auto& s : settings) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const setting* find_by_flag(std::string_view flag) {
  for (const auto& s : settings) {
    if (flag_of(s.name) == flag) return &s;
  }
  return nullptr;
}

std::optional<config_error> apply(config& c, const setting& s, std::string_view value,
                                  std::string_view where) {
  if (auto error = s.apply(c, value)) {
    const auto shown = is_secret(s.name) ? std::string("(hidden)") : "'" + std::string(value) + "'";
    return config_error{"invalid " + std::string(s.name) + " " + std::string(where) + ": " +
                        shown + " (" + *error + ")"};
  }
  return std::nullopt;
}

/// KEY=VALUE lines; `#` comments, `export ` prefixes and quotes allowed.
std::map<std::string, std::string> parse_env_file(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto trimmed = trim(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    if (trimmed.rfind("export ", 0) == 0) trimmed = trim(trimmed.substr(7));
    const auto eq = trimmed.find('=');
    if (eq == std::string::npos) continue;
    auto key = trim(trimmed.substr(0, eq));
    auto value = trim(trimmed.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[key] = value;
  }
  return out;
}

}  // namespace

std::variant<config, config_help_request, config_error> load_config(const config_sources& sources) {
  // First pass over the flags: --help and --env-file change what is read.
  std::optional<std::string> env_file;
  for (std::size_t i = 0; i < sources.args.size(); ++i) {
    const auto& arg = sources.args[i];
    if (arg == "--help" || arg == "-h") return config_help_request{};
    if (arg == "--print-env-example") return config_help_request{true};
    if (arg == "--env-file") {
      if (i + 1 >= sources.args.size()) return config_error{"--env-file needs a path"};
      env_file = sources.args[i + 1];
    } else if (arg.rfind("--env-file=", 0) == 0) {
      env_file = arg.substr(11);
    }
  }

  config c;

  // 1. The .env file (optional unless named explicitly).
  std::optional<std::string> env_text;
  if (sources.read_file) env_text = sources.read_file(env_file.value_or(".env"));
  if (env_file && !env_text) return config_error{"cannot read --env-file " + *env_file};
  if (env_text) {
    // Unknown keys are allowed: the same file also feeds docker compose.
    for (const auto& [key, value] : parse_env_file(*env_text)) {
      if (const auto* s = find_by_name(key)) {
        if (auto error = apply(c, *s, value, "in " + env_file.value_or(".env"))) return *error;
      }
    }
  }

  // 2. The environment.
  if (sources.env) {
    for (const auto& s : settings) {
      if (const auto value = sources.env(s.name)) {
        if (auto error = apply(c, s, *value, "in the environment")) return *error;
      }
    }
  }

  // 3. Flags: --name value or --name=value.
  for (std::size_t i = 0; i < sources.args.size(); ++i) {
    std::string arg = sources.args[i];
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "--env-file") {
      if (!value) ++i;
      continue;
    }
    const auto* s = find_by_flag(arg);
    if (s == nullptr) return config_error{"unknown option " + arg + " (see --help)"};
    if (!value) {
      if (i + 1 >= sources.args.size()) return config_error{arg + " needs a value"};
      value = sources.args[++i];
    }
    if (auto error = apply(c, *s, *value, "(" + arg + ")")) return *error;
  }

  // Settings that only make sense together.
  if (!c.turn_urls.empty() && c.turn_secret.empty()) {
    return config_error{"TURN_URLS needs TURN_SECRET (coturn's static-auth-secret)"};
  }
  if (!c.redis_url.empty() && c.hash_secret.empty()) {
    return config_error{"REDIS_URL needs HASH_SECRET, the same on every instance of the cluster"};
  }
  return c;
}

std::string config_help() {
  const config defaults;
  std::ostringstream out;
  out << "parley " << PARLEY_VERSION << ": random video and text chat server\n\n"
      << "Usage: parley [--env-file PATH] [--name value ...]\n\n"
      << "Each setting is read, later winning, from: its default, the .env file in the\n"
      << "working directory (or --env-file PATH), the environment variable, the flag.\n\n";
  for (const auto& s : settings) {
    out << "  " << flag_of(s.name) << " (" << s.name << ")\n      " << s.help
        << "\n      default: " << (s.show(defaults).empty() ? "(empty)" : s.show(defaults)) << "\n";
  }
  out << "  --env-file PATH\n      Read settings from PATH instead of ./.env\n"
      << "  --print-env-example\n      Print a .env file with every setting at its default\n"
      << "  --help\n      Show this text\n";
  return out.str();
}

std::string config_env_example() {
  const config defaults;
  std::ostringstream out;
  out << "# parley settings: copy to .env and edit. Environment variables and\n"
      << "# command-line flags (--port 5000, ...) override this file.\n";
  for (const auto& s : settings) {
    out << "\n# " << s.help << "\n" << s.name << "=" << s.show(defaults) << "\n";
  }
  return out.str();
}

}  // namespace parley
