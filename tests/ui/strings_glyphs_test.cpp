#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "ui/image_tools.h"
#include "ui/strings.h"
#include "tests/ui/ui_test_support.h"

namespace kiosk::ui {
namespace {

const char* kFont = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
const char* kBold = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc";
constexpr int kTcFace = 3;

StringTable glyphTable() {
    auto t = StringTable::load(testing::sourceDir() / "assets" / "strings" / "strings.json");
    EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
    return t.ok() ? std::move(t).value() : StringTable{};
}

TEST(UiStrings, EveryScreenHasTitleAndBodyInThreeLanguages) {
    auto t = glyphTable();
    for (Screen s : allScreens()) {
        for (const char* part : {".title", ".body"}) {
            std::string key = std::string(screenName(s)) + part;
            const TextTriple* tt = t.find(key);
            ASSERT_NE(tt, nullptr) << key;
            EXPECT_FALSE(tt->zhHant.empty() || tt->en.empty() || tt->pt.empty()) << key;
        }
    }
    for (const char* key : {"face.come_closer", "face.look_at_camera", "finger.place_right_index",
                            "finger.press_harder", "timeout.seconds_left", "staff.trust_stale", "ui.continue",
                            "officer.pin_title", "officer.scan_log", "officer.acknowledge"})
        EXPECT_TRUE(t.has(key)) << key;
}

TEST(UiStrings, LanguagesReallyDiffer) {
    auto t = glyphTable();
    // the Chinese text must be Chinese (code points >= U+2E80), not a copy of the English
    const TextTriple* w = t.find("welcome.body");
    ASSERT_NE(w, nullptr);
    EXPECT_NE(w->zhHant, w->en);
    EXPECT_NE(w->pt, w->en);
    EXPECT_NE(w->zhHant.find("\xE8\xAD\x89"), std::string::npos);  // 證
}

TEST(UiStrings, RefusesIncompleteTable) {
    auto r = StringTable::parse(R"({"a.title": {"zh-Hant": "甲", "en": "A"}})");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "ui.strings");
    EXPECT_NE(r.error().message.find("a.title.pt"), std::string::npos);
    EXPECT_FALSE(StringTable::parse("[1,2]").ok());
    auto ok = StringTable::parse(R"({"_comment": "x", "a": {"zh-Hant": "甲", "en": "A", "pt": "Á"}})");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->size(), 1u);
    EXPECT_EQ(ok->get("a", Language::Pt), "Á");
    EXPECT_EQ(ok->get("missing.key", Language::En), "missing.key");
}

TEST(UiGlyphs, EveryStringRendersWithTheChosenFont) {
    auto t = glyphTable();
    ASSERT_GT(t.size(), 50u);
    for (const char* font : {kFont, kBold}) {
        for (const auto& key : t.keys()) {
            const TextTriple* tt = t.find(key);
            for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
                auto missing = missingGlyphs(font, kTcFace, tt->in(l));
                ASSERT_TRUE(missing.ok()) << missing.error().message;
                EXPECT_TRUE(missing->empty()) << font << ": " << key << " [" << languageTag(l) << "] lacks U+"
                                              << std::hex << (missing->empty() ? 0 : missing->front());
            }
        }
    }
    // symbols the renderer adds itself (PIN dots)
    auto extra = missingGlyphs(kFont, kTcFace, "● 0123456789");
    ASSERT_TRUE(extra.ok());
    EXPECT_TRUE(extra->empty());
}

TEST(UiGlyphs, DetectsMissingGlyphs) {
    // Tamil and Gothic letters are not in Noto Sans CJK: the check must notice.
    auto m = missingGlyphs(kFont, kTcFace, "ok \xE0\xAE\x95 \xF0\x90\x8C\xB0");
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[0], 0x0B95u);
    EXPECT_EQ((*m)[1], 0x10330u);
    EXPECT_FALSE(missingGlyphs("/nonexistent/font.ttc", 0, "x").ok());
}

}  // namespace
}  // namespace kiosk::ui
