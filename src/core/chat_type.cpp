#include "parley/core/chat_type.hpp"

namespace parley {

std::string_view to_string(chat_type type) noexcept {
  return type == chat_type::video ? "video" : "text";
}

std::optional<chat_type> parse_chat_type(std::string_view name) noexcept {
  if (name == "text") return chat_type::text;
  if (name == "video") return chat_type::video;
  return std::nullopt;
}

}  // namespace parley
