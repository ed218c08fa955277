#include "core/clock.h"

#include <cstdio>
#include <ctime>
#include <thread>

namespace kiosk::core {

using namespace std::chrono;

void SystemClock::sleepFor(Millis d) { std::this_thread::sleep_for(d); }

FakeClock::FakeClock(WallTime start)
    : wallMs_(duration_cast<milliseconds>(start.time_since_epoch()).count()) {}

WallTime FakeClock::wallNow() const { return WallTime{milliseconds(wallMs_.load())}; }
MonoTime FakeClock::monoNow() const { return MonoTime{milliseconds(monoMs_.load())}; }

void FakeClock::advance(Millis d) {
    wallMs_ += d.count();
    monoMs_ += d.count();
}

void FakeClock::setWall(WallTime t) {
    wallMs_ = duration_cast<milliseconds>(t.time_since_epoch()).count();
}

int64_t toUnixSeconds(WallTime t) { return duration_cast<seconds>(t.time_since_epoch()).count(); }
WallTime fromUnixSeconds(int64_t s) { return WallTime{seconds(s)}; }

std::string formatIsoUtc(WallTime t) {
    const auto dp = floor<days>(t);
    const year_month_day ymd{dp};
    const hh_mm_ss hms{floor<seconds>(t - dp)};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                  int(hms.minutes().count()), int(hms.seconds().count()));
    return buf;
}

bool parseIsoTime(const std::string& text, WallTime& out) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
        return false;
    const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
    if (!ymd.ok()) return false;
    sys_seconds base = sys_days{ymd};
    if (text.size() == 10) {
        out = WallTime{base};
        return true;
    }
    int c2 = 0;
    if (std::sscanf(text.c_str() + 10, "T%2d:%2d:%2d%n", &h, &mi, &s, &c2) != 3 || c2 != 9)
        return false;
    if (h > 23 || mi > 59 || s > 60) return false;
    base += hours(h) + minutes(mi) + seconds(s);
    const std::string tz = text.substr(19);
    if (tz == "Z") {
        out = WallTime{base};
        return true;
    }
    int oh = 0, om = 0;
    char sign = 0;
    int c3 = 0;
    if (std::sscanf(tz.c_str(), "%c%2d:%2d%n", &sign, &oh, &om, &c3) != 3 ||
        c3 != int(tz.size()) || (sign != '+' && sign != '-'))
        return false;
    const auto off = hours(oh) + minutes(om);
    out = WallTime{sign == '+' ? base - off : base + off};
    return true;
}

}  // namespace kiosk::core
