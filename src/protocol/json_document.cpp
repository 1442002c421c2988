#include "json_document.hpp"

#include <set>
#include <string>
#include <vector>

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
  // Duplicate keys are refused: a validator or proxy reading the first and
  // parley reading the last would disagree about what a message says.
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  const nlohmann::json::parser_callback_t check = [&](int, nlohmann::json::parse_event_t event,
                                                      nlohmann::json& parsed) {
    using event_t = nlohmann::json::parse_event_t;
    if (event == event_t::object_start) {
      keys.emplace_back();
    } else if (event == event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == event_t::key && !keys.empty()) {
      duplicate = duplicate || !keys.back().insert(parsed.get<std::string>()).second;
    }
    return true;
  };
  try {
    auto value = nlohmann::json::parse(text, check, /*allow_exceptions=*/false);
    if (value.is_discarded() || duplicate) return std::nullopt;
    return value;
  } catch (const nlohmann::json::exception&) {
    // Some number overflows still throw even with allow_exceptions=false.
    return std::nullopt;
  }
}

}  // namespace parley
