// Issue 16, defect 7: a live lane without a trust list went into service and refused every
// QR (qr.unknown_issuer); the only sign was one log line. Now it stays out of service with
// trust.missing: the officer overlay's alert, the lane_state and alert events, and the
// heartbeat all carry the reason, and the lane comes back by itself once a list arrives.
#include <gtest/gtest.h>

#include "kiosk/lane/lane_commands.h"
#include "tests/kiosk/lane_harness.h"

namespace kiosk::testing {
namespace {

using lane::State;

bool alerted(const LaneHarness& h, const std::string& reason) {
    for (auto& a : h.services->alerts())
        if (a.reason == reason) return true;
    return false;
}

TEST(LaneTrustMissing, ALiveLaneWithoutATrustListStaysOutOfServiceWithTrustMissing) {
    LaneHarness h("trust-missing", {}, {}, LaneHarness::Trust::Required);
    h.enrol("R-TRUST0001", "K1234567(4)");
    ASSERT_TRUE(h.runUntilState(State::OutOfService, core::Millis(5000)));
    EXPECT_EQ(h.shell->state().reasons, std::vector<std::string>{lane::kTrustMissing});
    // Not even an officer puts it in service without a list.
    h.shell->post(lane::ev::OfficerSetInService{true});
    EXPECT_FALSE(h.runUntil([&] { return h.shell->state().state != State::OutOfService; }, core::Millis(60000)));

    // Staff see why: the overlay's alert, and the centre: the events and the heartbeat.
    EXPECT_TRUE(alerted(h, lane::kTrustMissing));
    const auto states = h.outbox("lane_state");
    ASSERT_GE(states.size(), 1u);
    EXPECT_EQ(core::Json::parse(states[0].payload)["reason"], lane::kTrustMissing);
    bool alertEvent = false;
    for (auto& a : h.outbox("alert")) alertEvent |= core::Json::parse(a.payload)["reason"] == lane::kTrustMissing;
    EXPECT_TRUE(alertEvent);
    const core::Json hb = lane::heartbeatFields("LANE-T1", h.shell->snapshot(), std::nullopt);
    EXPECT_EQ(hb["in_service"], false);
    EXPECT_EQ(hb["reasons"], core::Json::array({lane::kTrustMissing})) << hb.dump();

    // A list arrives (file reloaded or the server's): back in service by itself, QRs verify.
    h.loadTrustList(h.now() - 60);
    ASSERT_TRUE(h.runUntilState(State::ReadCredential, core::Millis(15000)));
    EXPECT_FALSE(lane::heartbeatFields("LANE-T1", h.shell->snapshot(), std::nullopt).contains("reasons"));
    ASSERT_TRUE(h.cross(h.qrFor("R-TRUST0001")));
    EXPECT_EQ(h.finished.back(), lane::Outcome::Passed);
}

TEST(LaneTrustMissing, AListPastItsOfflineValidityStopsTheLaneWithTrustStale) {
    LaneHarness h("trust-stale", {}, {}, LaneHarness::Trust::Required, LaneHarness::kStart - 31 * 86400);
    ASSERT_TRUE(h.runUntilState(State::OutOfService, core::Millis(5000)));
    EXPECT_EQ(h.shell->state().reasons, std::vector<std::string>{"trust.stale"});
    EXPECT_TRUE(alerted(h, "trust.stale"));
}

TEST(LaneTrustMissing, ALaneWithAValidListServes) {
    LaneHarness h("trust-valid", {}, {}, LaneHarness::Trust::Required, LaneHarness::kStart - 86400);
    h.enrol("R-TRUST0002", "K7654321(0)");
    ASSERT_TRUE(h.runUntilState(State::ReadCredential, core::Millis(5000)));
    ASSERT_TRUE(h.cross(h.qrFor("R-TRUST0002")));
    EXPECT_EQ(h.finished.back(), lane::Outcome::Passed);
    EXPECT_FALSE(alerted(h, lane::kTrustMissing));
}

}  // namespace
}  // namespace kiosk::testing
