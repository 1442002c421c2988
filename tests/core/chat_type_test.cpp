#include "parley/core/chat_type.hpp"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(ChatType, NamesAreTextAndVideo) {
  EXPECT_EQ(to_string(chat_type::text), "text");
  EXPECT_EQ(to_string(chat_type::video), "video");
}

TEST(ChatType, ParsesTextAndVideo) {
  EXPECT_EQ(parse_chat_type("text"), chat_type::text);
  EXPECT_EQ(parse_chat_type("video"), chat_type::video);
}

TEST(ChatType, ParseRoundTripsEveryName) {
  for (const auto type : {chat_type::text, chat_type::video}) {
    EXPECT_EQ(parse_chat_type(to_string(type)), type);
  }
}

TEST(ChatType, RefusesAnyOtherName) {
  for (const auto* name : {"", "Text", "VIDEO", "audio", " text", "text ", "video\n", "tex"}) {
    EXPECT_FALSE(parse_chat_type(name).has_value()) << '"' << name << '"';
  }
}

}  // namespace
}  // namespace parley
