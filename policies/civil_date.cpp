#include "policies/civil_date.h"

#include <cstdio>

namespace kiosk::policies {

namespace {
// Floor division for negative Unix times (before 1970).
int64_t floorDiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}
}  // namespace

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned daysInMonth(int year, unsigned month) {
    static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && isLeapYear(year)) return 29;
    return kDays[month - 1];
}

bool isValidDate(const Date& d) {
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= daysInMonth(d.year, d.month);
}

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t daysFromCivil(const Date& d) {
    const int64_t y = static_cast<int64_t>(d.year) - (d.month <= 2 ? 1 : 0);
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t m = d.month;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d.day - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

Date civilFromDays(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t y = yoe + era * 400;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp + (mp < 10 ? 3 : -9);
    return Date{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

Date localDateOf(int64_t unixSeconds, int64_t utcOffsetSeconds) {
    return civilFromDays(floorDiv(unixSeconds + utcOffsetSeconds, 86400));
}

int64_t localStartOfDay(const Date& d, int64_t utcOffsetSeconds) {
    return daysFromCivil(d) * 86400 - utcOffsetSeconds;
}

int64_t localEndOfDay(const Date& d, int64_t utcOffsetSeconds) {
    return localStartOfDay(d, utcOffsetSeconds) + 86400 - 1;
}

Date birthdayIn(const Date& birth, int year) {
    if (birth.month == 2 && birth.day == 29 && !isLeapYear(year)) return Date{year, 3, 1};
    return Date{year, birth.month, birth.day};
}

int ageOn(const Date& birth, const Date& on) {
    int years = on.year - birth.year;
    if (on < birthdayIn(birth, on.year)) --years;
    return years;
}

std::optional<Date> parseDate(std::string_view t) {
    if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
    auto digits = [&](size_t pos, size_t n, int& out) {
        out = 0;
        for (size_t i = pos; i < pos + n; ++i) {
            if (t[i] < '0' || t[i] > '9') return false;
            out = out * 10 + (t[i] - '0');
        }
        return true;
    };
    int y = 0, m = 0, d = 0;
    if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
    Date date{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
    if (!isValidDate(date)) return std::nullopt;
    return date;
}

std::string formatDate(const Date& d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
    return buf;
}

std::string formatLocalDateTime(int64_t unixSeconds, int64_t utcOffsetSeconds) {
    const int64_t local = unixSeconds + utcOffsetSeconds;
    const int64_t days = floorDiv(local, 86400);
    const int64_t sod = local - days * 86400;
    const int64_t off = utcOffsetSeconds < 0 ? -utcOffsetSeconds : utcOffsetSeconds;
    char buf[64];
    std::snprintf(buf, sizeof buf, " %02d:%02d:%02d%c%02d:%02d", static_cast<int>(sod / 3600),
                  static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60), utcOffsetSeconds < 0 ? '-' : '+',
                  static_cast<int>(off / 3600), static_cast<int>(off / 60 % 60));
    return formatDate(civilFromDays(days)) + buf;
}

}  // namespace kiosk::policies
