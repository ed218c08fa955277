// The lane's side of the sync: on-demand enrolments (one call, honoured, an error is a
// plain not-enrolled refusal within the hook's budget), enrolment-data staleness (staff
// banner, out of service between travellers, back by itself), trust lists and health
// rules from the server.
#include <gtest/gtest.h>

#include "kiosk/lane/lane_sync.h"
#include "kiosk/lane/ui_bridge.h"
#include "tests/kiosk/lane_harness.h"

namespace kiosk::lane {
namespace {

using testing::LaneHarness;

TEST(LaneSyncOnDemand, MissingEnrolmentIsFetchedOnceAndUsed) {
    int calls = 0;
    std::string asked;
    LaneHarness* lane = nullptr;
    SyncHooks hooks;
    hooks.fetchEnrolment = [&](const std::string& reference) -> core::Result<bool> {
        ++calls;
        asked = reference;
        lane->enrol(reference, "K7654321(3)");  // what the agent does: store it
        return true;
    };
    LaneHarness h("ondemand", hooks);
    lane = &h;
    ASSERT_TRUE(h.cross(h.qrFor("LATE")));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(asked, "LATE");
    ASSERT_EQ(h.finished.size(), 1u);
    EXPECT_EQ(h.finished[0], Outcome::Passed);
    // Now it is local: no second call.
    ASSERT_TRUE(h.cross(h.qrFor("LATE")));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(h.finished[1], Outcome::Passed);
}

TEST(LaneSyncOnDemand, ServerWithoutTheEnrolmentIsNotEnrolled) {
    int calls = 0;
    SyncHooks hooks;
    hooks.fetchEnrolment = [&](const std::string&) -> core::Result<bool> { return ++calls, false; };
    LaneHarness h("ondemand-none", hooks);
    ASSERT_TRUE(h.cross(h.qrFor("NOBODY")));
    EXPECT_EQ(calls, 1);
    ASSERT_EQ(h.finished.size(), 1u);
    EXPECT_EQ(h.finished[0], Outcome::Refused);
    EXPECT_EQ(h.finishedReasons[0], std::vector<std::string>{"elig.not_enrolled"});
}

TEST(LaneSyncOnDemand, AnErrorIsANotEnrolledRefusalWithinTheBudget) {
    const core::Millis budget(300);
    int calls = 0;
    LaneHarness* lane = nullptr;
    core::MonoTime asked{};
    SyncHooks hooks;
    hooks.fetchEnrolment = [&](const std::string&) -> core::Result<bool> {
        ++calls;
        asked = lane->clock.monoNow();
        lane->clock.advance(budget);  // the agent used its whole budget and gave up
        return core::makeError("sync.unreachable", "no answer within the budget");
    };
    LaneHarness h("ondemand-error", hooks);
    lane = &h;
    h.enrol("A", "K1234567(4)");
    ASSERT_TRUE(h.cross(h.qrFor("GONE")));
    EXPECT_EQ(calls, 1);
    ASSERT_EQ(h.finished.size(), 1u);
    EXPECT_EQ(h.finished[0], Outcome::Refused);
    EXPECT_EQ(h.finishedReasons[0], std::vector<std::string>{"elig.not_enrolled"});
    // The refusal came straight after the hook: the lane added no wait of its own.
    core::MonoTime refusedAt{};
    for (auto& [st, at] : h.entries)
        if (st == State::Refused) refusedAt = at;
    EXPECT_LE(refusedAt - asked, budget);
    // A local enrolment never asks the server.
    ASSERT_TRUE(h.cross(h.qrFor("A")));
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(h.finished[1], Outcome::Passed);
}

TEST(LaneSyncStaleness, WarningShowsTheStaffBannerAndTheLaneServes) {
    DataFreshness freshness = DataFreshness::Fresh;
    SyncHooks hooks;
    hooks.enrolmentFreshness = [&](int64_t) { return freshness; };
    LaneHarness h("stale-warn", hooks);
    h.enrol("A", "K1234567(4)");
    ui::ViewModel vm = viewModelFor(h.shell->state(), ui::Language::En);
    applyStaffNotices(vm, h.services->enrolmentFreshness(h.clock.wallNow()));
    EXPECT_FALSE(vm.staffWarningEnrolmentsStale);
    freshness = DataFreshness::Warning;
    applyStaffNotices(vm, h.services->enrolmentFreshness(h.clock.wallNow()));
    EXPECT_TRUE(vm.staffWarningEnrolmentsStale);
    ASSERT_TRUE(h.cross(h.qrFor("A")));
    EXPECT_EQ(h.finished[0], Outcome::Passed);
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
}

TEST(LaneSyncStaleness, StaleStopsAnIdleLaneUntilFreshAgain) {
    DataFreshness freshness = DataFreshness::Fresh;
    SyncHooks hooks;
    hooks.enrolmentFreshness = [&](int64_t) { return freshness; };
    LaneHarness h("stale-idle", hooks);
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    freshness = DataFreshness::Stale;
    ASSERT_TRUE(h.runUntilState(State::OutOfService, core::Millis(5000)));
    EXPECT_EQ(h.shell->state().reasons, std::vector<std::string>{kEnrolmentsStale});
    // It stays stopped through its rechecks while the data is old, even for an officer.
    h.shell->post(ev::OfficerSetInService{true});
    EXPECT_FALSE(h.runUntil([&] { return h.shell->state().state != State::OutOfService; }, core::Millis(60000)));
    bool alerted = false;
    for (auto& a : h.services->alerts()) alerted |= a.reason == kEnrolmentsStale;
    EXPECT_TRUE(alerted);
    freshness = DataFreshness::Fresh;
    ASSERT_TRUE(h.runUntilState(State::ReadCredential, core::Millis(15000)));
    const auto states = h.outbox("lane_state");
    ASSERT_EQ(states.size(), 2u);
    EXPECT_EQ(core::Json::parse(states[0].payload)["reason"], kEnrolmentsStale);
    EXPECT_EQ(core::Json::parse(states[1].payload)["to"], "Idle");
}

TEST(LaneSyncStaleness, ATravellerInProgressFinishesFirst) {
    DataFreshness freshness = DataFreshness::Fresh;
    SyncHooks hooks;
    hooks.enrolmentFreshness = [&](int64_t) { return freshness; };
    LaneHarness h("stale-busy", hooks);
    h.enrol("A", "K1234567(4)");
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    h.qr.present(h.qrFor("A"), core::Millis(500));
    ASSERT_TRUE(h.runUntilState(State::CaptureFace));
    freshness = DataFreshness::Stale;
    ASSERT_TRUE(h.runUntil([&] { return !h.finished.empty(); }, core::Millis(120000)));
    EXPECT_EQ(h.finished[0], Outcome::Passed);
    ASSERT_TRUE(h.runUntilState(State::OutOfService, core::Millis(10000)));
    EXPECT_EQ(h.shell->state().reasons, std::vector<std::string>{kEnrolmentsStale});
}

TEST(LaneSyncTrustList, ASignedListReplacesTheLanesAndIsKept) {
    LaneHarness h("trust");
    auto signer = credentials::generateIssuerKey(credentials::Algorithm::ES256, "signer");
    auto other = credentials::generateIssuerKey(credentials::Algorithm::ES256, "signer");
    ASSERT_TRUE(signer.ok() && other.ok());
    credentials::TrustedKey tk;
    tk.kid = "hk-next";
    tk.publicPem = h.issuer.publicPem;
    auto next = credentials::TrustList::fromKeys({tk}, h.now(), 5);
    ASSERT_TRUE(next.ok());
    auto signedText = next->toSigned(*signer);
    ASSERT_TRUE(signedText.ok());
    const std::vector<uint8_t> bytes(signedText->begin(), signedText->end());

    // Signed by another key: refused, nothing changes.
    auto bad = acceptSignedTrustList(bytes, other->publicPem, h.trust, *h.db, h.now());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "trust.bad_signature");
    EXPECT_EQ(h.trust.current()->sequence(), 1);

    ASSERT_TRUE(acceptSignedTrustList(bytes, signer->publicPem, h.trust, *h.db, h.now()).ok());
    EXPECT_EQ(h.trust.current()->sequence(), 5);
    ASSERT_NE(h.trust.current()->find("hk-next"), nullptr);
    auto kept = h.db->loadTrustState();
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->signedList, bytes);

    // After a restart the kept list wins over an older file's, and an older list loses.
    auto older = credentials::TrustList::fromKeys({tk}, h.now() - 100, 2);
    ASSERT_TRUE(older.ok());
    auto chosen = newestTrustList(*older, *h.db, signer->publicPem);
    ASSERT_TRUE(chosen.ok());
    EXPECT_EQ(chosen->sequence(), 5);
    auto olderSigned = older->toSigned(*signer);
    ASSERT_TRUE(olderSigned.ok());
    EXPECT_FALSE(acceptSignedTrustList({olderSigned->begin(), olderSigned->end()}, signer->publicPem, h.trust, *h.db,
                                       h.now())
                     .ok());
    EXPECT_EQ(h.trust.current()->sequence(), 5);
}

TEST(LaneSyncHealthRules, AppliedOnlyWhereThePolicyAllows) {
    LaneHarness h("health");
    const auto rules = core::Json::parse(R"([{"from": "2026-11-01", "required": true, "max_code_age_minutes": 360}])");
    auto local = acceptHealthRules(rules, *h.services);
    ASSERT_FALSE(local.ok());
    EXPECT_EQ(local.error().code, "sync.health_rules_local");
    EXPECT_TRUE(h.services->policy().healthRules.empty());

    LaneServicesConfig sc;
    auto policy = policies::loadPolicyConfig(core::ConfigView(core::Json::parse(R"({"health_code_from_server": true})"), "policy"));
    ASSERT_TRUE(policy.ok());
    sc.policy = *policy;
    LaneServices fromServer(sc, *h.db, h.trust, h.replay);
    ASSERT_TRUE(acceptHealthRules(rules, fromServer).ok());
    ASSERT_EQ(fromServer.policy().healthRules.size(), 1u);
    EXPECT_TRUE(fromServer.policy().healthRules[0].required);
    EXPECT_EQ(fromServer.policy().healthRules[0].maxCodeAgeSeconds, 21600);
    // A health code is now asked for after the crossing QR.
    h.enrol("A", "K1234567(4)");
    auto e = fromServer.verifyCredential(CredentialKind::Qr, h.qrFor("A"), h.clock.wallNow());
    ASSERT_TRUE(std::holds_alternative<ev::CredentialAccepted>(e));
    EXPECT_TRUE(std::get<ev::CredentialAccepted>(e).healthCodeRequired);

    auto broken = acceptHealthRules(core::Json::parse(R"([{"from": "someday", "required": true}])"), fromServer);
    ASSERT_FALSE(broken.ok());
    EXPECT_NE(broken.error().message.find("health_code[0].from"), std::string::npos);
    EXPECT_EQ(fromServer.policy().healthRules.size(), 1u);
}

}  // namespace
}  // namespace kiosk::lane
