#include "parley/core/event.hpp"

namespace parley {

std::string_view to_string(leave_reason reason) noexcept {
  switch (reason) {
    case leave_reason::left: return "left";
    case leave_reason::next: return "next";
    case leave_reason::disconnected: return "disconnected";
    case leave_reason::timeout: return "timeout";
  }
  return "left";
}

}  // namespace parley
