#pragma once
// Civil (calendar) dates and local time for Hong Kong and Macau. Both use UTC+8 all
// year (no daylight saving), so "local" is a fixed offset that the policy
// configuration carries (PolicyConfig::utcOffsetSeconds, default 8 h). Pure arithmetic,
// no clock, no time-zone database.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiosk::policies {

struct Date {
    int year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31

    friend constexpr auto operator<=>(const Date&, const Date&) = default;
    friend constexpr bool operator==(const Date&, const Date&) = default;
};

inline constexpr int64_t kHongKongUtcOffsetSeconds = 8 * 3600;

bool isLeapYear(int year);
unsigned daysInMonth(int year, unsigned month);
bool isValidDate(const Date& d);

// Days since 1970-01-01 (proleptic Gregorian) and back.
int64_t daysFromCivil(const Date& d);
Date civilFromDays(int64_t days);

// The local calendar date of a Unix time, at a fixed UTC offset.
Date localDateOf(int64_t unixSeconds, int64_t utcOffsetSeconds = kHongKongUtcOffsetSeconds);
// Unix time of 00:00:00 local on that date.
int64_t localStartOfDay(const Date& d, int64_t utcOffsetSeconds = kHongKongUtcOffsetSeconds);
// Unix time of 23:59:59 local on that date (the last second of the day).
int64_t localEndOfDay(const Date& d, int64_t utcOffsetSeconds = kHongKongUtcOffsetSeconds);

// The day a person born on `birth` has their birthday in `year`. A 29 February birth
// has its birthday on 1 March in a non-leap year (the convention of Hong Kong law:
// a person attains an age at the start of the anniversary, and a non-leap year has no
// 29 February, so the anniversary falls on the day after 28 February).
Date birthdayIn(const Date& birth, int year);
// Completed years of age on date `on` (the birthday itself counts: the age changes at
// 00:00 local on the birthday). Negative if `on` is before `birth`.
int ageOn(const Date& birth, const Date& on);

// "YYYY-MM-DD" (strict: 4-digit year, 2-digit month and day, a real calendar date).
std::optional<Date> parseDate(std::string_view text);
std::string formatDate(const Date& d);
// "YYYY-MM-DD HH:MM:SS+08:00" (the local time at that offset).
std::string formatLocalDateTime(int64_t unixSeconds, int64_t utcOffsetSeconds = kHongKongUtcOffsetSeconds);

}  // namespace kiosk::policies
