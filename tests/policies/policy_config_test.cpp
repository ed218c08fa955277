#include <gtest/gtest.h>

#include "tests/support/test_support.h"

#include <string>

#include "core/config.h"
#include "policies/policy_config.h"
#include <filesystem>

namespace kiosk::policies {
namespace {

core::Result<PolicyConfig> load(const std::string& text) {
    auto j = core::parseJsonText(text, "test");
    EXPECT_TRUE(j.ok()) << text;
    return loadPolicyConfigFromRoot(*j);
}

void expectError(const std::string& text, const std::string& key) {
    auto r = load(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message.rfind(key + ":", 0), 0u) << "message '" << r.error().message
                                                         << "' should start with '" << key << ":'";
    EXPECT_TRUE(r.error().code == "config.bad_value" || r.error().code == "config.missing_key") << r.error().code;
}

// The defaults are the real service's facts.
TEST(PolicyConfig, DefaultsAreTheRealFacts) {
    const PolicyConfig c = defaultPolicyConfig();
    EXPECT_EQ(c.utcOffsetSeconds, 8 * 3600);
    ASSERT_EQ(c.minimumAge.size(), 2u);
    EXPECT_EQ(c.minimumAge[0].from, (Date{2024, 7, 19}));
    EXPECT_EQ(c.minimumAge[0].years, 11);
    EXPECT_EQ(c.minimumAge[1].from, (Date{2026, 1, 19}));
    EXPECT_EQ(c.minimumAge[1].years, 7);
    EXPECT_EQ(c.delayFor(EnrolmentChannel::SelfServiceMachine), 3 * 3600);
    EXPECT_EQ(c.delayFor(EnrolmentChannel::EnrolmentOffice), 15 * 60);
    EXPECT_EQ(c.registrationMinimumAge, 18);
    EXPECT_TRUE(c.healthRules.empty());
    EXPECT_EQ(c.minimumAgeOn({2026, 1, 18}), 11);
    EXPECT_EQ(c.minimumAgeOn({2026, 1, 19}), 7);
    EXPECT_EQ(c.minimumAgeOn({2020, 1, 1}), 11);  // before launch: the launch rule
    EXPECT_EQ(c.healthRulesOn({2022, 1, 1}), nullptr);
}

TEST(PolicyConfig, MissingOrEmptyPolicyKeepsDefaults) {
    for (const char* text : {"{}", R"({"policy": {}})", R"({"policy": null, "lane": {"id": 3}})"}) {
        auto r = load(text);
        ASSERT_TRUE(r.ok()) << text << ": " << r.error().message;
        EXPECT_EQ(r->minimumAge.size(), 2u);
        EXPECT_EQ(r->delaySelfServiceSeconds, 10800);
    }
}

TEST(PolicyConfig, LoadsEveryKey) {
    auto r = load(R"({"policy": {
        "utc_offset_minutes": 0,
        "minimum_age": [{"from": "2030-01-01", "years": 5}],
        "registration_delay_minutes": {"self_service_machine": 60, "enrolment_office": 0},
        "registration_minimum_age": 16,
        "health_code": [{"from": "2030-02-01", "required": true, "max_code_age_minutes": 90, "hc1_accepted": true},
                        {"from": "2030-03-01", "required": false}]}})");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->utcOffsetSeconds, 0);
    ASSERT_EQ(r->minimumAge.size(), 1u);
    EXPECT_EQ(r->minimumAge[0].years, 5);
    EXPECT_EQ(r->delaySelfServiceSeconds, 3600);
    EXPECT_EQ(r->delayEnrolmentOfficeSeconds, 0);
    EXPECT_EQ(r->registrationMinimumAge, 16);
    ASSERT_EQ(r->healthRules.size(), 2u);
    EXPECT_TRUE(r->healthRules[0].required);
    EXPECT_EQ(r->healthRules[0].maxCodeAgeSeconds, std::optional<int64_t>(5400));
    EXPECT_TRUE(r->healthRules[0].certificateAccepted);
    EXPECT_FALSE(r->healthRules[1].required);
    EXPECT_FALSE(r->healthRules[1].maxCodeAgeSeconds.has_value());
    EXPECT_FALSE(r->healthRules[1].certificateAccepted);
    EXPECT_EQ(r->healthRulesOn({2030, 1, 31}), nullptr);
    EXPECT_TRUE(r->healthRulesOn({2030, 2, 1})->required);
    EXPECT_FALSE(r->healthRulesOn({2030, 3, 1})->required);
}

// The sample shipped next to the code loads and says what the docs say.
TEST(PolicyConfig, SampleFileLoads) {
    const std::filesystem::path sample = kiosk::testing::sourceDir() / "policies" / "policy.sample.json";
    auto j = core::loadJsonFile(sample);
    ASSERT_TRUE(j.ok()) << j.error().message;
    auto r = loadPolicyConfigFromRoot(*j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const PolicyConfig d;
    ASSERT_EQ(r->minimumAge.size(), d.minimumAge.size());
    for (size_t i = 0; i < d.minimumAge.size(); ++i) {
        EXPECT_EQ(r->minimumAge[i].from, d.minimumAge[i].from);
        EXPECT_EQ(r->minimumAge[i].years, d.minimumAge[i].years);
    }
    EXPECT_EQ(r->delaySelfServiceSeconds, d.delaySelfServiceSeconds);
    EXPECT_EQ(r->delayEnrolmentOfficeSeconds, d.delayEnrolmentOfficeSeconds);
    EXPECT_EQ(r->registrationMinimumAge, d.registrationMinimumAge);
    ASSERT_EQ(r->healthRules.size(), 2u);
    EXPECT_EQ(r->healthRules[0].maxCodeAgeSeconds, std::optional<int64_t>(6 * 3600));
}

// Every error names the full key so an operator can fix the file.
TEST(PolicyConfig, ErrorsNameTheKey) {
    expectError(R"({"policy": 3})", "policy");
    expectError(R"({"policy": {"utc_offset_minutes": "8"}})", "policy.utc_offset_minutes");
    expectError(R"({"policy": {"utc_offset_minutes": 9999}})", "policy.utc_offset_minutes");
    expectError(R"({"policy": {"minimum_age": 7}})", "policy.minimum_age");
    expectError(R"({"policy": {"minimum_age": []}})", "policy.minimum_age");
    expectError(R"({"policy": {"minimum_age": [3]}})", "policy.minimum_age[0]");
    expectError(R"({"policy": {"minimum_age": [{"years": 7}]}})", "policy.minimum_age[0].from");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-02-30", "years": 7}]}})", "policy.minimum_age[0].from");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-01-19T00:00:00Z", "years": 7}]}})",
                "policy.minimum_age[0].from");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-01-19"}]}})", "policy.minimum_age[0].years");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-01-19", "years": -1}]}})", "policy.minimum_age[0].years");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-01-19", "years": 7}, {"from": "2024-07-19", "years": 11}]}})",
                "policy.minimum_age[1].from");
    expectError(R"({"policy": {"minimum_age": [{"from": "2026-01-19", "years": 7}, {"from": "2026-01-19", "years": 11}]}})",
                "policy.minimum_age[1].from");
    expectError(R"({"policy": {"registration_delay_minutes": 180}})", "policy.registration_delay_minutes");
    expectError(R"({"policy": {"registration_delay_minutes": {"self_service_machine": -1}}})",
                "policy.registration_delay_minutes.self_service_machine");
    expectError(R"({"policy": {"registration_delay_minutes": {"enrolment_office": 1.5}}})",
                "policy.registration_delay_minutes.enrolment_office");
    expectError(R"({"policy": {"registration_minimum_age": true}})", "policy.registration_minimum_age");
    expectError(R"({"policy": {"health_code": [{"from": "2020-05-11"}]}})", "policy.health_code[0].required");
    expectError(R"({"policy": {"health_code": [{"from": "2020-05-11", "required": true, "max_code_age_minutes": 0}]}})",
                "policy.health_code[0].max_code_age_minutes");
    expectError(R"({"policy": {"health_code": [{"from": "2020-05-11", "required": true}, {"from": "2020-05-11", "required": false}]}})",
                "policy.health_code[1].from");
    expectError(R"({"policy": {"health_code": [{"from": "2020-05-11", "required": true, "hc1_accepted": "yes"}]}})",
                "policy.health_code[0].hc1_accepted");
}

TEST(PolicyConfig, ViewWithoutPathNamesPolicyObject) {
    const core::Json j = core::Json::parse(R"({"minimum_age": [{"from": "x", "years": 7}]})");
    auto r = loadPolicyConfig(core::ConfigView(j, "policy"));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("policy.minimum_age[0].from"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace kiosk::policies
