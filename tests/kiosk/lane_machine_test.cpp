// Table-driven: every transition of the lane machine, one row each.
#include "kiosk/lane/lane_machine.h"

#include <functional>

#include <gtest/gtest.h>

namespace kiosk::lane {
namespace {

LaneConfig cfg() { return LaneConfig{}; }

LaneState in(State st, std::function<void(LaneState&)> tweak = {}) {
    LaneState s;
    s.state = st;
    s.epoch = 7;
    if (st != State::Idle && st != State::ReadCredential && st != State::OutOfService) {
        s.credentialKind = CredentialKind::Qr;
        s.subject = "ENR-1";
    }
    if (tweak) tweak(s);
    return s;
}

bool has(const std::vector<Command>& cmds, const std::string& d) {
    for (auto& c : cmds)
        if (describe(c) == d) return true;
    return false;
}

struct MachineRow {
    const char* name;
    LaneState from;
    Event event;
    State to;
    std::vector<std::string> mustRun;     // commands (describe()) that must be issued
    std::vector<std::string> mustNotRun;  // commands that must not be issued
    std::optional<Outcome> finished = std::nullopt;
    std::vector<std::string> reasons = {};
};

std::vector<MachineRow> rows() {
    auto occupied = [](LaneState& s) { s.occupancy = 1; };
    auto held = [](LaneState& s) { s.occupancy = 2; s.holdForOfficer = true; s.reasons = {"lane.tailgating"}; s.recorded = true; };
    auto warned = [](LaneState& s) { s.timeoutWarned = true; };
    auto lastFace = [](LaneState& s) { s.faceAttempt = 2; s.occupancy = 1; };
    auto lastFinger = [](LaneState& s) { s.fingerAttempt = 2; s.occupancy = 1; };
    return {
        {"idle devices ready", in(State::Idle), ev::DevicesReady{}, State::ReadCredential, {"ReadCredential"}, {}},
        {"idle recheck", in(State::Idle), ev::Timeout{7}, State::Idle, {"CheckDevices"}, {}},
        {"idle device fault", in(State::Idle), ev::DeviceFault{"qr", "device.lost"}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)"}, {"Record(fault)"}},
        {"read qr", in(State::ReadCredential), ev::CredentialRead{CredentialKind::Qr, "HKMO1:X"}, State::VerifyCredential, {"VerifyCredential"}, {}},
        {"read mrz", in(State::ReadCredential), ev::CredentialRead{CredentialKind::Mrz, "L1\nL2"}, State::VerifyCredential, {"VerifyCredential"}, {}},
        {"read nothing", in(State::ReadCredential), ev::NothingPresented{}, State::ReadCredential, {}, {"VerifyCredential"}},
        {"read slice over", in(State::ReadCredential), ev::Timeout{7}, State::Idle, {"CheckDevices"}, {}},
        {"stale timeout ignored", in(State::ReadCredential), ev::Timeout{6}, State::ReadCredential, {}, {"CheckDevices"}},
        {"credential ok", in(State::VerifyCredential), ev::CredentialAccepted{"ENR-1", {}}, State::CheckEligibility, {"CheckEligibility"}, {}},
        {"credential ok, health code required", in(State::VerifyCredential), ev::CredentialAccepted{"ENR-1", {}, true}, State::ReadHealthCode, {"ReadHealthCode"}, {"CheckEligibility"}},
        {"health code shown", in(State::ReadHealthCode), ev::HealthCodeRead{"HKHC1:X"}, State::CheckEligibility, {"CheckEligibility"}, {}},
        {"health code not shown", in(State::ReadHealthCode), ev::Timeout{7}, State::CheckEligibility, {"CheckEligibility"}, {}},
        {"qr lost while waiting for health code", in(State::ReadHealthCode), ev::DeviceFault{"qr", "device.lost"}, State::OutOfService, {"CloseDoor(1)", "Record(fault)"}, {}, Outcome::Fault},
        {"credential bad", in(State::VerifyCredential), ev::CredentialRejected{"qr.bad_signature"}, State::Refused, {"Record(refused)", "AlertOfficer(qr.bad_signature)"}, {"OpenDoor(1)"}, std::nullopt, {"qr.bad_signature"}},
        {"verify timeout", in(State::VerifyCredential), ev::Timeout{7}, State::Refused, {"Record(refused)"}, {}, std::nullopt, {"lane.timeout"}},
        {"eligible", in(State::CheckEligibility), ev::EligibilityPassed{}, State::Door1Open, {"OpenDoor(1)"}, {}},
        {"not eligible", in(State::CheckEligibility), ev::EligibilityRefused{{"elig.under_minimum_age", "elig.registration_delay"}, false}, State::Refused, {"Record(refused)"}, {"OpenDoor(1)"}, std::nullopt, {"elig.under_minimum_age", "elig.registration_delay"}},
        {"eligibility timeout", in(State::CheckEligibility), ev::Timeout{7}, State::Refused, {}, {}, std::nullopt, {"lane.timeout"}},
        {"door1 opened", in(State::Door1Open), ev::DoorOpened{1}, State::AwaitEntry, {"WatchLane"}, {}},
        {"door1 wrong door ignored", in(State::Door1Open), ev::DoorOpened{2}, State::Door1Open, {}, {}},
        {"door1 no ack", in(State::Door1Open), ev::Timeout{7}, State::OutOfService, {"CloseDoor(1)", "Record(fault)"}, {}, Outcome::Fault},
        {"door1 jam", in(State::Door1Open), ev::DeviceFault{"gate", "device.door_jam"}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)", "Record(fault)"}, {}, Outcome::Fault},
        {"one person in", in(State::AwaitEntry), ev::LaneOccupancy{1}, State::CaptureFace, {"CloseDoor(1)", "CaptureFace(0)"}, {}},
        {"nobody yet", in(State::AwaitEntry), ev::LaneOccupancy{0}, State::AwaitEntry, {}, {}},
        {"tailgating", in(State::AwaitEntry), ev::LaneOccupancy{2}, State::Refused, {"CloseDoor(1)", "AlertOfficer(lane.tailgating)"}, {"OpenDoor(1)", "OpenDoor(2)"}, std::nullopt, {"lane.tailgating"}},
        {"entry time warning", in(State::AwaitEntry), ev::Timeout{7}, State::AwaitEntry, {"Show(10)", "WatchLane"}, {"CloseDoor(1)"}},
        {"entry more time", in(State::AwaitEntry, warned), ev::ContinuePressed{}, State::AwaitEntry, {"WatchLane"}, {"Show(10)"}},
        {"continue without warning ignored", in(State::AwaitEntry), ev::ContinuePressed{}, State::AwaitEntry, {}, {"WatchLane"}},
        {"nobody entered", in(State::AwaitEntry, warned), ev::Timeout{7}, State::Refused, {"CloseDoor(1)"}, {"OpenDoor(1)"}, std::nullopt, {"lane.no_entry"}},
        {"face match", in(State::CaptureFace, occupied), ev::FaceResult{true, true, 0.3}, State::CaptureFinger, {"CaptureFinger(0)"}, {}},
        {"face retry", in(State::CaptureFace, occupied), ev::FaceResult{false, true, 0.8}, State::CaptureFace, {"CaptureFace(1)"}, {}},
        {"face timeout retry", in(State::CaptureFace, occupied), ev::Timeout{7}, State::CaptureFace, {"CaptureFace(1)"}, {}},
        {"face third miss", in(State::CaptureFace, lastFace), ev::FaceResult{false, true, 0.8}, State::Refused, {"Record(refused)", "OpenDoor(1)", "WatchLane"}, {"OpenDoor(2)"}, std::nullopt, {"face.no_match"}},
        {"face liveness", in(State::CaptureFace, lastFace), ev::FaceResult{true, false, 0.3}, State::Refused, {"OpenDoor(1)"}, {"OpenDoor(2)"}, std::nullopt, {"face.liveness_failed"}},
        {"face none", in(State::CaptureFace, lastFace), ev::FaceResult{false, false, 9, false}, State::Refused, {}, {}, std::nullopt, {"face.no_face"}},
        {"face timeout last", in(State::CaptureFace, lastFace), ev::Timeout{7}, State::Refused, {}, {}, std::nullopt, {"face.no_face"}},
        {"camera lost", in(State::CaptureFace, occupied), ev::DeviceFault{"camera", "device.lost"}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)", "Record(fault)"}, {"OpenDoor(1)", "OpenDoor(2)"}, Outcome::Fault},
        {"finger match", in(State::CaptureFinger, occupied), ev::FingerResult{true, true, 80}, State::Decide, {"Record(passed)"}, {"OpenDoor(2)"}},
        {"finger retry", in(State::CaptureFinger, occupied), ev::FingerResult{false, true, 10}, State::CaptureFinger, {"CaptureFinger(1)"}, {}},
        {"finger timeout retry", in(State::CaptureFinger, occupied), ev::Timeout{7}, State::CaptureFinger, {"CaptureFinger(1)"}, {}},
        {"finger third miss", in(State::CaptureFinger, lastFinger), ev::FingerResult{false, true, 10}, State::Refused, {"OpenDoor(1)"}, {"OpenDoor(2)"}, std::nullopt, {"finger.no_match"}},
        {"finger quality", in(State::CaptureFinger, lastFinger), ev::FingerResult{false, false, 0}, State::Refused, {}, {}, std::nullopt, {"finger.quality"}},
        {"finger timeout last", in(State::CaptureFinger, lastFinger), ev::Timeout{7}, State::Refused, {}, {}, std::nullopt, {"finger.quality"}},
        {"recorded", in(State::Decide, occupied), ev::Recorded{}, State::Door2Open, {"OpenDoor(2)"}, {}},
        {"journal down", in(State::Decide, occupied), ev::Timeout{7}, State::OutOfService, {"CloseDoor(2)"}, {"OpenDoor(2)"}, Outcome::Fault},
        {"door2 opened", in(State::Door2Open, occupied), ev::DoorOpened{2}, State::AwaitExit, {"WatchLane"}, {}},
        {"door2 no ack after pass recorded", in(State::Door2Open, [](LaneState& s) { s.occupancy = 1; s.recorded = true; }), ev::Timeout{7}, State::OutOfService, {"CloseDoor(2)", "Record(fault)"}, {}, Outcome::Fault},
        {"left", in(State::AwaitExit, occupied), ev::LaneOccupancy{0, true}, State::Idle, {"CloseDoor(2)", "CheckDevices"}, {}, Outcome::Passed},
        {"still inside", in(State::AwaitExit, occupied), ev::LaneOccupancy{1}, State::AwaitExit, {}, {}},
        {"exit time warning", in(State::AwaitExit, occupied), ev::Timeout{7}, State::AwaitExit, {"Show(10)", "WatchLane"}, {"AlertOfficer(lane.timeout)"}},
        {"exit slow", in(State::AwaitExit, [](LaneState& s) { s.occupancy = 1; s.timeoutWarned = true; }), ev::Timeout{7}, State::AwaitExit, {"AlertOfficer(lane.timeout)", "WatchLane"}, {}},
        {"refused left", in(State::Refused, occupied), ev::LaneOccupancy{0}, State::Idle, {"CloseDoor(1)"}, {}, Outcome::Refused},
        {"refused nobody inside", in(State::Refused), ev::Timeout{7}, State::Idle, {"CheckDevices"}, {}, Outcome::Refused},
        {"refused still inside", in(State::Refused, occupied), ev::Timeout{7}, State::Refused, {"AlertOfficer(lane.timeout)"}, {"CheckDevices"}},
        {"held lane ignores empty", in(State::Refused, held), ev::LaneOccupancy{0}, State::Refused, {}, {"CloseDoor(1)"}},
        {"held lane re-alerts", in(State::Refused, held), ev::Timeout{7}, State::Refused, {"AlertOfficer(lane.tailgating)"}, {"OpenDoor(1)"}},
        {"officer releases", in(State::Refused, held), ev::OfficerRelease{}, State::Refused, {"OpenDoor(1)", "WatchLane"}, {}},
        {"oos recheck", in(State::OutOfService), ev::Timeout{7}, State::OutOfService, {"CheckDevices"}, {}},
        {"oos recovered", in(State::OutOfService), ev::DevicesReady{}, State::Idle, {"CloseDoor(1)", "CloseDoor(2)", "CheckDevices"}, {}},
        {"oos officer hold", in(State::OutOfService, [](LaneState& s) { s.officerOutOfService = true; }), ev::DevicesReady{}, State::OutOfService, {}, {}},
        {"oos repeated fault", in(State::OutOfService), ev::DeviceFault{"gate", "device.lost"}, State::OutOfService, {}, {"CloseDoor(1)"}},
        {"officer out of service", in(State::ReadCredential), ev::OfficerSetInService{false}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)"}, {}},
        {"officer back in service", in(State::OutOfService, [](LaneState& s) { s.officerOutOfService = true; }), ev::OfficerSetInService{true}, State::OutOfService, {"CheckDevices"}, {}},
        {"fire alarm mid crossing", in(State::CaptureFinger, occupied), ev::FireAlarm{true}, State::Emergency, {"OpenDoor(1)", "OpenDoor(2)", "Record(aborted)"}, {"CloseDoor(1)"}, Outcome::Aborted},
        {"fire alarm ignores faults", in(State::Emergency, [](LaneState& s) { s.fireAlarm = true; }), ev::DeviceFault{"gate", "device.lost"}, State::Emergency, {}, {"CloseDoor(1)", "CloseDoor(2)"}},
        {"fire alarm keeps doors open", in(State::Emergency, [](LaneState& s) { s.fireAlarm = true; }), ev::Timeout{7}, State::Emergency, {"OpenDoor(1)", "OpenDoor(2)", "CheckDevices"}, {}},
        {"fire alarm cleared", in(State::Emergency, [](LaneState& s) { s.fireAlarm = true; }), ev::FireAlarm{false}, State::OutOfService, {"CloseDoor(1)"}, {}},
        // The lane's enrolment data too old (sync with the clearance service): a device-like
        // fault, raised only between travellers; the recheck brings the lane back.
        {"idle enrolments stale", in(State::Idle), ev::DeviceFault{"sync", "sync.enrolments_stale"}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)", "AlertOfficer(sync.enrolments_stale)"}, {"Record(fault)"}, std::nullopt, {"sync.enrolments_stale"}},
        {"waiting lane enrolments stale", in(State::ReadCredential), ev::DeviceFault{"sync", "sync.enrolments_stale"}, State::OutOfService, {"CloseDoor(1)", "CloseDoor(2)", "AlertOfficer(sync.enrolments_stale)"}, {"Record(fault)"}, std::nullopt, {"sync.enrolments_stale"}},
        {"oos still stale", in(State::OutOfService, [](LaneState& s) { s.reasons = {"sync.enrolments_stale"}; }), ev::DeviceFault{"sync", "sync.enrolments_stale"}, State::OutOfService, {}, {"CloseDoor(1)", "AlertOfficer(sync.enrolments_stale)"}},
        {"oos fresh again", in(State::OutOfService, [](LaneState& s) { s.reasons = {"sync.enrolments_stale"}; }), ev::DevicesReady{}, State::Idle, {"CheckDevices"}, {}},
    };
}

void PrintTo(const MachineRow& r, std::ostream* os) { *os << r.name; }

class LaneTransition : public ::testing::TestWithParam<MachineRow> {};

TEST_P(LaneTransition, Step) {
    const MachineRow& r = GetParam();
    auto res = step(r.from, r.event, cfg());
    EXPECT_EQ(toString(res.next.state), std::string(toString(r.to))) << r.name;
    for (auto& m : r.mustRun) EXPECT_TRUE(has(res.commands, m)) << r.name << ": missing " << m;
    for (auto& m : r.mustNotRun) EXPECT_FALSE(has(res.commands, m)) << r.name << ": unexpected " << m;
    EXPECT_EQ(res.next.finished.has_value(), r.finished.has_value()) << r.name;
    if (r.finished && res.next.finished) { EXPECT_EQ(*res.next.finished, *r.finished) << r.name; }
    if (!r.reasons.empty()) { EXPECT_EQ(res.next.reasons, r.reasons) << r.name; }
    if (res.next.state != r.from.state || !res.commands.empty()) {
        // Every state entry re-arms a timer: a state without a timeout would hang the lane.
        if (res.next.epoch != r.from.epoch) { EXPECT_GT(res.timeout.count(), 0) << r.name; }
    }
}

INSTANTIATE_TEST_SUITE_P(AllTransitions, LaneTransition, ::testing::ValuesIn(rows()),
                         [](const auto& info) {
                             std::string n = info.param.name;
                             for (auto& ch : n)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

TEST(LaneMachine, EveryStateHasATimeout) {
    for (int i = 0; i <= static_cast<int>(State::Emergency); ++i) {
        auto r = enter(LaneState{}, static_cast<State>(i), cfg());
        EXPECT_GT(r.timeout.count(), 0) << toString(static_cast<State>(i));
        EXPECT_FALSE(r.commands.empty()) << toString(static_cast<State>(i));
    }
}

TEST(LaneMachine, TravellerTimeoutsWarnAndOfferAtLeast20Seconds) {
    for (State st : {State::AwaitEntry, State::AwaitExit}) {
        auto r = step(in(st, [](LaneState& s) { s.occupancy = 1; }), ev::Timeout{7}, cfg());
        EXPECT_TRUE(r.next.timeoutWarned) << toString(st);
        EXPECT_GE(r.timeout.count(), 20000) << toString(st);
    }
}

TEST(LaneMachine, FaultFromEveryStateClosesDoors) {
    for (int i = 0; i <= static_cast<int>(State::OutOfService); ++i) {
        const auto st = static_cast<State>(i);
        if (st == State::OutOfService) continue;
        auto r = step(in(st), ev::DeviceFault{"camera", "device.lost"}, cfg());
        EXPECT_EQ(r.next.state, State::OutOfService) << toString(st);
        EXPECT_TRUE(has(r.commands, "CloseDoor(1)")) << toString(st);
        EXPECT_TRUE(has(r.commands, "CloseDoor(2)")) << toString(st);
        EXPECT_FALSE(has(r.commands, "OpenDoor(2)")) << toString(st);
    }
}

TEST(LaneMachine, ExitDoorOpensOnlyAfterFaceFingerAndRecord) {
    // Walk the happy path and check the order of the security-relevant commands.
    LaneConfig c = cfg();
    auto r = enter(LaneState{}, State::Idle, c);
    std::vector<std::string> trail;
    auto feed = [&](Event e) {
        r = step(r.next, e, c);
        for (auto& cmd : r.commands) trail.push_back(describe(cmd));
    };
    feed(ev::DevicesReady{});
    feed(ev::CredentialRead{CredentialKind::Qr, "HKMO1:..."});
    feed(ev::CredentialAccepted{"ENR-1", {}});
    feed(ev::EligibilityPassed{});
    feed(ev::DoorOpened{1});
    feed(ev::LaneOccupancy{1});
    feed(ev::DoorClosed{1});
    feed(ev::FaceResult{true, true, 0.3});
    feed(ev::FingerResult{true, true, 90});
    feed(ev::Recorded{});
    feed(ev::DoorOpened{2});
    feed(ev::LaneOccupancy{0, true});
    EXPECT_EQ(r.next.state, State::Idle);
    ASSERT_TRUE(r.next.finished.has_value());
    EXPECT_EQ(*r.next.finished, Outcome::Passed);
    auto pos = [&](const std::string& s) { return std::find(trail.begin(), trail.end(), s) - trail.begin(); };
    EXPECT_LT(pos("CaptureFace(0)"), pos("CaptureFinger(0)"));
    EXPECT_LT(pos("CaptureFinger(0)"), pos("Record(passed)"));
    EXPECT_LT(pos("Record(passed)"), pos("OpenDoor(2)"));
    EXPECT_LT(pos("CloseDoor(1)"), pos("OpenDoor(2)"));
    EXPECT_TRUE(r.next.subject.empty()) << "traveller data must not outlive the crossing";
}

}  // namespace
}  // namespace kiosk::lane
