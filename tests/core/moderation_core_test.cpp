// Reports, bans and the spam guard: bounded tables with expiry, on the fake clock.
#include <gtest/gtest.h>

#include <string>

#include "fake_time_source.hpp"
#include "parley/core/ban_list.hpp"
#include "parley/core/report_log.hpp"
#include "parley/core/report_reason.hpp"
#include "parley/core/spam_guard.hpp"
#include "sequential_token_source.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

TEST(ReportReason, ParsesTheFixedListOnly) {
  for (const auto reason : all_report_reasons) {
    EXPECT_EQ(parse_report_reason(to_string(reason)), reason);
  }
  EXPECT_EQ(parse_report_reason("spam"), report_reason::spam);
  EXPECT_FALSE(parse_report_reason("Spam"));
  EXPECT_FALSE(parse_report_reason(""));
  EXPECT_FALSE(parse_report_reason("rude"));
}

class BanList : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  testing::sequential_token_source ids;
};

TEST_F(BanList, BansAnAddressUntilItsDurationEnds) {
  ban_list bans(10, clock, ids);
  const auto& b = bans.add("addr", "user", "spam", ban_source::spam, 100s);
  EXPECT_FALSE(b.id.empty());
  EXPECT_EQ(b.expires_ms - b.created_ms, 100'000);
  EXPECT_EQ(bans.remaining("addr"), 100s);
  EXPECT_FALSE(bans.remaining("other"));
  clock.advance(99'500ms);
  EXPECT_EQ(bans.remaining("addr"), 1s);  // rounded up
  clock.advance(500ms);
  EXPECT_FALSE(bans.remaining("addr"));
  EXPECT_TRUE(bans.list().empty());
}

TEST_F(BanList, RemoveLiftsByIdOnly) {
  ban_list bans(10, clock, ids);
  const auto id = bans.add("addr", "", "x", ban_source::operator_, 100s).id;
  EXPECT_FALSE(bans.remove("nope"));
  EXPECT_TRUE(bans.remove(id));
  EXPECT_FALSE(bans.remaining("addr"));
  EXPECT_FALSE(bans.remove(id));
}

TEST_F(BanList, ALongerBanReplacesAShorterOneNotTheOtherWay) {
  ban_list bans(10, clock, ids);
  bans.add("addr", "", "a", ban_source::reports, 100s);
  const auto longer = bans.add("addr", "", "b", ban_source::operator_, 1000s).id;
  const auto kept = bans.add("addr", "", "c", ban_source::spam, 10s).id;
  EXPECT_EQ(kept, longer);
  ASSERT_EQ(bans.list().size(), 1u);
  EXPECT_EQ(bans.list()[0].reason, "b");
}

TEST_F(BanList, IsBoundedAndDropsTheBanEndingSoonest) {
  ban_list bans(3, clock, ids);
  bans.add("a", "", "", ban_source::spam, 300s);
  bans.add("b", "", "", ban_source::spam, 100s);
  bans.add("c", "", "", ban_source::spam, 200s);
  bans.add("d", "", "", ban_source::spam, 400s);
  EXPECT_EQ(bans.size(), 3u);
  EXPECT_FALSE(bans.remaining("b"));
  EXPECT_TRUE(bans.remaining("d"));
  for (int i = 0; i < 100; ++i) bans.add(std::to_string(i), "", "", ban_source::spam, 50s);
  EXPECT_EQ(bans.size(), 3u);
}

class ReportLog : public ::testing::Test {
protected:
  testing::fake_time_source clock;
  report make(std::string reporter, std::string target) {
    report r;
    r.reason = report_reason::harassment;
    r.reporter_key = std::move(reporter);
    r.reported_address_key = std::move(target);
    return r;
  }
};

TEST_F(ReportLog, CountsDistinctReportersOfOneAddressWithinTheWindow) {
  report_log log(100, 24h, clock);
  EXPECT_EQ(log.add(make("r1", "bad"), 3600s), 1u);
  EXPECT_EQ(log.add(make("r1", "bad"), 3600s), 1u);  // the same reporter again
  EXPECT_EQ(log.add(make("r2", "other"), 3600s), 1u);
  clock.advance(1800s);
  EXPECT_EQ(log.add(make("r2", "bad"), 3600s), 2u);
  clock.advance(1801s);  // r1's reports fall out of the window
  EXPECT_EQ(log.add(make("r3", "bad"), 3600s), 2u);
  EXPECT_EQ(log.recent().size(), 5u);
  EXPECT_EQ(log.recent().front().id, 1u);
  EXPECT_EQ(log.recent().back().id, 5u);
}

TEST_F(ReportLog, IsBoundedByCountAndByAge) {
  report_log log(3, 100s, clock);
  for (int i = 0; i < 10; ++i) log.add(make("r" + std::to_string(i), "bad"), 3600s);
  ASSERT_EQ(log.recent().size(), 3u);
  EXPECT_EQ(log.recent().front().id, 8u);
  clock.advance(100s);
  log.purge();
  EXPECT_TRUE(log.recent().empty());
}

TEST_F(ReportLog, WithoutAnAddressTheUserIdIsTheTarget) {
  report_log log(10, 100s, clock);
  auto r = make("r1", "");
  r.reported_user_id = "u1";
  EXPECT_EQ(log.add(r, 60s), 1u);
  r.reporter_key = "r2";
  EXPECT_EQ(log.add(r, 60s), 2u);
  r.reporter_key = "r3";
  r.reported_user_id = "u2";
  EXPECT_EQ(log.add(r, 60s), 1u);
}

class SpamGuard : public ::testing::Test {
protected:
  testing::fake_time_source clock;
};

TEST_F(SpamGuard, TheSameMessageToManyDifferentStrangersTrips) {
  spam_guard guard(3, 600s, 100, clock);
  EXPECT_FALSE(guard.sent("spammer", "buy now at example.com", "s1"));
  EXPECT_FALSE(guard.sent("spammer", "buy now at example.com", "s1"));  // same stranger
  EXPECT_FALSE(guard.sent("spammer", "Buy now  at example.com", "s2"));  // case, spaces
  EXPECT_TRUE(guard.sent("spammer", "buy now at example.com", "s3"));
}

TEST_F(SpamGuard, DifferentMessagesOrSendersDoNotAddUp) {
  spam_guard guard(3, 600s, 100, clock);
  EXPECT_FALSE(guard.sent("a", "hi", "s1"));
  EXPECT_FALSE(guard.sent("b", "hi", "s2"));
  EXPECT_FALSE(guard.sent("c", "hi", "s3"));
  EXPECT_FALSE(guard.sent("a", "hello", "s2"));
  EXPECT_FALSE(guard.sent("a", "how are you", "s3"));
}

TEST_F(SpamGuard, ForgetsAfterTheWindow) {
  spam_guard guard(3, 600s, 100, clock);
  guard.sent("a", "spam", "s1");
  guard.sent("a", "spam", "s2");
  clock.advance(600s);
  EXPECT_FALSE(guard.sent("a", "spam", "s3"));
  EXPECT_EQ(guard.size(), 1u);
}

TEST_F(SpamGuard, IsBounded) {
  spam_guard guard(3, 600s, 10, clock);
  for (int i = 0; i < 1000; ++i) guard.sent("a", "message " + std::to_string(i), "s1");
  EXPECT_EQ(guard.size(), 10u);
}

TEST_F(SpamGuard, ZeroStrangersDisablesIt) {
  spam_guard guard(0, 600s, 10, clock);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(guard.sent("a", "x", std::to_string(i)));
}

}  // namespace
}  // namespace parley
