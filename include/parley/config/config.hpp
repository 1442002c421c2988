#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "parley/core/abuse_limits.hpp"
#include "parley/core/chat_limits.hpp"
#include "parley/core/moderation_limits.hpp"

namespace parley {

/// Every setting of the server, with its default. `.env.example` and
/// `parley --help` document each one (both generated from the same table).
struct config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 5000;
  std::string log_level = "info";
  /// The built web client; the API works without it.
  std::string web_root = "web/dist";
  /// Origins allowed to call the REST API from a browser (CORS); `*` for any.
  std::vector<std::string> cors_origins;
  /// Origins allowed to open /ws, besides the server's own and localhost.
  std::vector<std::string> allowed_origins;
  /// Proxies whose X-Forwarded-For is believed (for logs).
  std::vector<std::string> trusted_proxies;
  /// STUN/TURN URLs handed to browsers by GET /config.
  std::vector<std::string> ice_servers;
  /// TURN relay URLs (turn:/turns:); their credentials go only to participants
  /// matched in a video chat.
  std::vector<std::string> turn_urls;
  /// coturn's static-auth-secret; never shown (help, errors, logs, answers).
  std::string turn_secret;
  /// Cluster mode: the Redis every instance shares (redis://...); empty for
  /// one process. Holds a password: never shown.
  std::string redis_url;
  /// Cluster mode: entries the shared log keeps (an instance stalled for
  /// longer than these take reloads the state from a snapshot).
  std::size_t redis_log_max_entries = 10'000;
  /// Key of the keyed hashes (HMAC-SHA256) that stand for client addresses and
  /// tokens; random at each start when empty. Give every instance of a cluster
  /// the same one. Never shown.
  std::string hash_secret;
  /// Lifetime of the TURN credentials handed out.
  std::chrono::seconds turn_ttl{6 * 3600};

  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_frame_bytes = 64 * 1024;
  std::size_t ws_send_queue_bytes = 1024 * 1024;
  /// 0: derived from the open-file limit.
  std::size_t max_connections = 0;

  std::chrono::milliseconds receive_max_wait = std::chrono::seconds(30);
  std::chrono::milliseconds ws_ping_interval = std::chrono::seconds(20);
  /// A request must arrive whole within this (slowloris guard).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  /// A keep-alive connection with no request for this long is closed.
  std::chrono::milliseconds keep_alive_timeout = std::chrono::seconds(30);
  /// A response or WebSocket message the client does not take within this
  /// closes the connection (slow readers).
  std::chrono::milliseconds send_timeout = std::chrono::seconds(30);
  std::chrono::milliseconds online_push_interval = std::chrono::seconds(3);
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(5);
  /// After a busy WebSocket flush the loop pauses this long (at most 300 us)
  /// so that more frames go per system call; 0: never.
  std::size_t ws_coalesce_delay_us = 200;

  chat_limits chat;
  /// Rate limits per participant and per client address (0 disables each).
  abuse_limits abuse;

  /// Reports, bans and the spam guard.
  moderation_limits moderation;
  /// Bearer token of the admin API under /admin/; empty: no admin API. Never shown.
  std::string admin_token;
};

/// Where settings come from, injected so tests need no files or environment.
struct config_sources {
  std::vector<std::string> args;  ///< command-line arguments, without argv[0]
  std::function<std::optional<std::string>(std::string_view name)> env;
  std::function<std::optional<std::string>(const std::string& path)> read_file;
};

/// `--help` (show config_help()) or `--print-env-example` (show config_env_example()).
struct config_help_request {
  bool env_example = false;
};

/// Start-up fails with this: one line naming the setting.
struct config_error {
  std::string message;
};

/// Defaults, then `.env` (or --env-file), then the environment, then flags.
std::variant<config, config_help_request, config_error> load_config(const config_sources& sources);

/// The text of `parley --help`.
std::string config_help();

/// The text of `.env.example`.
std::string config_env_example();

}  // namespace parley
