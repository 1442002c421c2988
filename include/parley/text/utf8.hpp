#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace parley {

/// Number of code points in `text`, or nullopt when it is not valid UTF-8
/// (overlong forms, surrogates and values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

}  // namespace parley
