#include "json_object_scanner.hpp"

#include <cstdint>
#include <cstring>

#include "parley/text/hex.hpp"
#include "parley/text/utf8.hpp"

namespace parley {
namespace {

class scanner {
public:
  scanner(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<std::vector<json_member>> top_level_object() {
    std::vector<json_member> members;
    skip_ws();
    if (!peek('{') || !object(1, &members)) return std::nullopt;
    skip_ws();
    if (i_ != s_.size()) return std::nullopt;
    return members;
  }

private:
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool value(int depth) {
    if (i_ >= s_.size() || depth > max_depth_) return false;
    switch (s_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  /// An object; its members are recorded when `members` is given.
  bool object(int depth, std::vector<json_member>* members = nullptr) {
    ++i_;  // '{'
    skip_ws();
    if (peek('}')) {
      ++i_;
      return true;
    }
    for (;;) {
      skip_ws();
      const auto key_start = i_;
      if (!string()) return false;
      const auto key = s_.substr(key_start + 1, i_ - key_start - 2);
      skip_ws();
      if (!peek(':')) return false;
      ++i_;
      skip_ws();
      const auto value_start = i_;
      if (!value(depth)) return false;
      if (members != nullptr) members->push_back({key, s_.substr(value_start, i_ - value_start)});
      skip_ws();
      if (peek(',')) {
        ++i_;
        continue;
      }
      if (peek('}')) {
        ++i_;
        return true;
      }
      return false;
    }
  }

  bool array(int depth) {
    ++i_;  // '['
    skip_ws();
    if (peek(']')) {
      ++i_;
      return true;
    }
    for (;;) {
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (peek(',')) {
        ++i_;
        continue;
      }
      if (peek(']')) {
        ++i_;
        return true;
      }
      return false;
    }
  }

  /// Reads the 4 hex digits after `\u`; -1 when malformed.
  long unicode_escape() {
    if (i_ + 4 > s_.size()) return -1;
    long cp = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex_digit_value(s_[i_ + static_cast<std::size_t>(k)]);
      if (h < 0) return -1;
      cp = cp * 16 + h;
    }
    i_ += 4;
    return cp;
  }

  bool string() {
    if (!peek('"')) return false;
    ++i_;
    // Raw bytes are checked as UTF-8 run by run (between escapes), and only
    // runs with a non-ASCII byte need the check at all: SDP is ASCII.
    auto run_start = i_;
    bool run_has_high = false;
    auto run_valid = [&] {
      return !run_has_high || utf8_length(s_.substr(run_start, i_ - run_start)).has_value();
    };
    while (i_ < s_.size()) {
      // Skip 8 plain bytes at a time: SDP strings are kilobytes of them.
      while (i_ + 8 <= s_.size() && plain_word(s_.data() + i_)) i_ += 8;
      if (i_ >= s_.size()) break;
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c >= 0x20 && c != '"' && c != '\\') {
        run_has_high |= c >= 0x80;
        ++i_;
        continue;
      }
      if (c < 0x20 || !run_valid()) return false;
      ++i_;
      if (c == '"') return true;
      // A backslash escape.
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        const long cp = unicode_escape();
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          // A high surrogate must be followed by an escaped low one.
          if (!literal("\\u")) return false;
          const long low = unicode_escape();
          if (low < 0xDC00 || low > 0xDFFF) return false;
        }
      } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' &&
                 e != 'r' && e != 't') {
        return false;
      }
      run_start = i_;
      run_has_high = false;
    }
    return false;
  }

  /// True when none of the 8 bytes at `p` is a quote, a backslash, a control
  /// character or non-ASCII (the classic "has a zero byte" bit trick).
  static bool plain_word(const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    const std::uint64_t special = has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\')) |
                                  ((w - ones * 0x20) & ~w & highs) | (w & highs);
    return special == 0;
  }

  bool digits() {
    const auto start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > start;
  }

  bool number() {
    if (peek('-')) ++i_;
    if (peek('0')) {
      ++i_;
    } else if (i_ < s_.size() && s_[i_] >= '1' && s_[i_] <= '9') {
      digits();
    } else {
      return false;
    }
    if (peek('.')) {
      ++i_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++i_;
      if (peek('+') || peek('-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int max_depth_;
};

}  // namespace

std::optional<std::vector<json_member>> scan_json_object(std::string_view text, int max_depth) {
  return scanner(text, max_depth).top_level_object();
}

}  // namespace parley
