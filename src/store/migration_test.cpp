#include "store/migration.hpp"

#include <gtest/gtest.h>

namespace dfauth::store {
namespace {

constexpr Migration kKnown[] = {{1, "a", ""}, {3, "c", ""}, {2, "b", ""}, {12, "l", ""}};

TEST(AppliedWithoutGap, CountsKnownMigrationsInNumberOrder) {
  EXPECT_EQ(AppliedWithoutGap(kKnown, {}), 0);
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2}), 2);
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2, 3}), 3);
  // 4..11 are numbers this build has no migration for: no gap.
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2, 3, 12}), 12);
}

TEST(AppliedWithoutGap, ANewerReleasesMigrationIsTheVersionOnceAllKnownAreApplied) {
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2, 3, 12, 13}), 13);
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2, 3, 11, 12}), 12);
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 2, 13}), 2);  // 3 missing: not up to date
}

TEST(AppliedWithoutGap, AMissingLowerMigrationStopsTheCount) {
  EXPECT_EQ(AppliedWithoutGap(kKnown, {1, 3, 12}), 1);
  EXPECT_EQ(AppliedWithoutGap(kKnown, {2, 3, 12}), 0);
}

}  // namespace
}  // namespace dfauth::store
