// The lane end to end on simulated devices: real credentials (signed tokens), real
// policies, a real SQLite store. Biometric steps use scripted engines here; the demo
// scenario test (DemoScenarioHeadless) runs the real dlib and libfprint pipelines.
#include "kiosk/lane/scenario.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "core/clock.h"
#include "core/log.h"
#include "kiosk/store/store.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::lane {
namespace {

core::Json scenario() {
    return core::Json::parse(R"J({
      "start_time": "2026-11-22T08:30:00+08:00",
      "enrolments": [
        {"reference": "A", "document": "K1234567(4)", "residency": "hk_permanent", "date_of_birth": "1985-03-04",
         "channel": "machine", "enrolled": "-40d", "document_expiry": "2031-03-04", "face": ["e.png"], "finger": ["f.png"]},
        {"reference": "KID", "document": "R7654321(0)", "residency": "hk_permanent", "date_of_birth": "2020-06-01",
         "channel": "office", "enrolled": "-30d", "document_expiry": "2030-06-01"},
        {"reference": "NEW", "document": "Z5551234(1)", "residency": "hk_permanent", "date_of_birth": "1979-12-12",
         "channel": "machine", "enrolled": "-1h", "document_expiry": "2029-12-12"},
        {"reference": "NP", "document": "Q1111111(1)", "residency": "hk_non_permanent", "date_of_birth": "1979-12-12",
         "channel": "office", "enrolled": "-9d", "document_expiry": "2020-12-12"}
      ],
      "travellers": [
        {"name": "rogue", "qr": {"enrolment": "A", "rogue_key": true}, "expect": {"outcome": "refused", "reason": "qr.bad_signature"}},
        {"name": "garbage", "qr_text": "HKMO1:%%%", "expect": {"outcome": "refused", "reason": "qr.malformed"}},
        {"name": "other prefix", "qr_text": "HC1:NCFOXN", "expect": {"outcome": "refused", "reason": "qr.unknown_prefix"}},
        {"name": "expired", "qr": {"enrolment": "A", "age_seconds": 120}, "expect": {"outcome": "refused", "reason": "qr.expired"}},
        {"name": "kid", "qr": {"enrolment": "KID"}, "expect": {"outcome": "refused", "reason": "elig.under_minimum_age"}},
        {"name": "new", "qr": {"enrolment": "NEW"}, "expect": {"outcome": "refused", "reason": "elig.registration_delay"}},
        {"name": "np", "qr": {"enrolment": "NP"}, "expect": {"outcome": "refused", "reason": "elig.not_permanent_resident"}},
        {"name": "unknown", "qr": {"enrolment": "NOBODY"}, "expect": {"outcome": "refused", "reason": "elig.not_enrolled"}},
        {"name": "tailgate", "qr": {"enrolment": "A"}, "lane": {"entrants": 2}, "officer_release_after_ms": 4000,
         "expect": {"outcome": "refused", "reason": "lane.tailgating"}},
        {"name": "replay", "replay_of": 8, "expect": {"outcome": "refused", "reason": "qr.duplicate_scan"}},
        {"name": "nobody enters", "qr": {"enrolment": "A"}, "lane": {"entrants": 0}, "expect": {"outcome": "refused", "reason": "lane.no_entry"}},
        {"name": "camera lost", "qr": {"enrolment": "A"}, "fault": {"device": "camera", "kind": "lost", "at": "CaptureFace"},
         "expect": {"outcome": "fault", "reason": "device.lost"}},
        {"name": "gate lost", "qr": {"enrolment": "A"}, "fault": {"device": "gate", "kind": "lost", "at": "AwaitEntry"},
         "expect": {"outcome": "fault", "reason": "device.lost"}},
        {"name": "fire alarm", "qr": {"enrolment": "A"}, "face": ["p.png"], "fault": {"device": "gate", "kind": "fire", "at": "CaptureFace"},
         "expect": {"outcome": "aborted", "reason": "lane.fire_alarm"}},
        {"name": "exit door jams", "qr": {"enrolment": "A"}, "face": ["p.png"], "fault": {"device": "gate", "kind": "jam", "at": "Decide"},
         "expect": {"outcome": "fault", "reason": "device.door_jam"}},
        {"name": "bad mrz", "mrz": ["I<HKGK123456749<<<<<<<<<<<<<<<", "8503046M3103049CHN<<<<<<<<<<<8", "CHAN<<TAI<MAN<<<<<<<<<<<<<<<<<"],
         "expect": {"outcome": "refused", "reason": "mrz.invalid"}}
      ]
    })J");
}

ScenarioEnvironment scenarioEnv(const std::string& tag) {
    static testing::ScriptedFaceEngine face;
    static testing::ScriptedFingerReader finger;
    ScenarioEnvironment e;
    e.face = &face;
    e.finger = &finger;
    e.presentFingers = [](const auto&) { return core::Status{}; };
    e.loadImage = [](const std::filesystem::path&) -> core::Result<devices::Image> {
        return devices::Image{2, 2, devices::PixelFormat::Gray8, {0, 0, 0, 0}};
    };
    e.workDir = kiosk::testing::tempDir(tag);
    return e;
}

TEST(Scenario, EveryRefusalAndFaultGivesItsReasonCode) {
    auto e = scenarioEnv("scn");
    std::vector<std::string> lines;
    ScenarioOptions o;
    o.onTraveller = [&](const TravellerResult& r) { lines.push_back(formatTravellerLine(lines.size() + 1, r)); };
    if (std::getenv("KIOSK_DEBUG")) core::Logger::instance().setLevel(core::LogLevel::Debug);
    auto run = runScenario(scenario(), e, o);
    ASSERT_TRUE(run.ok()) << run.error().message;
    for (auto& t : run->travellers)
        EXPECT_TRUE(t.ok) << t.name << ": got " << t.outcome << " " << (t.reasons.empty() ? "" : t.reasons[0]);
    EXPECT_EQ(run->travellers.size(), 16u);
    // Every traveller is in the journal (the fault crossings too); the jammed exit door
    // adds a fault row after the passed one.
    EXPECT_EQ(run->journalRows, 17);
    EXPECT_GE(run->alerts, 3u);  // tailgating, duplicate, device faults
    for (auto& l : lines) EXPECT_EQ(l.find("K1234567"), std::string::npos) << "no document numbers in output";
}

TEST(Scenario, NoEnrolledFaceNeverPasses) {
    auto e = scenarioEnv("noface");
    auto j = scenario();
    j["enrolments"][0].erase("face");
    j["travellers"] = core::Json::parse(R"J([
        {"name": "ok", "qr": {"enrolment": "A"}, "face": ["probe.png"], "expect": {"outcome": "refused", "reason": "face.no_match"}}
    ])J");
    auto run = runScenario(j, e);
    ASSERT_TRUE(run.ok()) << run.error().message;
    EXPECT_TRUE(run->travellers[0].ok) << run->travellers[0].outcome;
}

TEST(Scenario, PassingTravellerIsRecordedAndTheLaneReturnsToWelcome) {
    auto e = scenarioEnv("pass");
    auto j = scenario();
    j["travellers"] = core::Json::parse(R"J([
        {"name": "ok", "qr": {"enrolment": "A"}, "face": ["probe.png"], "finger": ["f6.png"], "expect": {"outcome": "passed"}},
        {"name": "ok again", "qr": {"enrolment": "A"}, "face": ["probe.png"], "finger": ["f7.png"], "expect": {"outcome": "passed"}}
    ])J");
    auto run = runScenario(j, e);
    ASSERT_TRUE(run.ok()) << run.error().message;
    for (auto& t : run->travellers) {
        EXPECT_TRUE(t.ok) << t.name << " " << t.outcome << " " << (t.reasons.empty() ? "" : t.reasons[0]);
        // QR shown after 0.8 s, doors, 1.5 s to walk in, capture, 1.5 s to walk out.
        EXPECT_GT(t.laneMs, 3000);
        EXPECT_LT(t.laneMs, 20000);
    }
    EXPECT_EQ(run->journalRows, 2);
}

TEST(Scenario, HealthCodeRuleInForceAsksForTheSecondQr) {
    auto e = scenarioEnv("health");
    auto j = scenario();
    j["policy"] = core::Json::parse(R"J({"health_code": [{"from": "2026-01-01", "required": true, "max_code_age_minutes": 360}]})J");
    j["travellers"] = core::Json::parse(R"J([
        {"name": "green", "qr": {"enrolment": "A"}, "health_code": {"enrolment": "A", "colour": "green"},
         "face": ["p.png"], "finger": ["f.png"], "expect": {"outcome": "passed"}},
        {"name": "red", "qr": {"enrolment": "A"}, "health_code": {"enrolment": "A", "colour": "red"},
         "expect": {"outcome": "refused", "reason": "health.red"}},
        {"name": "amber", "qr": {"enrolment": "A"}, "health_code": {"enrolment": "A", "colour": "amber"},
         "expect": {"outcome": "refused", "reason": "health.amber"}},
        {"name": "too old (Macau 6 h)", "qr": {"enrolment": "A"}, "health_code": {"enrolment": "A", "colour": "green", "age_minutes": 400},
         "expect": {"outcome": "refused", "reason": "health.code_too_old"}},
        {"name": "someone else's code", "qr": {"enrolment": "A"}, "health_code": {"enrolment": "KID", "colour": "green"},
         "expect": {"outcome": "refused", "reason": "health.missing"}},
        {"name": "no code shown", "qr": {"enrolment": "A"}, "expect": {"outcome": "refused", "reason": "health.missing"}}
    ])J");
    auto run = runScenario(j, e);
    ASSERT_TRUE(run.ok()) << run.error().message;
    for (auto& t : run->travellers)
        EXPECT_TRUE(t.ok) << t.name << ": got " << t.outcome << " " << (t.reasons.empty() ? "" : t.reasons[0]);
}

TEST(Scenario, StaleTrustListRefusesAndOldRecordsAreErased) {
    auto e = scenarioEnv("retention");
    auto j = scenario();
    j["travellers"] = core::Json::parse(R"J([
        {"name": "today", "qr": {"enrolment": "KID"}, "expect": {"outcome": "refused", "reason": "elig.under_minimum_age"}},
        {"name": "32 days later", "wait_days": 32, "qr": {"enrolment": "A"}, "expect": {"outcome": "refused", "reason": "trust.stale"}}
    ])J");
    auto run = runScenario(j, e);
    ASSERT_TRUE(run.ok()) << run.error().message;
    for (auto& t : run->travellers)
        EXPECT_TRUE(t.ok) << t.name << ": got " << t.outcome << " " << (t.reasons.empty() ? "" : t.reasons[0]);
    // The first crossing is older than 31 days when the second one is recorded: erased.
    EXPECT_EQ(run->journalRows, 1);
}

TEST(Scenario, ExpectationMismatchIsReported) {
    auto e = scenarioEnv("mismatch");
    auto j = scenario();
    j["travellers"] = core::Json::parse(R"J([
        {"name": "rogue", "qr": {"enrolment": "A", "rogue_key": true}, "expect": {"outcome": "passed"}}
    ])J");
    auto run = runScenario(j, e);
    ASSERT_TRUE(run.ok());
    EXPECT_FALSE(run->allOk());
    EXPECT_NE(formatTravellerLine(1, run->travellers[0]).find("EXPECTED passed"), std::string::npos);
}

TEST(Scenario, BadScenarioValueNamesTheKey) {
    auto e = scenarioEnv("bad");
    auto j = scenario();
    j["travellers"][0]["lane"] = core::Json::parse(R"J({"entrants": "two"})J");
    auto run = runScenario(j, e);
    ASSERT_FALSE(run.ok());
    EXPECT_NE(run.error().message.find("travellers[0].lane.entrants"), std::string::npos) << run.error().message;
}

TEST(Scenario, LogLinesAfterARunCarryTheSystemClockAgain) {
    // A run stamps log lines with its simulated clock. Once it has ended, with an error or
    // without, lines carry the real time again: the run's clock is gone by then (ASan found
    // a failed run's logger still reading it).
    std::vector<std::string> lines;
    core::Logger::instance().setSink([&](const std::string& l) { lines.push_back(l); });
    auto lastTs = [&] {
        core::logInfo("test.after_run");
        return core::Json::parse(lines.back()).at("ts").get<std::string>();
    };
    auto e = scenarioEnv("logclock");
    auto j = scenario();
    j["start_time"] = "2001-02-03T04:05:06+00:00";
    j["travellers"] = core::Json::array({j["travellers"][1]});  // one refusal, "garbage"
    auto good = runScenario(j, e);
    const std::string afterGood = lastTs();
    j["travellers"][0]["lane"] = core::Json::parse(R"J({"entrants": "two"})J");  // fails mid-run
    auto e2 = scenarioEnv("logclock-bad");
    auto bad = runScenario(j, e2);
    const std::string afterBad = lastTs();
    core::Logger::instance().setSink([](const std::string& l) { std::fprintf(stderr, "%s\n", l.c_str()); });
    ASSERT_TRUE(good.ok()) << good.error().message;
    ASSERT_FALSE(bad.ok());
    const std::string year = core::formatIsoUtc(std::chrono::system_clock::now()).substr(0, 4);
    EXPECT_EQ(afterGood.substr(0, 4), year) << afterGood;
    EXPECT_EQ(afterBad.substr(0, 4), year) << afterBad;
}

}  // namespace
}  // namespace kiosk::lane
