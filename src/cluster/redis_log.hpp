#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "redis_client.hpp"

namespace parley {

/** An ordered, shared log on a Redis stream: what every instance of a
    cluster appends and every instance reads, in the one order Redis gave it.

    `append` is an XADD (trimmed to about `max_entries`); reading is an XREAD
    BLOCK loop on its own connection (a blocked read would stall the commands
    behind it), resumed from the last entry read after a reconnection, so no
    entry is read twice or skipped while Redis keeps it.
*/
class redis_log : public std::enable_shared_from_this<redis_log> {
public:
  struct entry {
    std::string id;         ///< the stream id, "<ms>-<n>"
    std::int64_t unix_ms;   ///< Redis' clock when it was appended (the id's first part)
    std::string body;
  };
  using reader = std::function<void(const entry&)>;

  redis_log(boost::asio::io_context& ioc, std::shared_ptr<redis_client> writer,
            std::shared_ptr<redis_client> blocking_reader, std::string key,
            std::size_t max_entries);

  /// Reads every entry after `after` ("$": only new ones) and hands each to
  /// `on_entry`, in order, until stop(). `on_gap` runs when entries after the
  /// last one read were trimmed before they could be read (the reader fell
  /// more than the log's length behind): reading goes on after the gap.
  void start(std::string after, reader on_entry, std::function<void()> on_gap = {});
  void stop();

  /// Appends `body`; `done(id)` with the new entry's id, or empty when Redis
  /// could not take it (answered at once while Redis is down).
  void append(const std::string& body, std::function<void(const std::string& id)> done);

  const std::string& last_read() const noexcept { return last_id_; }

private:
  void read_more();
  void on_read(const redis_reply* reply);

  boost::asio::steady_timer retry_;
  std::shared_ptr<redis_client> writer_;
  std::shared_ptr<redis_client> reader_;
  std::string key_;
  std::string max_entries_;
  std::string last_id_;
  reader on_entry_;
  std::function<void()> on_gap_;
  bool reading_ = false;  ///< an XREAD is outstanding
  /// Whether the last entry read was still in the log just before this read
  /// (checked only after a read that succeeded: a Redis that restarted empty
  /// lost it, and that is no gap in what the instances hold).
  bool verify_ = false;
  bool last_present_ = true;
  bool stopped_ = true;
};

}  // namespace parley
