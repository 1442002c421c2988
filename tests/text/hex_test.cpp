#include "parley/text/hex.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(HexDigitValue, DigitsInBothCases) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
}

TEST(HexDigitValue, EverythingElseIsMinusOne) {
  int valid = 0;
  for (int c = -128; c < 128; ++c) {
    if (hex_digit_value(static_cast<char>(c)) >= 0) ++valid;
  }
  EXPECT_EQ(valid, 22);  // 0-9, a-f, A-F
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('/'), -1);
  EXPECT_EQ(hex_digit_value(':'), -1);
}

}  // namespace
}  // namespace parley
