#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "policies/civil_date.h"
#include "policy_test_util.h"

namespace kiosk::policies {
namespace {

using test::hkTime;

TEST(CivilDate, LeapYears) {
    EXPECT_TRUE(isLeapYear(2024));
    EXPECT_TRUE(isLeapYear(2000));
    EXPECT_FALSE(isLeapYear(1900));
    EXPECT_FALSE(isLeapYear(2026));
    EXPECT_EQ(daysInMonth(2024, 2), 29u);
    EXPECT_EQ(daysInMonth(2026, 2), 28u);
    EXPECT_EQ(daysInMonth(2026, 13), 0u);
}

TEST(CivilDate, ValidDates) {
    EXPECT_TRUE(isValidDate({2024, 2, 29}));
    EXPECT_FALSE(isValidDate({2026, 2, 29}));
    EXPECT_FALSE(isValidDate({2026, 4, 31}));
    EXPECT_FALSE(isValidDate({2026, 0, 1}));
    EXPECT_FALSE(isValidDate({2026, 1, 0}));
}

// Round trip and agreement with std::chrono over a wide random range.
TEST(CivilDate, DaysFromCivilAgreesWithChrono) {
    std::mt19937_64 rng(20260119);
    std::uniform_int_distribution<int64_t> days(-200000, 200000);
    for (int i = 0; i < 20000; ++i) {
        const int64_t n = days(rng);
        const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{n}}};
        const Date d = civilFromDays(n);
        ASSERT_EQ(d.year, static_cast<int>(ymd.year()));
        ASSERT_EQ(d.month, static_cast<unsigned>(ymd.month()));
        ASSERT_EQ(d.day, static_cast<unsigned>(ymd.day()));
        ASSERT_EQ(daysFromCivil(d), n);
    }
}

// The local day starts at 16:00:00 UTC of the previous UTC day.
TEST(CivilDate, LocalDateBoundaries) {
    struct Case { int64_t t; Date want; };
    const Case cases[] = {
        {hkTime(2026, 1, 19, 0, 0, 0), {2026, 1, 19}},
        {hkTime(2026, 1, 19, 0, 0, 0) - 1, {2026, 1, 18}},
        {hkTime(2026, 1, 19, 23, 59, 59), {2026, 1, 19}},
        {hkTime(2026, 1, 19, 23, 59, 59) + 1, {2026, 1, 20}},
        {0, {1970, 1, 1}},           // 08:00 local
        {-8 * 3600, {1970, 1, 1}},   // 00:00 local
        {-8 * 3600 - 1, {1969, 12, 31}},
    };
    for (const auto& c : cases) EXPECT_EQ(localDateOf(c.t), c.want) << c.t;
    EXPECT_EQ(localStartOfDay({2026, 1, 19}), hkTime(2026, 1, 19));
    EXPECT_EQ(localEndOfDay({2026, 1, 19}), hkTime(2026, 1, 19, 23, 59, 59));
    // Another offset: UTC itself.
    EXPECT_EQ(localDateOf(hkTime(2026, 1, 19, 7, 59, 59), 0), (Date{2026, 1, 18}));
    EXPECT_EQ(localDateOf(hkTime(2026, 1, 19, 8, 0, 0), 0), (Date{2026, 1, 19}));
}

TEST(CivilDate, AgeOnBirthdayTable) {
    struct Case { Date birth; Date on; int want; };
    const Case cases[] = {
        {{2015, 3, 10}, {2026, 3, 9}, 10},   // day before the birthday
        {{2015, 3, 10}, {2026, 3, 10}, 11},  // the birthday itself counts
        {{2015, 3, 10}, {2026, 3, 11}, 11},
        {{2015, 12, 31}, {2026, 1, 1}, 10},
        {{2015, 1, 1}, {2025, 12, 31}, 10},
        {{2015, 1, 1}, {2026, 1, 1}, 11},
        // 29 February births: the birthday in a non-leap year is 1 March.
        {{2016, 2, 29}, {2027, 2, 28}, 10},
        {{2016, 2, 29}, {2027, 3, 1}, 11},
        {{2012, 2, 29}, {2024, 2, 28}, 11},  // leap year: birthday is 29 February
        {{2012, 2, 29}, {2024, 2, 29}, 12},
        {{2008, 2, 29}, {2026, 2, 28}, 17},  // turning 18 in a non-leap year
        {{2008, 2, 29}, {2026, 3, 1}, 18},
        {{2026, 5, 1}, {2026, 4, 30}, -1},   // not born yet
        {{2026, 5, 1}, {2026, 5, 1}, 0},
    };
    for (const auto& c : cases)
        EXPECT_EQ(ageOn(c.birth, c.on), c.want) << formatDate(c.birth) << " on " << formatDate(c.on);
    EXPECT_EQ(birthdayIn({2016, 2, 29}, 2027), (Date{2027, 3, 1}));
    EXPECT_EQ(birthdayIn({2016, 2, 29}, 2028), (Date{2028, 2, 29}));
}

TEST(CivilDate, ParseAndFormat) {
    EXPECT_EQ(parseDate("2026-01-19"), (Date{2026, 1, 19}));
    EXPECT_EQ(parseDate("2024-02-29"), (Date{2024, 2, 29}));
    for (const char* bad : {"2026-02-29", "2026-1-19", "2026/01/19", "20260119", "", "2026-01-19T00:00:00Z",
                            "2026-13-01", "2026-00-10", "abcd-ef-gh"})
        EXPECT_FALSE(parseDate(bad).has_value()) << bad;
    EXPECT_EQ(formatDate({2026, 1, 9}), "2026-01-09");
    EXPECT_EQ(formatLocalDateTime(hkTime(2026, 1, 19, 14, 5, 9)), "2026-01-19 14:05:09+08:00");
    EXPECT_EQ(formatLocalDateTime(hkTime(2026, 1, 19, 0, 0, 0), 0), "2026-01-18 16:00:00+00:00");
}

}  // namespace
}  // namespace kiosk::policies
