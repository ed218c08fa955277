#pragma once
// Time enters the system only through a Clock. policies/ and credentials/ never hold
// one: they take the time as a value.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace kiosk::core {

using WallTime = std::chrono::system_clock::time_point;  // civil time (UTC)
using MonoTime = std::chrono::steady_clock::time_point;  // for timeouts and durations
using Millis = std::chrono::milliseconds;

class Clock {
public:
    virtual ~Clock() = default;
    virtual WallTime wallNow() const = 0;
    virtual MonoTime monoNow() const = 0;
    // Real clocks sleep; fake clocks advance. Shells wait through this so a simulated
    // run needs no real time.
    virtual void sleepFor(Millis d) = 0;
};

class SystemClock final : public Clock {
public:
    WallTime wallNow() const override { return std::chrono::system_clock::now(); }
    MonoTime monoNow() const override { return std::chrono::steady_clock::now(); }
    void sleepFor(Millis d) override;
};

// Deterministic clock for tests and simulated runs: time moves only when told.
class FakeClock final : public Clock {
public:
    explicit FakeClock(WallTime start = WallTime{} + std::chrono::hours(24 * 365 * 56));
    WallTime wallNow() const override;
    MonoTime monoNow() const override;
    void sleepFor(Millis d) override { advance(d); }
    void advance(Millis d);
    // Moves only the wall clock (e.g. an operator setting the clock back); the monotonic
    // clock never goes backwards.
    void setWall(WallTime t);

private:
    std::atomic<int64_t> wallMs_;
    std::atomic<int64_t> monoMs_{0};
};

// Unix seconds <-> WallTime, and ISO 8601 UTC text ("2026-11-22T08:30:00Z").
int64_t toUnixSeconds(WallTime t);
WallTime fromUnixSeconds(int64_t s);
std::string formatIsoUtc(WallTime t);
// Accepts "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DDTHH:MM:SS+08:00" and "YYYY-MM-DD" (midnight UTC).
bool parseIsoTime(const std::string& text, WallTime& out);

}  // namespace kiosk::core
