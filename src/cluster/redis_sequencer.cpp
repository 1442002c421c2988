#include "redis_sequencer.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "log_entry_codec.hpp"
#include "service_state_codec.hpp"
#include "parley/core/token_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

/// Between attempts while Redis is unreachable or the snapshot not there yet.
constexpr auto retry_pause = 100ms;
/// Instances tick every 250 ms: after this long without one, nobody runs.
constexpr auto lone_wait = 1500ms;
/// A running instance shares its snapshot well within this.
constexpr auto snapshot_wait = 5s;
/// A snapshot lives this long in Redis (it is deleted once loaded).
constexpr auto snapshot_expiry = 60s;
/// Entries held while the snapshot is awaited.
constexpr std::size_t max_pending = 200'000;
}  // namespace

redis_sequencer::redis_sequencer(boost::asio::io_context& ioc, settings s, log_clock& clock,
                                 keyed_token_source& chat_ids, applier apply, loader load)
    : ioc_(ioc),
      settings_(std::move(s)),
      clock_(clock),
      chat_ids_(chat_ids),
      apply_(std::move(apply)),
      load_(std::move(load)),
      wait_(ioc) {
  random_token_source random;
  instance_ = random.make(8);
  // 24 bits above the 40 of each instance's own counter.
  id_tag_ = static_cast<std::uint32_t>(std::stoul(instance_.substr(0, 6), nullptr, 16));
  if (id_tag_ == 0) id_tag_ = 1;  // 0 is one process's numbering
  redis_client::settings client;
  client.url = settings_.url;
  client.name = "redis writer";
  writer_ = std::make_shared<redis_client>(ioc, client);
  client.name = "redis reader";
  reader_ = std::make_shared<redis_client>(ioc, client);
  log_ = std::make_shared<redis_log>(ioc, writer_, reader_, settings_.key, settings_.max_entries);
}

void redis_sequencer::start() {
  spdlog::info("cluster instance {} using {}", instance_, settings_.url.redacted());
  stopped_ = false;
  writer_->start();
  // The reader starts once connected, at the log's end: what this instance
  // appends from then on comes back to it.
  reader_->start([this] {
    if (positioned_) return;  // a reconnection: redis_log goes on from its last entry
    position();
  });
}

void redis_sequencer::position() {
  writer_->command({"XREVRANGE", settings_.key, "+", "-", "COUNT", "1"},
                   [this](const redis_reply* r) {
                     if (stopped_ || positioned_) return;
                     if (r == nullptr || r->is_error()) {
                       wait_.expires_after(retry_pause);
                       wait_.async_wait([this](boost::system::error_code ec) {
                         if (!ec) position();
                       });
                       return;
                     }
                     const bool empty = r->elements.empty() || r->elements[0].elements.empty();
                     positioned_ = true;
                     log_->start(empty ? "0-0" : r->elements[0].elements[0].text,
                                 [this](const redis_log::entry& e) { on_entry(e); },
                                 [this] { fell_behind(); });
                     request_snapshot();
                   });
}

void redis_sequencer::request_snapshot() {
  // Even when the log looks empty: Redis may have restarted empty under
  // running instances, which hold the state.
  request_seen_ = false;
  others_alive_ = false;
  pending_.clear();
  snapshot_key_ = settings_.key + ":snapshot:" + instance_ + ":" + std::to_string(++requests_);
  log_->append(encode_entry({instance_, 0, snapshot_entry{snapshot_key_}}),
               [this](const std::string& id) {
                 if (!id.empty() || stopped_) return;
                 wait_.expires_after(retry_pause);
                 wait_.async_wait([this](boost::system::error_code ec) {
                   if (!ec && !loaded_) request_snapshot();
                 });
               });
}

void redis_sequencer::fetch_snapshot() {
  writer_->command({"GET", snapshot_key_}, [this, key = snapshot_key_](const redis_reply* r) {
    if (stopped_ || loaded_ || key != snapshot_key_) return;
    if (r != nullptr && r->type == redis_reply::kind::string) {
      writer_->command({"DEL", key}, [](const redis_reply*) {});
      auto state = decode_state(r->text);
      if (!state) {
        spdlog::error("snapshot {} unreadable (another version?); asking again", key);
        return request_snapshot();
      }
      return loaded(&*state);
    }
    const auto waited = std::chrono::steady_clock::now() - request_seen_at_;
    if (!others_alive_ && waited >= lone_wait) {
      // Nobody ticked: no running instance holds any state to share.
      spdlog::info("cluster instance {}: no running instance, starting empty", instance_);
      return loaded(nullptr);
    }
    if (waited >= snapshot_wait) {
      spdlog::warn("cluster instance {}: no snapshot in {} s; asking again", instance_,
                   std::chrono::duration_cast<std::chrono::seconds>(snapshot_wait).count());
      return request_snapshot();
    }
    wait_.expires_after(retry_pause);
    wait_.async_wait([this](boost::system::error_code ec) {
      if (!ec) fetch_snapshot();
    });
  });
}

void redis_sequencer::loaded(const service_state* state) {
  // Ready first: loading may order entries (the sockets a resync lets go).
  loaded_ = true;
  if (state != nullptr) {
    clock_.set(state->unix_ms);
    load_(*state);
  }
  auto pending = std::move(pending_);
  pending_.clear();
  spdlog::info("cluster instance {} ready ({} entries applied after the snapshot)", instance_,
               pending.size());
  for (const auto& [e, entry] : pending) apply(e, entry);
}

void redis_sequencer::fell_behind() {
  // Entries this instance had not applied yet were trimmed away (a stall
  // past the log's length): its state is no longer the cluster's.
  spdlog::warn("cluster instance {} fell behind the log (its last entry {} was trimmed); "
               "reloading the state",
               instance_, log_->last_read());
  ++resyncs_;
  if (!loaded_) return request_snapshot();
  loaded_ = false;
  request_snapshot();
}

void redis_sequencer::share_state(const std::string& key, const service_state& state) {
  if (!ready()) return;
  const auto text = encode_state(state);
  spdlog::info("sharing a snapshot ({} bytes, {} participants) as {}", text.size(),
               state.board.participants.size(), key);
  // NX: the first instance's copy is the one; EX: never kept past its use.
  writer_->command({"SET", key, text, "NX", "EX", std::to_string(snapshot_expiry.count())},
                   [](const redis_reply*) {});
}

void redis_sequencer::stop() {
  stopped_ = true;
  wait_.cancel();
  log_->stop();
  writer_->stop();
  reader_->stop();
}

bool redis_sequencer::ready() const {
  return positioned_ && loaded_ && writer_->ready() && reader_->ready() &&
         !log_->last_read().empty();
}

std::uint64_t redis_sequencer::unread_own() const noexcept {
  return last_appended_ > last_read_own_ ? last_appended_ - last_read_own_ : 0;
}

void redis_sequencer::submit(const log_entry& entry, std::function<void()> refused) {
  if (!ready()) {
    boost::asio::post(ioc_, std::move(refused));
    return;
  }
  // What users send waits for the reading to catch up; what keeps the
  // cluster running (ticks, closes, bans) never does.
  const bool from_user = std::holds_alternative<command_entry>(entry.body) ||
                         std::holds_alternative<create_entry>(entry.body) ||
                         std::holds_alternative<resume_entry>(entry.body);
  if (from_user && unread_own() >= settings_.max_entries / 2) {  // config: max_entries >= 1000
    if (!holding_back_) {
      holding_back_ = true;
      spdlog::warn("cluster instance {}: {} of its own entries not read back yet (half the log's "
                   "length); refusing commands until it catches up",
                   instance_, unread_own());
    }
    boost::asio::post(ioc_, std::move(refused));
    return;
  }
  last_appended_ = std::max(last_appended_, entry.request);
  log_->append(encode_entry(entry), [refused = std::move(refused)](const std::string& id) {
    if (id.empty()) refused();
  });
  if (std::holds_alternative<tick_entry>(entry.body)) {
    // The log outlives no cluster: without ticks it expires.
    writer_->command({"EXPIRE", settings_.key, std::to_string(settings_.idle_expiry.count())},
                     [](const redis_reply*) {});
  }
}

void redis_sequencer::on_entry(const redis_log::entry& e) {
  auto entry = decode_entry(e.body);
  if (!entry) {
    spdlog::warn("skipped log entry {}: not one this version knows", e.id);
    return;
  }
  if (entry->origin == instance_ && entry->request != 0) {
    last_read_own_ = std::max(last_read_own_, entry->request);
    if (holding_back_ && unread_own() < settings_.max_entries / 4) {
      holding_back_ = false;
      spdlog::info("cluster instance {} caught up with its own entries; taking commands again",
                   instance_);
    }
  }
  if (loaded_) return apply(e, *entry);
  if (entry->origin != instance_ && std::holds_alternative<tick_entry>(entry->body)) {
    others_alive_ = true;
  }
  if (!request_seen_) {
    // Up to our request, everything is in the snapshot.
    const auto* s = std::get_if<snapshot_entry>(&entry->body);
    if (s == nullptr || entry->origin != instance_ || s->key != snapshot_key_) return;
    request_seen_ = true;
    request_seen_at_ = std::chrono::steady_clock::now();
    return fetch_snapshot();
  }
  if (pending_.size() >= max_pending) {
    // The snapshot is too long in coming for what piles up: start over.
    spdlog::warn("cluster instance {}: {} entries while waiting for a snapshot; asking again",
                 instance_, pending_.size());
    return request_snapshot();
  }
  pending_.emplace_back(e, std::move(*entry));
}

void redis_sequencer::apply(const redis_log::entry& e, const log_entry& entry) {
  clock_.set(e.unix_ms);
  chat_ids_.reseed(e.id);
  apply_(entry);
}

}  // namespace parley
