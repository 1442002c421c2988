#pragma once

#include <optional>
#include <string_view>

namespace parley {

/// The two kinds of chat a stranger can ask for; users only meet their own kind.
enum class chat_type { text, video };

std::string_view to_string(chat_type type) noexcept;
std::optional<chat_type> parse_chat_type(std::string_view name) noexcept;

}  // namespace parley
