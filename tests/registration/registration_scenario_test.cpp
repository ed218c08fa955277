// The registration scenario runner with scripted engines (the real ones run through the
// binary: RegistrationScenarioHeadless, and the end-to-end test): outcomes compared with
// the expectations, faults injected at a state, the printer fault and reprint, key errors.
#include "kiosk/registration/registration_scenario.h"

#include <gtest/gtest.h>

#include "registration_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::registration {
namespace {

struct Env {
    testing::ScriptedRegFace face;
    testing::ScriptedRegFinger finger;
    testing::FakePrinter* printer = nullptr;
    RegistrationEnvironment env;
    Env() {
        env.face = &face;
        env.finger = &finger;
        env.presentFingers = [](const std::vector<std::filesystem::path>&) -> core::Status { return {}; };
        env.fingerFault = [this](bool lost) { finger.lost = lost; };
        env.loadImage = [](const std::filesystem::path&) -> core::Result<devices::Image> {
            devices::Image i;
            i.width = i.height = 32;
            i.pixels.assign(32 * 32, 100);
            return i;
        };
        env.makePrinter = [this](core::Clock&) -> core::Result<ScenarioPrinter> {
            auto p = std::make_unique<testing::FakePrinter>();
            printer = p.get();
            ScenarioPrinter sp;
            sp.fault = [this](const std::string& kind) {
                if (kind == "out_of_paper") printer->receiptsLeft = 0;
                if (kind == "clear") {
                    printer->receiptsLeft = -1;
                    printer->state = devices::PrinterState::Ready;
                }
            };
            sp.printer = std::move(p);
            return sp;
        };
        env.workDir = kiosk::testing::tempDir("reg-scenario");
    }
};

core::Json card(const std::string& doc, const std::string& dob = "1985-03-04") {
    return {{"document", doc}, {"date_of_birth", dob}, {"document_expiry", "2031-03-04"}};
}

TEST(RegistrationScenario, PlaysResidentsAndComparesTheirOutcomes) {
    Env e;
    core::Json sc = {
        {"start_time", "2026-11-22T08:30:00+08:00"},
        {"residents",
         {{{"name", "enrols"}, {"card", card("K1234567(4)")}, {"face", {"x.png"}}, {"expect", {{"outcome", "enrolled"}}}},
          {{"name", "under 18"}, {"card", card("Y1112223(3)", "2012-01-01")},
           {"expect", {{"outcome", "refused"}, {"reason", "reg.under_18"}}}},
          {{"name", "paper runs out"}, {"card", card("R7654321(0)")}, {"face", {"x.png"}},
           {"fault", {{"device", "printer"}, {"kind", "out_of_paper"}, {"at", "Commit"}}},
           {"expect", {{"outcome", "enrolled"}}}},
          {{"name", "reader lost"}, {"card", card("A4445556(6)")},
           {"fault", {{"device", "fingerprint"}, {"kind", "lost"}, {"at", "CaptureFingers"}}},
           {"expect", {{"outcome", "fault"}, {"reason", "device.lost"}}}},
          {{"name", "walks away at the terms"}, {"card", card("C5556667(7)")}, {"terms", "ignore"},
           {"expect", {{"outcome", "abandoned"}}}},
          {{"name", "wrong expectation"}, {"card", card("D6667778(8)")}, {"terms", "decline"},
           {"expect", {{"outcome", "enrolled"}}}}}}};
    // The printer belongs to the run and is gone when it returns: count its receipts before.
    std::size_t printed = 0;
    RegistrationScenarioOptions opt;
    opt.afterRun = [&] { printed = e.printer ? e.printer->printed.size() : 0; };
    auto run = runRegistrationScenario(sc, e.env, opt);
    ASSERT_TRUE(run.ok()) << run.error().message;
    ASSERT_EQ(run->residents.size(), 6u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_TRUE(run->residents[i].ok) << formatResidentLine(i + 1, run->residents[i]);
    EXPECT_FALSE(run->residents[5].ok) << "an outcome that differs is reported";
    EXPECT_FALSE(run->allOk());
    EXPECT_EQ(run->enrolments, 2);
    EXPECT_FALSE(run->residents[0].reference.empty());
    EXPECT_TRUE(run->residents[0].printed);
    EXPECT_TRUE(run->residents[2].printed) << "printed on the reprint";
    EXPECT_EQ(printed, 2u);
    // usable from = the commit time (on the scenario's clock) + the machine delay of 3 h.
    const int64_t start = 1795307400;
    EXPECT_GE(run->residents[0].usableFrom, start + 3 * 3600);
    EXPECT_LT(run->residents[0].usableFrom, start + 3 * 3600 + 120);
    EXPECT_NE(formatResidentLine(1, run->residents[0]).find("ref " + run->residents[0].reference), std::string::npos);
}

TEST(RegistrationScenario, UnknownKeysAreNamed) {
    Env e;
    core::Json sc = {{"start_time", "2026-11-22T08:30:00+08:00"},
                     {"residents", {{{"name", "x"}, {"card", card("K1234567(4)")}, {"colour", "red"},
                                     {"expect", {{"outcome", "enrolled"}}}}}}};
    auto run = runRegistrationScenario(sc, e.env);
    ASSERT_FALSE(run.ok());
    EXPECT_NE(run.error().message.find("residents[0].colour"), std::string::npos) << run.error().message;
}

}  // namespace
}  // namespace kiosk::registration
