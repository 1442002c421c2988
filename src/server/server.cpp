#include "parley/server/server.hpp"

#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <optional>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "address_guard.hpp"
#include "connection_tracker.hpp"
#include "http_connection.hpp"
#include "admin_router.hpp"
#include "listener.hpp"
#include "metrics.hpp"
#include "origin_policy.hpp"
#include "parley/app/chat_service.hpp"
#include "parley/app/log_clock.hpp"
#include "parley/crypto/keyed_token_source.hpp"
#include "redis_sequencer.hpp"
#include "parley/crypto/keyed_hash.hpp"
#include "parley/turn/turn_credentials.hpp"
#include "rest_router.hpp"
#include "static_files.hpp"
#include "websocket_connection.hpp"

namespace parley {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

/// The switchboard's timers run this often: interest waits and grace periods are
/// seconds long, so a quarter second is precise enough and costs nothing.
constexpr auto tick_interval = 250ms;
/// File descriptors kept back from the connection cap (logs, web files, accept).
constexpr std::size_t reserved_descriptors = 64;

/// Raises the soft open-file limit to the hard one; returns the limit.
std::size_t raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

/// TURN credentials from the real clock, each with a fresh random opaque id
/// (64 bits: nothing that names the participant).
class system_turn_source final : public turn_source {
public:
  explicit system_turn_source(const config& cfg)
      : credentials_(cfg.turn_urls, cfg.turn_secret, cfg.turn_ttl) {}

  turn_grant issue() override {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return credentials_.issue(now, ids_.make(8));
  }

private:
  turn_credentials credentials_;
  random_token_source ids_;
};

std::unique_ptr<system_turn_source> turn_source_of(const config& cfg) {
  if (cfg.turn_urls.empty()) return nullptr;
  return std::make_unique<system_turn_source>(cfg);
}

http_settings http_settings_of(const config& cfg) {
  return {cfg.keep_alive_timeout, cfg.request_timeout, cfg.send_timeout, cfg.max_body_bytes,
          cfg.trusted_proxies};
}

websocket_settings websocket_settings_of(const config& cfg) {
  return {cfg.request_timeout, cfg.ws_ping_interval, cfg.send_timeout, cfg.max_frame_bytes,
          cfg.ws_send_queue_bytes, std::chrono::microseconds(cfg.ws_coalesce_delay_us)};
}

rest_settings rest_settings_of(const config& cfg) {
  client_limits limits;
  limits.max_message_chars = cfg.chat.max_text_chars;
  limits.max_interests = cfg.chat.max_interests;
  limits.max_interest_chars = cfg.chat.max_interest_chars;
  limits.max_signal_bytes = cfg.chat.max_signal_bytes;
  limits.interest_fallback = cfg.chat.interest_fallback;
  limits.max_frame_bytes = cfg.max_frame_bytes;
  limits.max_body_bytes = cfg.max_body_bytes;
  return {cfg.receive_max_wait, cfg.ice_servers, limits};
}

}  // namespace

/// Everything the server owns. The application objects come before the
/// io_context: handlers still queued when it is destroyed (a forced stop)
/// may own connections whose destructors use them.
struct server::impl {
  explicit impl(const config& settings)
      : cfg(settings),
        hashes(cfg.hash_secret.empty() ? keyed_hash::random_secret() : cfg.hash_secret),
        cluster_ids(cfg.hash_secret),
        turn(turn_source_of(cfg)),
        chats(cfg.chat, cluster() ? static_cast<const time_source&>(cluster_clock) : clock, tokens,
              turn.get(), cfg.hash_secret, cluster() ? &cluster_ids : nullptr, cfg.moderation),
        origins(cfg.allowed_origins, cfg.cors_origins),
        files(cfg.web_root),
        http(http_settings_of(cfg)),
        websocket(websocket_settings_of(cfg)),
        admin(cfg.admin_token, chats, hashes, clock),
        ioc(1),
        api(ioc, chats, origins, connections, stats, rest_settings_of(cfg)),
        signals(ioc, SIGINT, SIGTERM),
        tick_timer(ioc),
        push_timer(ioc),
        drain_timer(ioc),
        deadline_timer(ioc) {
    chats.set_abuse_limits(cfg.abuse);
    if (!cluster()) return;
    redis_sequencer::settings s;
    s.url = std::get<redis_url>(parse_redis_url(cfg.redis_url));  // validated by the config
    s.max_entries = cfg.redis_log_max_entries;
    sequencer = std::make_unique<redis_sequencer>(
        ioc, s, cluster_clock, cluster_ids, [this](const log_entry& e) { chats.apply_entry(e); },
        [this](const service_state& state) { chats.restore_state(state); });
    chats.use_sequencer(*sequencer, sequencer->id_tag());
  }

  bool cluster() const { return !cfg.redis_url.empty(); }

  http_connection::parts connection_parts() {
    return {ioc, http, websocket_shared, api, files, origins, chats, hashes, connections, stats, guard, admin};
  }

  void start_timers() {
    tick_timer.expires_after(tick_interval);
    tick_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || connections.stopping()) return;
      chats.tick();
      start_timers();
    });
  }

  void start_online_push() {
    push_timer.expires_after(cfg.online_push_interval);
    push_timer.async_wait([this](boost::system::error_code ec) {
      if (ec || connections.stopping()) return;
      // Only changes are pushed, and at most once per interval.
      chats.push_online_count();
      start_online_push();
    });
  }

  void wait_for_signal() {
    signals.async_wait([this](boost::system::error_code ec, int signal) {
      if (ec) return;
      if (connections.stopping()) {
        spdlog::warn("second signal {}: stopping now", signal);
        ioc.stop();
        return;
      }
      spdlog::info("signal {}: shutting down", signal);
      // Listen for a second signal first: begin_shutdown may cancel it.
      wait_for_signal();
      begin_shutdown();
    });
  }

  void begin_shutdown() {
    if (connections.stopping()) return;
    if (acceptor) acceptor->stop();
    tick_timer.cancel();
    push_timer.cancel();
    // Long polls are answered, WebSockets closed with 1001, idle HTTP
    // connections closed.
    connections.shutdown();
    deadline_timer.expires_after(cfg.shutdown_grace);
    deadline_timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      spdlog::warn("shutdown grace over with {} connections open; exiting", connections.open());
      if (sequencer) sequencer->stop();
      ioc.stop();
    });
    check_drained();
  }

  void check_drained() {
    if (connections.open() == 0) {
      // Nothing in flight: let run() return (the cluster's log last: the
      // sockets' goodbyes went through it).
      deadline_timer.cancel();
      signals.cancel();
      if (sequencer) sequencer->stop();
      return;
    }
    drain_timer.expires_after(20ms);
    drain_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) check_drained();
    });
  }

  const config cfg;
  system_time_source clock;
  random_token_source tokens;
  /// Stands for client addresses and tokens wherever they are kept.
  keyed_hash hashes;
  /// Cluster mode: the time and chat ids every instance agrees on.
  log_clock cluster_clock;
  keyed_token_source cluster_ids;
  std::unique_ptr<system_turn_source> turn;  ///< none without TURN_URLS
  chat_service chats;
  origin_policy origins;
  static_files files;
  metrics stats;
  connection_tracker connections;
  /// Per-address connection cap and request rate (before ioc: connections use it).
  address_guard guard{cfg.abuse};
  const http_settings http;
  const websocket_settings websocket;
  /// What every WebSocket refers to (one reference each, not four).
  const websocket_parts websocket_shared{websocket, chats, connections, stats};
  admin_router admin;

  net::io_context ioc;
  rest_router api;
  net::signal_set signals;
  net::steady_timer tick_timer;
  net::steady_timer push_timer;
  net::steady_timer drain_timer;
  net::steady_timer deadline_timer;
  std::shared_ptr<listener> acceptor;
  std::unique_ptr<redis_sequencer> sequencer;  ///< cluster mode only
};

server::server(const config& cfg) : impl_(std::make_unique<impl>(cfg)) {}

server::~server() = default;

void server::open() {
  auto& i = *impl_;
  const auto& cfg = i.cfg;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(cfg.host, ec);
  if (ec) throw std::runtime_error("invalid HOST '" + cfg.host + "': " + ec.message());
  try {
    i.acceptor = std::make_shared<listener>(
        i.ioc, net::ip::tcp::endpoint{address, cfg.port}, i.connections, i.stats,
        [&i](net::ip::tcp::socket&& socket) {
          std::make_shared<http_connection>(std::move(socket), i.connection_parts())->run();
        });
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + cfg.host + ":" + std::to_string(cfg.port) +
                             ": " + e.code().message());
  }

  const auto file_limit = raise_file_limit();
  const auto derived_cap = file_limit > reserved_descriptors * 2 ? file_limit - reserved_descriptors
                                                                 : file_limit / 2;
  i.connections.set_limit(cfg.max_connections != 0 ? std::min(cfg.max_connections, derived_cap)
                                                    : derived_cap);
  spdlog::info("open-file limit {}; at most {} connections", file_limit, i.connections.limit());
  if (!cfg.turn_urls.empty()) {
    // The URLs and lifetime only: the secret is never logged.
    std::string urls;
    for (const auto& url : cfg.turn_urls) urls += (urls.empty() ? "" : ", ") + url;
    spdlog::info("TURN relay {} for video chats; credentials valid {} s", urls,
                 cfg.turn_ttl.count());
    if (cfg.turn_secret.size() < 16) {
      spdlog::warn("TURN_SECRET is shorter than 16 characters: use a long random secret");
    }
  }
  if (!cfg.admin_token.empty()) {
    spdlog::info("admin API on /admin/ (ADMIN_TOKEN set); keep it off the internet");
    if (cfg.admin_token.size() < 16) {
      spdlog::warn("ADMIN_TOKEN is shorter than 16 characters: use a long random token");
    }
  }
  if (!i.files.available()) {
    spdlog::warn("web client not found at WEB_ROOT '{}': serving the API only", cfg.web_root);
  } else {
    spdlog::info("serving the web client from {}", i.files.root().string());
  }
}

std::uint16_t server::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

int server::run() {
  auto& i = *impl_;
  if (!i.acceptor) open();
  const auto endpoint = i.acceptor->local_endpoint();
  const auto host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                               : endpoint.address().to_string();
  spdlog::info("listening on http://{}:{}", host, endpoint.port());
  if (i.sequencer) i.sequencer->start();
  i.acceptor->run();
  i.start_timers();
  i.start_online_push();
  i.wait_for_signal();
  i.ioc.run();
  spdlog::info("stopped");
  return 0;
}

void server::stop() {
  net::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace parley
