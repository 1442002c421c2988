#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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
    std::size_t max_entries = 10'000;
    /// The log expires this long after the last instance stopped appending.
    std::chrono::seconds idle_expiry{60};
  };
  using applier = std::function<void(const log_entry&)>;

  redis_sequencer(boost::asio::io_context& ioc, settings s, log_clock& clock,
                  keyed_token_source& chat_ids, applier apply);

  /// Connects; entries appended from now on are read and applied.
  void start();
  void stop();
  /// Connected, and reading from a known position: submissions are taken.
  bool ready() const;
  /// The high bits of participant ids drawn here (from the instance name).
  std::uint32_t id_tag() const noexcept { return id_tag_; }

  void submit(const log_entry& entry, std::function<void()> refused) override;
  const std::string& instance() const override { return instance_; }

private:
  void on_entry(const redis_log::entry& e);

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
  bool positioned_ = false;
};

}  // namespace parley
