// What the lane queues for the clearance service (docs/api.md): crossings and scans in
// the same transaction as their journal and scan-log rows, alerts, lane state changes;
// the documented payload fields only, and never a QR text or a document number.
#include <gtest/gtest.h>

#include <set>

#include "core/config.h"
#include "tests/kiosk/lane_harness.h"

namespace kiosk::lane {
namespace {

using testing::LaneHarness;

std::set<std::string> keysOf(const core::Json& j) {
    std::set<std::string> out;
    for (auto& [k, v] : j.items()) out.insert(k);
    return out;
}

const std::vector<std::string> kBadMrz = {"I<HKGK123456749<<<<<<<<<<<<<<<", "8503046M3103049CHN<<<<<<<<<<<8",
                                          "CHAN<<TAI<MAN<<<<<<<<<<<<<<<<<"};

TEST(LaneOutbox, EveryLaneEventIsQueuedWithTheDocumentedFieldsOnly) {
    LaneHarness h("outbox");
    h.enrol("A", "K1234567(4)");
    const std::string good = h.qrFor("A");
    const std::string garbage = "HKMO1:%%%";
    ASSERT_TRUE(h.cross(good));
    ASSERT_TRUE(h.cross(garbage));
    // An MRZ traveller (refused: bad check digits): its hash stays at the lane.
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    const auto before = h.finished.size();
    h.doc.insert(kBadMrz, core::Millis(500));
    ASSERT_TRUE(h.runUntil([&] { return h.finished.size() > before; }));
    ASSERT_EQ(h.finished.size(), 3u);
    EXPECT_EQ(h.finished[0], Outcome::Passed);
    EXPECT_EQ(h.finished[1], Outcome::Refused);
    // The officer takes the lane out of service and back.
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    h.shell->post(ev::OfficerSetInService{false});
    ASSERT_TRUE(h.runUntilState(State::OutOfService));
    h.shell->post(ev::OfficerSetInService{true});
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));

    const auto crossings = h.outbox("crossing");
    auto journal = h.db->crossings();
    ASSERT_TRUE(journal.ok());
    ASSERT_EQ(crossings.size(), journal->size());  // one message per journal row
    ASSERT_EQ(crossings.size(), 3u);
    const std::set<std::string> crossingKeys = {"lane", "outcome", "reasons", "reference", "qr_hash", "lane_ms"};
    auto passed = core::Json::parse(crossings[0].payload);
    EXPECT_EQ(keysOf(passed), crossingKeys);
    EXPECT_EQ(passed["lane"], "LANE-T1");
    EXPECT_EQ(passed["outcome"], "passed");
    EXPECT_EQ(passed["reasons"], core::Json::array());
    EXPECT_EQ(passed["reference"], "A");
    EXPECT_EQ(passed["qr_hash"], store::qrHash(good));
    EXPECT_TRUE(passed["lane_ms"].is_number_integer());
    EXPECT_GT(passed["lane_ms"].get<int64_t>(), 0);
    auto refused = core::Json::parse(crossings[1].payload);
    EXPECT_EQ(refused["outcome"], "refused");
    EXPECT_EQ(refused["reasons"], core::Json::array({"qr.malformed"}));
    EXPECT_EQ(refused["qr_hash"], store::qrHash(garbage));
    auto mrz = core::Json::parse(crossings[2].payload);
    EXPECT_EQ(mrz["reasons"], core::Json::array({"mrz.invalid"}));
    EXPECT_EQ(mrz["qr_hash"], "");

    const auto scans = h.outbox("scan");
    auto scanLog = h.db->scansLast12Hours(h.now());
    ASSERT_TRUE(scanLog.ok());
    ASSERT_EQ(scans.size(), 2u);  // the two QR scans (an MRZ read is no scan)
    ASSERT_EQ(scanLog->size(), 2u);
    auto s0 = core::Json::parse(scans[0].payload), s1 = core::Json::parse(scans[1].payload);
    EXPECT_EQ(keysOf(s0), (std::set<std::string>{"lane", "qr_hash", "verdict"}));
    EXPECT_EQ(s0["qr_hash"], store::qrHash(good));
    EXPECT_EQ(s0["verdict"], "accepted");
    EXPECT_EQ(s1["qr_hash"], store::qrHash(garbage));
    EXPECT_EQ(s1["verdict"], "qr.malformed");

    const auto alerts = h.outbox("alert");
    ASSERT_FALSE(alerts.empty());
    bool malformedAlert = false;
    for (auto& a : alerts) {
        auto p = core::Json::parse(a.payload);
        EXPECT_EQ(keysOf(p), (std::set<std::string>{"lane", "reason"}));
        malformedAlert |= p["reason"] == "qr.malformed";
    }
    EXPECT_TRUE(malformedAlert);
    // The alert's id is its outbox sequence number: what the server's ack_alert names.
    const auto laneAlerts = h.services->alerts();
    ASSERT_EQ(laneAlerts.size(), alerts.size());
    EXPECT_EQ(laneAlerts.back().id, alerts.back().id);

    const auto states = h.outbox("lane_state");
    ASSERT_EQ(states.size(), 2u);
    auto out = core::Json::parse(states[0].payload), back = core::Json::parse(states[1].payload);
    EXPECT_EQ(keysOf(out), (std::set<std::string>{"lane", "from", "to", "reason"}));
    EXPECT_EQ(out["from"], "ReadCredential");
    EXPECT_EQ(out["to"], "OutOfService");
    EXPECT_EQ(out["reason"], "lane.out_of_service");
    EXPECT_EQ(back["from"], "OutOfService");
    EXPECT_EQ(back["to"], "Idle");

    // No QR text, no document number, no MRZ line anywhere in what leaves the lane.
    for (auto& item : h.outbox()) {
        for (const std::string& secret : {good, std::string("HKMO1:"), std::string("K1234567"),
                                          std::string("K123456"), kBadMrz[0], kBadMrz[2], std::string("CHAN<<")})
            EXPECT_EQ(item.payload.find(secret), std::string::npos) << item.kind << ": " << item.payload;
    }
}

TEST(LaneOutbox, EmergencyChangesAreLaneStateMessages) {
    LaneHarness h("outbox-fire");
    ASSERT_TRUE(h.runUntilState(State::ReadCredential));
    h.gate.setFireAlarm(true);
    ASSERT_TRUE(h.runUntilState(State::Emergency));
    h.gate.setFireAlarm(false);
    ASSERT_TRUE(h.runUntilState(State::OutOfService));
    const auto states = h.outbox("lane_state");
    ASSERT_GE(states.size(), 2u);
    auto in = core::Json::parse(states[0].payload), out = core::Json::parse(states[1].payload);
    EXPECT_EQ(in["to"], "Emergency");
    EXPECT_EQ(in["reason"], "lane.fire_alarm");
    EXPECT_EQ(out["from"], "Emergency");
    EXPECT_EQ(out["to"], "OutOfService");
}

}  // namespace
}  // namespace kiosk::lane
