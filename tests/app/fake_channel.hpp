#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parley/app/participant_channel.hpp"

namespace parley::testing {

/// A WebSocket as the chat service sees it: records what it is given.
class fake_channel final : public participant_channel {
public:
  bool push(encoded_message message, std::uint64_t seq) override {
    if (full) return false;
    std::string text;
    message.append_to(text);
    frames.push_back(nlohmann::json::parse(text));
    seqs.push_back(seq);
    return true;
  }
  void release(channel_release why) override { releases.push_back(why); }

  /// Frames of `type`, oldest first.
  std::vector<nlohmann::json> of_type(const std::string& type) const {
    std::vector<nlohmann::json> out;
    for (const auto& f : frames) {
      if (f["type"] == type) out.push_back(f);
    }
    return out;
  }
  const nlohmann::json& last() const { return frames.back(); }

  bool full = false;  ///< refuses every push, as a channel whose reader is too slow
  std::vector<nlohmann::json> frames;
  std::vector<std::uint64_t> seqs;
  std::vector<channel_release> releases;
};

/// A REST long poll as the chat service sees it: counts its wake-ups.
class counting_waiter final : public event_waiter {
public:
  void wake() override { ++wakes; }
  int wakes = 0;
};

}  // namespace parley::testing
