#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "parley/app/command_sequencer.hpp"
#include "parley/app/log_clock.hpp"
#include "parley/config/redis_url.hpp"
#include "parley/crypto/keyed_token_source.hpp"
#include "redis_client.hpp"
#include "redis_log.hpp"

namespace parley {

/** The one order of a cluster: entries go to a Redis stream shared by every
    instance, and come back from it, in Redis' order, to `apply` on every
    instance, with the time (Redis' clock) and the chat-id seed (the entry's
    id) every instance must agree on set first.
*/
class redis_sequencer final : public command_sequencer {
public:
  struct settings {
    redis_url url;
    std::string key = "parley:log";
    /// The log keeps about this many entries (XADD MAXLEN ~). An instance
    /// that falls further behind reloads the state from a snapshot, and one
    /// never has more than half of this of its own commands not read back.
    std::size_t max_entries = 10'000;
    /// The log expires this long after the last instance stopped appending.
    std::chrono::seconds idle_expiry{60};
  };
  using applier = std::function<void(const log_entry&)>;
  using loader = std::function<void(const service_state&)>;

  /// `load` replaces the service's state with a running instance's snapshot.
  redis_sequencer(boost::asio::io_context& ioc, settings s, log_clock& clock,
                  keyed_token_source& chat_ids, applier apply, loader load);

  /// Connects; entries appended from now on are read and applied.
  void start();
  void stop();
  /// Connected, reading from a known position, and holding the cluster's
  /// state (a snapshot loaded, or none needed): submissions are taken.
  bool ready() const;
  /// The high bits of participant ids drawn here (from the instance name).
  std::uint32_t id_tag() const noexcept { return id_tag_; }
  /// How often this instance fell behind the log and reloaded the state.
  unsigned resyncs() const noexcept { return resyncs_; }
  /// Its own entries appended and not read back yet (an upper bound).
  std::uint64_t unread_own() const noexcept;

  void submit(const log_entry& entry, std::function<void()> refused) override;
  const std::string& instance() const override { return instance_; }
  void share_state(const std::string& key, const service_state& state) override;

private:
  /// Finds the log's end and reads from there, asking for a snapshot.
  void position();
  /// Appends a snapshot_entry; the state at it comes under a new key.
  void request_snapshot();
  /// Looks for the snapshot until it comes or the wait is over.
  void fetch_snapshot();
  /// Holds the state now: applies what came after the snapshot.
  void loaded(const service_state* state);
  void on_entry(const redis_log::entry& e);
  void apply(const redis_log::entry& e, const log_entry& entry);
  /// The log lost entries this instance had not read: reload the state.
  void fell_behind();

  boost::asio::io_context& ioc_;
  settings settings_;
  log_clock& clock_;
  keyed_token_source& chat_ids_;
  applier apply_;
  std::string instance_;
  std::uint32_t id_tag_ = 0;
  std::shared_ptr<redis_client> writer_;
  std::shared_ptr<redis_client> reader_;
  std::shared_ptr<redis_log> log_;
  loader load_;
  bool positioned_ = false;
  bool stopped_ = false;

  // Starting late: entries up to our request are in the snapshot; those
  // after it wait in `pending_` until it is loaded.
  bool loaded_ = false;
  bool request_seen_ = false;
  bool others_alive_ = false;  ///< another instance ticked while we waited
  unsigned requests_ = 0;
  std::string snapshot_key_;
  std::chrono::steady_clock::time_point request_seen_at_{};
  std::vector<std::pair<redis_log::entry, log_entry>> pending_;
  boost::asio::steady_timer wait_;
  unsigned resyncs_ = 0;

  // Backpressure: an instance that appends faster than it reads would fall
  // behind on its own. Request numbers rise with each submission, so the
  // distance between the last one appended and the last one read back
  // bounds what is in between (refused ones count until a later one comes
  // back; ticks, never refused, come back every 250 ms).
  std::uint64_t last_appended_ = 0;
  std::uint64_t last_read_own_ = 0;
  bool holding_back_ = false;
};

}  // namespace parley
