#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "parley/app/log_entry.hpp"

namespace parley {

/// A log entry as the text stored in the cluster's Redis stream (JSON).
std::string encode_entry(const log_entry& entry);
/// nullopt for text that is not an entry this version knows (it is skipped).
std::optional<log_entry> decode_entry(std::string_view text);

}  // namespace parley
