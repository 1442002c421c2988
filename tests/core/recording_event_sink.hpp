#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parley/core/event_sink.hpp"

namespace parley::test {

/// Remembers everything the session manager reported, copied out of the
/// participants (which may be gone by the time a test looks).
class recording_event_sink final : public event_sink {
public:
  struct event_record {
    participant_id id = 0;
    std::string user_id;
    std::uint64_t seq = 0;
    nlohmann::json json;  ///< the event, parsed: a malformed event throws here
  };
  struct match_record {
    participant_id first = 0;
    participant_id second = 0;
  };
  struct end_record {
    participant_id id = 0;
    std::string user_id;
    leave_reason reason = leave_reason::left;
  };

  void on_event(const participant& p, const event& e) override {
    events_.push_back({p.id, p.user_id, e.seq, nlohmann::json::parse(*e.json)});
  }
  void on_matched(const participant& first, const participant& second) override {
    matches_.push_back({first.id, second.id});
  }
  void on_ended(const participant& p, leave_reason reason) override {
    ends_.push_back({p.id, p.user_id, reason});
  }

  const std::vector<event_record>& events() const noexcept { return events_; }
  const std::vector<match_record>& matches() const noexcept { return matches_; }
  const std::vector<end_record>& ends() const noexcept { return ends_; }

  /// The events reported for participant `id`, oldest first.
  std::vector<nlohmann::json> events_for(participant_id id) const {
    std::vector<nlohmann::json> out;
    for (const auto& record : events_) {
      if (record.id == id) out.push_back(record.json);
    }
    return out;
  }

  void clear() {
    events_.clear();
    matches_.clear();
    ends_.clear();
  }

private:
  std::vector<event_record> events_;
  std::vector<match_record> matches_;
  std::vector<end_record> ends_;
};

}  // namespace parley::test
