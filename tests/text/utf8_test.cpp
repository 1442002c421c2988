#include "parley/text/utf8.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace parley {
namespace {

using namespace std::string_view_literals;

TEST(Utf8Length, EmptyTextIsZero) { EXPECT_EQ(utf8_length(""), 0u); }

TEST(Utf8Length, CountsAsciiBytes) {
  EXPECT_EQ(utf8_length("hello, world"), 12u);
  EXPECT_EQ(utf8_length("a\0b"sv), 3u);  // NUL is a code point like any other
  EXPECT_EQ(utf8_length("\x7f"), 1u);
}

TEST(Utf8Length, CountsTwoByteSequencesOnce) {
  EXPECT_EQ(utf8_length("\xC3\xA9"), 1u);          // U+00E9 é
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4u);        // café
  EXPECT_EQ(utf8_length("\xC2\x80"), 1u);           // U+0080, smallest
  EXPECT_EQ(utf8_length("\xDF\xBF"), 1u);           // U+07FF, largest
}

TEST(Utf8Length, CountsThreeByteSequencesOnce) {
  EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);       // U+20AC €
  EXPECT_EQ(utf8_length("\xE0\xA0\x80"), 1u);       // U+0800, smallest
  EXPECT_EQ(utf8_length("\xEF\xBF\xBF"), 1u);       // U+FFFF
  EXPECT_EQ(utf8_length("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);  // 日本
}

TEST(Utf8Length, CountsFourByteSequencesOnce) {
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);   // U+1F600 😀
  EXPECT_EQ(utf8_length("\xF0\x90\x80\x80"), 1u);   // U+10000, smallest
  EXPECT_EQ(utf8_length("\xF4\x8F\xBF\xBF"), 1u);   // U+10FFFF, largest
}

TEST(Utf8Length, CountsMixedText) {
  EXPECT_EQ(utf8_length("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5u);
}

TEST(Utf8Length, RefusesOverlongEncodings) {
  EXPECT_FALSE(utf8_length("\xC0\x80"));            // NUL in two bytes
  EXPECT_FALSE(utf8_length("\xC1\xBF"));            // U+007F in two bytes
  EXPECT_FALSE(utf8_length("\xE0\x80\x80"));        // NUL in three bytes
  EXPECT_FALSE(utf8_length("\xE0\x9F\xBF"));        // U+07FF in three bytes
  EXPECT_FALSE(utf8_length("\xF0\x80\x80\x80"));    // NUL in four bytes
  EXPECT_FALSE(utf8_length("\xF0\x8F\xBF\xBF"));    // U+FFFF in four bytes
  EXPECT_FALSE(utf8_length("\xC0\xAF"));            // the classic overlong '/'
}

TEST(Utf8Length, RefusesUtf16Surrogates) {
  EXPECT_FALSE(utf8_length("\xED\xA0\x80"));        // U+D800
  EXPECT_FALSE(utf8_length("\xED\xBF\xBF"));        // U+DFFF
  EXPECT_FALSE(utf8_length("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
}

TEST(Utf8Length, AcceptsCodePointsAroundTheSurrogates) {
  EXPECT_EQ(utf8_length("\xED\x9F\xBF"), 1u);       // U+D7FF
  EXPECT_EQ(utf8_length("\xEE\x80\x80"), 1u);       // U+E000
}

TEST(Utf8Length, RefusesTruncatedSequences) {
  EXPECT_FALSE(utf8_length("\xC3"));
  EXPECT_FALSE(utf8_length("\xE2\x82"));
  EXPECT_FALSE(utf8_length("\xF0\x9F\x98"));
  EXPECT_FALSE(utf8_length("ok\xF0\x9F"));          // cut at the end of the text
  EXPECT_FALSE(utf8_length("\xE2\x82" "A"));        // cut short by an ASCII byte
  EXPECT_FALSE(utf8_length("\xC3 "));
}

TEST(Utf8Length, RefusesASequenceCutByTheEndOfTheView) {
  // The bytes after the view are valid continuations: they must not be read.
  const std::string_view whole = "a\xF0\x9F\x98\x80";
  for (std::size_t cut = 2; cut < whole.size(); ++cut) {
    EXPECT_FALSE(utf8_length(whole.substr(0, cut))) << cut;
  }
  EXPECT_EQ(utf8_length(whole), 2u);
}

TEST(Utf8Length, RefusesStrayContinuationBytes) {
  EXPECT_FALSE(utf8_length("\x80"));
  EXPECT_FALSE(utf8_length("a\xBF"));
  EXPECT_FALSE(utf8_length("\xC3\xA9\xA9"));
}

TEST(Utf8Length, RefusesCodePointsPastU10FFFF) {
  EXPECT_FALSE(utf8_length("\xF4\x90\x80\x80"));    // U+110000
  EXPECT_FALSE(utf8_length("\xF7\xBF\xBF\xBF"));    // U+1FFFFF
}

TEST(Utf8Length, RefusesBytesThatNeverAppearInUtf8) {
  for (const char* bad : {"\xF5\x80\x80\x80", "\xF8\x88\x80\x80\x80", "\xFC\x84\x80\x80\x80\x80",
                          "\xFE", "\xFF"}) {
    EXPECT_FALSE(utf8_length(bad)) << static_cast<int>(static_cast<unsigned char>(bad[0]));
  }
}

TEST(Utf8Length, CountsTwoThousandEmoji) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "\xF0\x9F\x98\x80";
  EXPECT_EQ(text.size(), 8000u);
  EXPECT_EQ(utf8_length(text), 2000u);
}

}  // namespace
}  // namespace parley
