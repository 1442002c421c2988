#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "event_json.hpp"
#include "parley/core/switchboard.hpp"

namespace parley::testing {

/// Takes everything from a switchboard's outbox, in order, whenever a test
/// looks (the outbox keeps it until then), and keeps it readable: events as
/// JSON, copied out of participants that may be gone by then.
class outbox_recorder {
public:
  struct event_record {
    participant_id id = 0;
    std::uint64_t seq = 0;
    nlohmann::json json;
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

  explicit outbox_recorder(switchboard& board) : board_(board) {}

  const std::vector<event_record>& events() { return take(), events_; }
  const std::vector<match_record>& matches() { return take(), matches_; }
  const std::vector<end_record>& ends() { return take(), ends_; }

  /// The events added for participant `id`, oldest first.
  std::vector<nlohmann::json> events_for(participant_id id) {
    std::vector<nlohmann::json> out;
    for (const auto& record : events()) {
      if (record.id == id) out.push_back(record.json);
    }
    return out;
  }

  void clear() {
    take();
    events_.clear();
    matches_.clear();
    ends_.clear();
  }

private:
  void take() {
    board_.take_outbox(batch_);
    for (const auto& o : batch_) {
      if (const auto* added = std::get_if<event_added>(&o)) {
        events_.push_back({added->to, added->e.seq, event_json(added->e)});
      } else if (const auto* started = std::get_if<chat_started>(&o)) {
        matches_.push_back({started->first, started->second});
      } else if (const auto* ended = std::get_if<identity_ended>(&o)) {
        ends_.push_back({ended->who, ended->user_id, ended->reason});
      }
    }
  }

  switchboard& board_;
  outbox batch_;
  std::vector<event_record> events_;
  std::vector<match_record> matches_;
  std::vector<end_record> ends_;
};

}  // namespace parley::testing
