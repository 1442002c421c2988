#pragma once

#include <optional>
#include <string_view>

namespace parley {

/// Why a user reports a stranger: a fixed list, the same on every transport.
enum class report_reason { spam, nudity, harassment, underage, other };

inline constexpr report_reason all_report_reasons[] = {
    report_reason::spam, report_reason::nudity, report_reason::harassment,
    report_reason::underage, report_reason::other};

std::string_view to_string(report_reason reason) noexcept;
std::optional<report_reason> parse_report_reason(std::string_view text) noexcept;

}  // namespace parley
