#include "parley/core/report_reason.hpp"

namespace parley {

std::string_view to_string(report_reason reason) noexcept {
  switch (reason) {
    case report_reason::spam: return "spam";
    case report_reason::nudity: return "nudity";
    case report_reason::harassment: return "harassment";
    case report_reason::underage: return "underage";
    case report_reason::other: return "other";
  }
  return "other";
}

std::optional<report_reason> parse_report_reason(std::string_view text) noexcept {
  for (const auto reason : all_report_reasons) {
    if (to_string(reason) == text) return reason;
  }
  return std::nullopt;
}

}  // namespace parley
