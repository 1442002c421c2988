#include "redis_log.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace parley {
namespace {

using namespace std::chrono_literals;

/// How long one XREAD blocks; the client's deadline is this plus its timeout.
constexpr auto block_for = 1000ms;
/// Entries taken per read: bounds the work of one loop iteration.
constexpr std::string_view batch = "512";
/// Between reads while Redis is unreachable.
constexpr auto retry_pause = 100ms;

std::int64_t millis_of(const std::string& id) {
  std::int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.find('-'), ms);
  return ms;
}

}  // namespace

redis_log::redis_log(boost::asio::io_context& ioc, std::shared_ptr<redis_client> writer,
                     std::shared_ptr<redis_client> blocking_reader, std::string key,
                     std::size_t max_entries)
    : retry_(ioc),
      writer_(std::move(writer)),
      reader_(std::move(blocking_reader)),
      key_(std::move(key)),
      max_entries_(std::to_string(max_entries)) {}

void redis_log::start(std::string after, reader on_entry, std::function<void()> on_gap) {
  on_entry_ = std::move(on_entry);
  on_gap_ = std::move(on_gap);
  stopped_ = false;
  if (after != "$") {
    last_id_ = std::move(after);
    return read_more();
  }
  // "$" must become a real id once: a second XREAD with "$" would skip what
  // was appended between the two reads.
  writer_->command({"XREVRANGE", key_, "+", "-", "COUNT", "1"},
                   [self = shared_from_this()](const redis_reply* r) {
                     if (self->stopped_) return;
                     if (r == nullptr || r->is_error()) {
                       self->retry_.expires_after(retry_pause);
                       self->retry_.async_wait([self](boost::system::error_code ec) {
                         if (!ec) self->start("$", std::move(self->on_entry_), std::move(self->on_gap_));
                       });
                       return;
                     }
                     self->last_id_ = r->elements.empty() || r->elements[0].elements.empty()
                                          ? "0-0"
                                          : r->elements[0].elements[0].text;
                     self->read_more();
                   });
}

void redis_log::stop() {
  stopped_ = true;
  retry_.cancel();
}

void redis_log::append(const std::string& body, std::function<void(const std::string&)> done) {
  writer_->command({"XADD", key_, "MAXLEN", "~", max_entries_, "*", "b", body},
                   [done = std::move(done)](const redis_reply* r) {
                     done(r != nullptr && r->type == redis_reply::kind::string ? r->text
                                                                               : std::string());
                   });
}

void redis_log::read_more() {
  if (stopped_ || reading_) return;
  reading_ = true;
  // Trimming removes the oldest entries first: if the last one read is still
  // there, nothing after it is gone. Sent just before the XREAD on the same
  // connection, so Redis answers both for the same moment.
  const bool verify = verify_ && on_gap_ && last_id_ != "0-0";
  last_present_ = true;
  if (verify) {
    reader_->command({"XRANGE", key_, last_id_, last_id_},
                     [self = shared_from_this()](const redis_reply* r) {
                       self->last_present_ = !(r != nullptr && r->type == redis_reply::kind::array &&
                                               r->elements.empty());
                     });
  }
  reader_->command({"XREAD", "COUNT", std::string(batch), "BLOCK",
                    std::to_string(block_for.count()), "STREAMS", key_, last_id_},
                   [self = shared_from_this()](const redis_reply* r) { self->on_read(r); },
                   block_for);
}

void redis_log::on_read(const redis_reply* reply) {
  reading_ = false;
  if (stopped_) return;
  if (reply == nullptr || reply->is_error()) {
    verify_ = false;
    // Redis is unreachable (the client fails fast until it is back): try again
    // a little later instead of spinning, from the same entry.
    if (reply != nullptr) spdlog::warn("reading the log {} failed: {}", key_, reply->text);
    retry_.expires_after(retry_pause);
    retry_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->read_more();
    });
    return;
  }
  const bool gap = !last_present_;
  verify_ = true;
  if (gap) {
    on_gap_();
    if (stopped_) return;
  }
  if (reply->type == redis_reply::kind::array) {  // nil: the block timed out
    // [[key, [[id, [field, value, ...]], ...]]]
    for (const auto& stream : reply->elements) {
      if (stream.elements.size() != 2) continue;
      for (const auto& item : stream.elements[1].elements) {
        if (item.elements.size() != 2) continue;
        entry e{item.elements[0].text, millis_of(item.elements[0].text), {}};
        const auto& fields = item.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
          if (fields[i].text == "b") e.body = fields[i + 1].text;
        }
        last_id_ = e.id;
        on_entry_(e);
        if (stopped_) return;
      }
    }
  }
  read_more();
}

}  // namespace parley
