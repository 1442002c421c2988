#include "connection_tracker.hpp"

#include <vector>

namespace parley {

void connection_tracker::shutdown() {
  stopping_ = true;
  // Copy first: each shutdown may unregister (or register) something.
  std::vector<std::shared_ptr<stoppable>> all;
  all.reserve(live_.size());
  for (const auto& [key, weak] : live_) {
    if (auto s = weak.lock()) all.push_back(std::move(s));
  }
  for (const auto& s : all) s->shutdown();
}

}  // namespace parley
