#include "parley/core/interests.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace parley {
namespace {

using tags = std::vector<std::string>;

TEST(NormalizeInterests, TrimsWhiteSpace) {
  EXPECT_EQ(normalize_interests({"  music ", "\tchess\r\n"}), (tags{"chess", "music"}));
}

TEST(NormalizeInterests, LowerCasesAscii) {
  EXPECT_EQ(normalize_interests({"MuSiC"}), (tags{"music"}));
}

TEST(NormalizeInterests, LeavesNonAsciiBytesAlone) {
  // Only ASCII is folded; multibyte UTF-8 must come through intact.
  EXPECT_EQ(normalize_interests({"Caf\xC3\xA9"}), (tags{"caf\xC3\xA9"}));
  EXPECT_EQ(normalize_interests({"\xC3\x89T\xC3\x89"}), (tags{"\xC3\x89t\xC3\x89"}));
}

TEST(NormalizeInterests, CollapsesInnerWhiteSpace) {
  EXPECT_EQ(normalize_interests({"board   games", "board\t\ngames"}), (tags{"board games"}));
}

TEST(NormalizeInterests, DropsEmptyAndBlankOnes) {
  EXPECT_EQ(normalize_interests({"", "   ", "\t", "go"}), (tags{"go"}));
}

TEST(NormalizeInterests, RemovesDuplicatesAfterNormalising) {
  EXPECT_EQ(normalize_interests({"Music", " music", "MUSIC ", "music"}), (tags{"music"}));
}

TEST(NormalizeInterests, SortsTheResult) {
  EXPECT_EQ(normalize_interests({"zebra", "apple", "mango"}), (tags{"apple", "mango", "zebra"}));
}

TEST(NormalizeInterests, EmptyListStaysEmpty) { EXPECT_TRUE(normalize_interests({}).empty()); }

TEST(CommonInterests, ReturnsTheSharedOnesInOrder) {
  EXPECT_EQ(common_interests({"art", "chess", "music"}, {"chess", "music", "travel"}),
            (tags{"chess", "music"}));
}

TEST(CommonInterests, IsEmptyWhenNothingIsShared) {
  EXPECT_TRUE(common_interests({"art"}, {"chess"}).empty());
}

TEST(CommonInterests, IsEmptyWhenEitherSideHasNone) {
  EXPECT_TRUE(common_interests({}, {"chess"}).empty());
  EXPECT_TRUE(common_interests({"chess"}, {}).empty());
  EXPECT_TRUE(common_interests({}, {}).empty());
}

TEST(CommonInterests, IsSymmetric) {
  const tags a{"a", "b", "c"};
  const tags b{"b", "c", "d"};
  EXPECT_EQ(common_interests(a, b), common_interests(b, a));
}

}  // namespace
}  // namespace parley
