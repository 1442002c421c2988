#include "parley/core/mailbox.hpp"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace parley {
namespace {

event numbered(std::uint64_t seq) {
  return {seq, std::make_shared<const event_body>(typing_event{seq % 2 == 0})};
}

std::vector<std::uint64_t> seqs(const std::vector<event>& events) {
  std::vector<std::uint64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

TEST(Mailbox, StartsEmptyWithoutAllocating) {
  const mailbox box;
  EXPECT_TRUE(box.empty());
  EXPECT_TRUE(box.after(0).empty());
  EXPECT_FALSE(box.has_after(0));
}

TEST(Mailbox, KeepsEventsInOrderBelowTheLimit) {
  mailbox box;
  for (std::uint64_t s = 1; s <= 5; ++s) box.push(numbered(s), 10);
  EXPECT_EQ(seqs(box.after(0)), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs(box.after(3)), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_TRUE(box.after(5).empty());
  EXPECT_TRUE(box.has_after(4));
  EXPECT_FALSE(box.has_after(5));
}

TEST(Mailbox, DropsTheOldestBeyondTheLimitAcrossManyWraps) {
  mailbox box;
  for (std::uint64_t s = 1; s <= 1000; ++s) {
    box.push(numbered(s), 7);
    const auto kept = seqs(box.after(0));
    ASSERT_EQ(kept.size(), std::min<std::size_t>(s, 7));
    // Always the newest, oldest first, consecutive.
    for (std::size_t i = 0; i < kept.size(); ++i) ASSERT_EQ(kept[i], s - kept.size() + 1 + i);
  }
  EXPECT_EQ(box.size(), 7u);
  EXPECT_EQ(seqs(box.after(997)), (std::vector<std::uint64_t>{998, 999, 1000}));
  EXPECT_EQ(seqs(box.after(5)).size(), 7u);
}

TEST(Mailbox, SinceBetweenSeqsFindsTheNextOne) {
  mailbox box;
  for (std::uint64_t s : {2u, 4u, 6u, 8u}) box.push(numbered(s), 3);
  EXPECT_EQ(seqs(box.after(0)), (std::vector<std::uint64_t>{4, 6, 8}));
  EXPECT_EQ(seqs(box.after(5)), (std::vector<std::uint64_t>{6, 8}));
}

TEST(Mailbox, LimitZeroKeepsNothing) {
  mailbox box;
  box.push(numbered(1), 0);
  EXPECT_TRUE(box.empty());
}

TEST(Mailbox, SharesTheBodyInsteadOfCopyingIt) {
  mailbox box;
  const auto e = numbered(1);
  box.push(e, 4);
  EXPECT_EQ(box.after(0).front().body.get(), e.body.get());
}

}  // namespace
}  // namespace parley
