#include "json_document.hpp"

namespace parley {

std::optional<nlohmann::json> parse_json(std::string_view text) {
  // Exact for valid JSON (brackets inside strings do not count); anything
  // invalid is refused by the parser afterwards.
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) return std::nullopt;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    auto value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
  } catch (const nlohmann::json::exception&) {
    // Some number overflows still throw even with allow_exceptions=false.
    return std::nullopt;
  }
}

}  // namespace parley
