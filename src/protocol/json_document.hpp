#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parley {

/// Deepest nesting of arrays and objects accepted from clients. The parser
/// is iterative, but serialising, copying and comparing a document recurse
/// once per level: a 64 KiB body of brackets would overflow the stack.
inline constexpr int max_json_depth = 64;

/// Parses a JSON document without throwing; nullopt when it is malformed or
/// nested deeper than max_json_depth.
std::optional<nlohmann::json> parse_json(std::string_view text);

}  // namespace parley
