#include "redis_sequencer.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "log_entry_codec.hpp"
#include "parley/core/token_source.hpp"

namespace parley {

redis_sequencer::redis_sequencer(boost::asio::io_context& ioc, settings s, log_clock& clock,
                                 keyed_token_source& chat_ids, applier apply)
    : ioc_(ioc),
      settings_(std::move(s)),
      clock_(clock),
      chat_ids_(chat_ids),
      apply_(std::move(apply)) {
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
  writer_->start();
  // The reader starts once connected, at the log's end: what this instance
  // appends from then on comes back to it.
  reader_->start([this] {
    if (positioned_) return;  // a reconnection: redis_log goes on from its last entry
    log_->start("$", [this](const redis_log::entry& e) {
      positioned_ = true;
      on_entry(e);
    });
    positioned_ = true;
  });
}

void redis_sequencer::stop() {
  log_->stop();
  writer_->stop();
  reader_->stop();
}

bool redis_sequencer::ready() const {
  return positioned_ && writer_->ready() && reader_->ready() && !log_->last_read().empty();
}

void redis_sequencer::submit(const log_entry& entry, std::function<void()> refused) {
  if (!ready()) {
    boost::asio::post(ioc_, std::move(refused));
    return;
  }
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
  clock_.set(e.unix_ms);
  chat_ids_.reseed(e.id);
  apply_(*entry);
}

}  // namespace parley
