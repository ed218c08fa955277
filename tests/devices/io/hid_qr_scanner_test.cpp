#include "devices/io/hid_qr_scanner.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>

#include "tests/support/test_support.h"

namespace kiosk::devices::io {
namespace {

// The keystrokes a keyboard-mode scanner sends for a text (US layout), as evdev events.
std::vector<input_event> typeText(const std::string& text, bool enter = true) {
    static const std::map<char, std::pair<int, bool>> keys = [] {
        std::map<char, std::pair<int, bool>> m;
        const int digits[] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
        for (int i = 0; i < 10; ++i) m['0' + i] = {digits[i], false};
        const int letters[] = {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
                               KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
        for (int i = 0; i < 26; ++i) {
            m['A' + i] = {letters[i], true};
            m['a' + i] = {letters[i], false};
        }
        m[' '] = {KEY_SPACE, false};
        m['$'] = {KEY_4, true};
        m['%'] = {KEY_5, true};
        m['*'] = {KEY_8, true};
        m['+'] = {KEY_EQUAL, true};
        m['-'] = {KEY_MINUS, false};
        m['.'] = {KEY_DOT, false};
        m['/'] = {KEY_SLASH, false};
        m[':'] = {KEY_SEMICOLON, true};
        return m;
    }();
    std::vector<input_event> ev;
    auto push = [&](int type, int code, int value) {
        input_event e{};
        e.type = static_cast<uint16_t>(type);
        e.code = static_cast<uint16_t>(code);
        e.value = value;
        ev.push_back(e);
    };
    for (char c : text) {
        auto [code, shift] = keys.at(c);
        if (shift) push(EV_KEY, KEY_LEFTSHIFT, 1);
        push(EV_MSC, MSC_SCAN, 0x70000);
        push(EV_KEY, code, 1);
        push(EV_SYN, SYN_REPORT, 0);
        push(EV_KEY, code, 0);
        if (shift) push(EV_KEY, KEY_LEFTSHIFT, 0);
        push(EV_SYN, SYN_REPORT, 0);
    }
    if (enter) {
        push(EV_KEY, KEY_ENTER, 1);
        push(EV_KEY, KEY_ENTER, 0);
        push(EV_SYN, SYN_REPORT, 0);
    }
    return ev;
}

class FakeEvdev {
public:
    FakeEvdev() {
        path_ = testing::tempDir("evdev") / "event-kbd";
        EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0);
    }
    ~FakeEvdev() { closeWriter(); }
    std::unique_ptr<HidQrScanner> open() {
        HidScannerConfig c;
        c.device = path_.string();
        c.interKey = core::Millis(100);
        auto s = HidQrScanner::open(c);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
        writer_ = ::open(path_.c_str(), O_WRONLY);
        return s.ok() ? std::move(s).value() : nullptr;
    }
    void send(const std::vector<input_event>& ev) {
        ASSERT_EQ(::write(writer_, ev.data(), ev.size() * sizeof(input_event)), static_cast<ssize_t>(ev.size() * sizeof(input_event)));
    }
    void closeWriter() {
        if (writer_ >= 0) ::close(writer_);
        writer_ = -1;
    }

private:
    std::filesystem::path path_;
    int writer_ = -1;
};

TEST(HidQrScanner, TypedTokenBecomesText) {
    FakeEvdev dev;
    auto scanner = dev.open();
    ASSERT_TRUE(scanner);
    const std::string token = "HKMO1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3 /Q";
    dev.send(typeText(token));
    auto r = scanner->waitForCode(core::Millis(500));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, token);
    auto none = scanner->waitForCode(core::Millis(30));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST(HidQrScanner, TwoCodesInOneBurst) {
    FakeEvdev dev;
    auto scanner = dev.open();
    ASSERT_TRUE(scanner);
    auto a = typeText("HC1:ABC"), b = typeText("HKMO1:XYZ");
    a.insert(a.end(), b.begin(), b.end());
    dev.send(a);
    auto r1 = scanner->waitForCode(core::Millis(500));
    auto r2 = scanner->waitForCode(core::Millis(500));
    ASSERT_TRUE(r1.ok() && r2.ok());
    EXPECT_EQ(r1->value_or(""), "HC1:ABC");
    EXPECT_EQ(r2->value_or(""), "HKMO1:XYZ");
}

TEST(HidQrScanner, InterruptedCodeIsBadInputAndUnplugIsLost) {
    FakeEvdev dev;
    auto scanner = dev.open();
    ASSERT_TRUE(scanner);
    dev.send(typeText("HKMO1:ABC", /*enter=*/false));
    auto r = scanner->waitForCode(core::Millis(500));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kBadInput);
    dev.closeWriter();
    auto lost = scanner->waitForCode(core::Millis(500));
    ASSERT_FALSE(lost.ok());
    EXPECT_EQ(lost.error().code, errc::kLost);
    EXPECT_EQ(scanner->health().state, DeviceState::Lost);
}

TEST(HidQrScanner, MissingNodeIsLost) {
    HidScannerConfig c;
    c.device = "/nonexistent/event-kbd";
    auto r = HidQrScanner::open(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
}

}  // namespace
}  // namespace kiosk::devices::io
