#include "core/config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/log.h"
#include "tests/support/test_support.h"

namespace kiosk::core {
namespace {

TEST(Config, ErrorsNameTheFullKey) {
    auto j = parseJsonText(R"({"lane": {"timeouts": {"door1_ms": "fast"}, "id": 7}})", "t");
    ASSERT_TRUE(j.ok());
    ConfigView root(*j);
    auto lane = root.child("lane");
    ASSERT_TRUE(lane.ok());
    auto t = lane->child("timeouts");
    ASSERT_TRUE(t.ok());
    auto v = t->integer("door1_ms", 100, 600000);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, "config.bad_value");
    EXPECT_NE(v.error().message.find("lane.timeouts.door1_ms"), std::string::npos);

    auto m = t->integer("door2_ms", 100, 600000);
    EXPECT_EQ(m.error().code, "config.missing_key");
    EXPECT_NE(m.error().message.find("lane.timeouts.door2_ms"), std::string::npos);

    auto id = lane->string("id");
    EXPECT_EQ(id.error().code, "config.bad_value");
    EXPECT_EQ(*t->integerOr("door2_ms", 5000, 100, 600000), 5000);
}

TEST(Config, RangeAndEnumChecks) {
    auto j = parseJsonText(R"({"n": 5, "backend": "usb", "when": "2026-13-01", "flag": 1})", "t");
    ConfigView c(*j);
    EXPECT_FALSE(c.integer("n", 10, 20).ok());
    EXPECT_TRUE(c.integer("n", 0, 20).ok());
    auto b = c.oneOf("backend", {"sim", "opencv"});
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message.find("sim, opencv"), std::string::npos);
    EXPECT_FALSE(c.unixTime("when").ok());
    EXPECT_FALSE(c.boolean("flag").ok());
}

TEST(Config, SyntaxErrorIsClearAndFileMissingIsClear) {
    auto j = parseJsonText("{\"a\": 1,, }", "kiosk.json");
    ASSERT_FALSE(j.ok());
    EXPECT_EQ(j.error().code, "config.syntax");
    EXPECT_NE(j.error().message.find("kiosk.json"), std::string::npos);
    auto f = loadJsonFile("/nonexistent/kiosk.json");
    EXPECT_EQ(f.error().code, "config.unreadable");
}

TEST(Clock, IsoRoundTripAndOffsets) {
    WallTime t;
    ASSERT_TRUE(parseIsoTime("2026-01-19T00:00:00+08:00", t));
    EXPECT_EQ(formatIsoUtc(t), "2026-01-18T16:00:00Z");
    ASSERT_TRUE(parseIsoTime("2024-02-29", t));
    EXPECT_EQ(formatIsoUtc(t), "2024-02-29T00:00:00Z");
    EXPECT_FALSE(parseIsoTime("2023-02-29", t));
    EXPECT_FALSE(parseIsoTime("2026-01-19T25:00:00Z", t));
    EXPECT_FALSE(parseIsoTime("2026-01-19T10:00:00", t));
}

TEST(Clock, FakeClockMonotonicNeverGoesBack) {
    FakeClock c;
    auto m0 = c.monoNow();
    auto w0 = c.wallNow();
    c.advance(Millis(1500));
    EXPECT_EQ(c.monoNow() - m0, Millis(1500));
    c.setWall(w0 - std::chrono::hours(48));
    EXPECT_EQ(c.monoNow() - m0, Millis(1500));
    EXPECT_LT(c.wallNow(), w0);
}

TEST(Log, NoPersonalDataHelpers) {
    EXPECT_EQ(maskDocumentNumber("K1234567"), "K1****67");
    EXPECT_EQ(maskDocumentNumber("123"), "***");
    EXPECT_EQ(hashForLog("HKMO1:abc").size(), 16u);
    EXPECT_NE(hashForLog("HKMO1:abc"), hashForLog("HKMO1:abd"));
    EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    std::string captured;
    Logger::instance().setSink([&](const std::string& l) { captured = l; });
    logInfo("lane.test", {{"doc", maskDocumentNumber("K1234567")}});
    Logger::instance().setSink(nullptr);
    auto j = nlohmann::json::parse(captured);
    EXPECT_EQ(j["event"], "lane.test");
    EXPECT_EQ(j["doc"], "K1****67");
    EXPECT_EQ(captured.find("K1234567"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::core

namespace kiosk::core {
namespace {

// Issue 16, defect 5: a misspelt key was ignored. Strict readers list their keys.
TEST(ConfigStrict, UnknownKeyIsAnErrorNamingTheFullKeyWithAHint) {
    auto j = parseJsonText(R"({"stor": {"path": "x"}, "lane_id": "A"})", "t");
    ASSERT_TRUE(j.ok());
    ConfigView root(*j);
    auto st = root.onlyKeys({"lane_id", "store", "trust"}, "docs/configuration.md");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "config.unknown_key");
    EXPECT_EQ(st.error().message, "stor: unknown key (did you mean store?) (docs/configuration.md lists the keys)");

    auto nested = parseJsonText(R"({"store": {"pth": "x"}})", "t");
    auto store = ConfigView(*nested).child("store");
    ASSERT_TRUE(store.ok());
    auto st2 = store->onlyKeys({"path", "key_file"});
    ASSERT_FALSE(st2.ok());
    EXPECT_EQ(st2.error().message, "store.pth: unknown key (did you mean store.path?)");
    EXPECT_TRUE(store->onlyKeys({"pth"}).ok());
}

TEST(ConfigStrict, HintOnlyForLikelyMisspellings) {
    EXPECT_EQ(nearestKey("stor", {"store", "trust", "sync"}), "store");
    EXPECT_EQ(nearestKey("ptah", {"path", "key_file"}), "path");          // swapped neighbours
    EXPECT_EQ(nearestKey("Key_File", {"path", "key_file"}), "key_file");  // case
    EXPECT_EQ(nearestKey("officer_pin", {"officer_pin_hash", "voice"}), "");  // too far
    EXPECT_EQ(nearestKey("colour", {"path", "key_file"}), "");
    EXPECT_EQ(nearestKey("x", {}), "");
    auto j = parseJsonText(R"({"colour": 1})", "t");
    auto st = ConfigView(*j, "ui").onlyKeys({"voice", "font"});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message, "ui.colour: unknown key");
}

TEST(ConfigStrict, NonObjectIsABadValue) {
    auto j = parseJsonText(R"({"store": 5})", "t");
    const Json& inner = (*j)["store"];
    auto st = ConfigView(inner, "store").onlyKeys({"path"});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "config.bad_value");
    EXPECT_NE(st.error().message.find("store: must be an object"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::core
