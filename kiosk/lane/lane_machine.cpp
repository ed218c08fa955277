#include "kiosk/lane/lane_machine.h"

#include <algorithm>

namespace kiosk::lane {

const char* toString(State s) {
    switch (s) {
        case State::Idle: return "Idle";
        case State::ReadCredential: return "ReadCredential";
        case State::VerifyCredential: return "VerifyCredential";
        case State::ReadHealthCode: return "ReadHealthCode";
        case State::CheckEligibility: return "CheckEligibility";
        case State::Door1Open: return "Door1Open";
        case State::AwaitEntry: return "AwaitEntry";
        case State::CaptureFace: return "CaptureFace";
        case State::CaptureFinger: return "CaptureFinger";
        case State::Decide: return "Decide";
        case State::Door2Open: return "Door2Open";
        case State::AwaitExit: return "AwaitExit";
        case State::Refused: return "Refused";
        case State::OutOfService: return "OutOfService";
        case State::Emergency: return "Emergency";
    }
    return "?";
}

const char* toString(Outcome o) {
    switch (o) {
        case Outcome::Passed: return "passed";
        case Outcome::Refused: return "refused";
        case Outcome::Aborted: return "aborted";
        case Outcome::Fault: return "fault";
    }
    return "?";
}

namespace {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

bool travellerInProgress(const LaneState& s) { return s.credentialKind.has_value(); }

void clearTraveller(LaneState& s) {
    s.subject.clear();
    s.credentialKind.reset();
    s.pendingText.clear();
    s.healthText.clear();
    s.faceAttempt = 0;
    s.fingerAttempt = 0;
    s.reasons.clear();
    s.quiet = false;
    s.holdForOfficer = false;
    s.recorded = false;
}

core::Millis timeoutOf(State st, const LaneState& s, const LaneConfig& c) {
    if (s.timeoutWarned) return c.timeoutWarning;
    switch (st) {
        case State::Idle: return c.idleRecheck;
        case State::ReadCredential: return c.readSlice;
        case State::VerifyCredential: return c.verifyTimeout;
        case State::ReadHealthCode: return c.healthCodeTimeout;
        case State::CheckEligibility: return c.eligibilityTimeout;
        case State::Door1Open: return c.doorTimeout;
        case State::AwaitEntry: return c.entryTimeout;
        case State::CaptureFace: return c.faceTimeout;
        case State::CaptureFinger: return c.fingerTimeout;
        case State::Decide: return c.decideTimeout;
        case State::Door2Open: return c.doorTimeout;
        case State::AwaitExit: return c.exitTimeout;
        case State::Refused: return s.occupancy > 0 || s.holdForOfficer ? c.refusedTimeout : c.refusedDisplay;
        case State::OutOfService: return c.outOfServiceRecheck;
        case State::Emergency: return c.outOfServiceRecheck;
    }
    return c.idleRecheck;
}

// Stay in the state but restart its timer (and run `cmds`).
StepResult rearm(LaneState s, std::vector<Command> cmds, const LaneConfig& c) {
    ++s.epoch;
    const auto t = timeoutOf(s.state, s, c);
    return {std::move(s), std::move(cmds), t};
}

StepResult stay(LaneState s) { return {std::move(s), {}, core::Millis(0)}; }

StepResult refuse(LaneState s, std::vector<std::string> reasons, const LaneConfig& c,
                  std::vector<Command> before = {}) {
    s.reasons = std::move(reasons);
    auto r = enter(std::move(s), State::Refused, c);
    before.insert(before.end(), r.commands.begin(), r.commands.end());
    r.commands = std::move(before);
    return r;
}

// A biometric attempt failed: the same step again while attempts remain (`attempt` is the
// state's counter), else the refusal with the last attempt's reason.
StepResult retryOrRefuse(LaneState s, int LaneState::*attempt, int maxAttempts, const char* reason,
                         const LaneConfig& c) {
    if (s.*attempt + 1 < maxAttempts) {
        ++(s.*attempt);
        const State same = s.state;
        return enter(std::move(s), same, c);
    }
    return refuse(std::move(s), {reason}, c);
}

StepResult finish(LaneState s, Outcome o, const LaneConfig& c, std::vector<Command> before = {}) {
    auto r = enter(std::move(s), State::Idle, c);
    r.next.finished = o;
    before.insert(before.end(), r.commands.begin(), r.commands.end());
    r.commands = std::move(before);
    return r;
}

StepResult toOutOfService(LaneState s, const std::string& reason, const LaneConfig& c) {
    if (std::find(s.reasons.begin(), s.reasons.end(), reason) == s.reasons.end()) s.reasons.push_back(reason);
    // A traveller still in the lane did not complete the crossing, whatever was recorded
    // before (e.g. passed, then the exit door jammed): the journal gets a fault row too.
    const bool inProgress = travellerInProgress(s);
    s.recorded = false;
    auto r = enter(std::move(s), State::OutOfService, c);
    if (inProgress) r.next.finished = Outcome::Fault;
    return r;
}

}  // namespace

StepResult enter(LaneState s, State to, const LaneConfig& c) {
    s.state = to;
    ++s.epoch;
    s.timeoutWarned = false;
    std::vector<Command> cmds;
    switch (to) {
        case State::Idle:
            clearTraveller(s);
            cmds = {cmd::CheckDevices{}};
            break;
        case State::ReadCredential:
            cmds = {cmd::Show{Screen::Welcome, {}}, cmd::ReadCredential{}};
            break;
        case State::VerifyCredential:
            cmds = {cmd::Show{Screen::Reading, {}},
                    cmd::VerifyCredential{s.credentialKind.value_or(CredentialKind::Qr), s.pendingText}};
            s.pendingText.clear();
            break;
        case State::ReadHealthCode:
            cmds = {cmd::Show{Screen::HealthCode, {}}, cmd::ReadHealthCode{}};
            break;
        case State::CheckEligibility:
            cmds = {cmd::CheckEligibility{s.subject, s.healthText}};
            s.healthText.clear();
            break;
        case State::Door1Open:
            cmds = {cmd::Show{Screen::EnterOnePerson, {}}, cmd::OpenDoor{1}};
            break;
        case State::AwaitEntry:
            cmds = {cmd::Show{Screen::EnterOnePerson, {}}, cmd::WatchLane{}};
            break;
        case State::CaptureFace:
            cmds = {cmd::Show{Screen::Face, {}}, cmd::CaptureFace{s.faceAttempt}};
            break;
        case State::CaptureFinger:
            cmds = {cmd::Show{Screen::Finger, {}}, cmd::CaptureFinger{s.fingerAttempt}};
            break;
        case State::Decide:
            cmds = {cmd::Show{Screen::Processing, {}}, cmd::Record{Outcome::Passed, {}}};
            break;
        case State::Door2Open:
            cmds = {cmd::Show{Screen::Proceed, {}}, cmd::OpenDoor{2}};
            break;
        case State::AwaitExit:
            cmds = {cmd::Show{Screen::Proceed, {}}, cmd::WatchLane{}};
            break;
        case State::Refused:
            cmds = {cmd::Show{Screen::SeeOfficer, s.reasons}, cmd::Record{Outcome::Refused, s.reasons},
                    cmd::AlertOfficer{s.reasons.empty() ? "refused" : s.reasons.front()}};
            s.recorded = true;
            // The traveller leaves the way they came; a held lane waits for the officer.
            if (s.occupancy > 0 && !s.holdForOfficer) {
                cmds.push_back(cmd::OpenDoor{1});
                cmds.push_back(cmd::WatchLane{});
            }
            break;
        case State::OutOfService:
            cmds = {cmd::CloseDoor{1}, cmd::CloseDoor{2}, cmd::Show{Screen::OutOfService, s.reasons},
                    cmd::AlertOfficer{s.reasons.empty() ? "lane.out_of_service" : s.reasons.back()}};
            if (travellerInProgress(s) && !s.recorded) {
                cmds.push_back(cmd::Record{Outcome::Fault, s.reasons});
                s.recorded = true;
            }
            break;
        case State::Emergency:
            cmds = {cmd::OpenDoor{1}, cmd::OpenDoor{2}, cmd::Show{Screen::Emergency, {}},
                    cmd::AlertOfficer{"lane.fire_alarm"}};
            break;
    }
    const auto t = timeoutOf(to, s, c);
    return {std::move(s), std::move(cmds), t};
}

StepResult step(const LaneState& current, const Event& e, const LaneConfig& c) {
    LaneState s = current;
    s.finished.reset();

    // Events that act the same in every state.
    if (auto* t = std::get_if<ev::Timeout>(&e); t && t->epoch != s.epoch) return stay(s);
    if (auto* f = std::get_if<ev::FireAlarm>(&e)) {
        if (f->active && !s.fireAlarm) {
            s.fireAlarm = true;
            const bool inProgress = travellerInProgress(s) && !s.recorded;
            auto r = enter(s, State::Emergency, c);
            if (inProgress) {
                r.commands.push_back(cmd::Record{Outcome::Aborted, {"lane.fire_alarm"}});
                r.next.recorded = true;
                r.next.finished = Outcome::Aborted;
            }
            return r;
        }
        if (!f->active && s.fireAlarm) {
            s.fireAlarm = false;
            s.reasons = {"lane.fire_alarm"};
            return enter(s, State::OutOfService, c);  // back in service only after a device check
        }
        return stay(s);
    }
    if (s.state == State::Emergency) {
        // Life safety first: doors stay open whatever else happens.
        if (std::holds_alternative<ev::Timeout>(e))
            return rearm(s, {cmd::OpenDoor{1}, cmd::OpenDoor{2}, cmd::CheckDevices{}}, c);
        return stay(s);
    }
    if (auto* o = std::get_if<ev::OfficerSetInService>(&e)) {
        s.officerOutOfService = !o->inService;
        if (!o->inService && s.state != State::OutOfService)
            return toOutOfService(s, "lane.out_of_service", c);
        if (o->inService && s.state == State::OutOfService) return rearm(s, {cmd::CheckDevices{}}, c);
        return stay(s);
    }
    if (auto* f = std::get_if<ev::DeviceFault>(&e)) {
        if (s.state == State::OutOfService) return stay(s);
        return toOutOfService(s, f->code.empty() ? "device.fault" : f->code, c);
    }
    if (auto* o = std::get_if<ev::LaneOccupancy>(&e)) s.occupancy = o->people;

    // States that wait for the traveller to act warn before their time runs out and give
    // 20 s more on "continue" (WCAG 2.2.1); the second timeout acts as before.
    const bool travellerPaced = s.state == State::AwaitEntry || s.state == State::AwaitExit;
    if (travellerPaced && std::holds_alternative<ev::Timeout>(e) && !s.timeoutWarned) {
        s.timeoutWarned = true;
        return rearm(s, {cmd::Show{Screen::TimeoutWarning, {}}, cmd::WatchLane{}}, c);
    }
    if (std::holds_alternative<ev::ContinuePressed>(e)) {
        if (!s.timeoutWarned) return stay(s);
        auto r = enter(s, s.state, c);  // the step again, with its full time
        return r;
    }

    switch (s.state) {
        case State::Idle:
            if (std::holds_alternative<ev::DevicesReady>(e)) return enter(s, State::ReadCredential, c);
            if (std::holds_alternative<ev::Timeout>(e)) return enter(s, State::Idle, c);
            break;

        case State::ReadCredential:
            if (auto* r = std::get_if<ev::CredentialRead>(&e)) {
                s.credentialKind = r->kind;
                s.pendingText = r->text;
                return enter(s, State::VerifyCredential, c);
            }
            if (std::holds_alternative<ev::Timeout>(e)) return enter(s, State::Idle, c);
            break;

        case State::VerifyCredential:
            if (auto* a = std::get_if<ev::CredentialAccepted>(&e)) {
                s.subject = a->subject;
                return enter(s, a->healthCodeRequired ? State::ReadHealthCode : State::CheckEligibility, c);
            }
            if (auto* r = std::get_if<ev::CredentialRejected>(&e)) return refuse(s, {r->reason}, c);
            if (std::holds_alternative<ev::Timeout>(e)) return refuse(s, {"lane.timeout"}, c);
            break;

        case State::ReadHealthCode:
            if (auto* h = std::get_if<ev::HealthCodeRead>(&e)) {
                s.healthText = h->text;
                return enter(s, State::CheckEligibility, c);
            }
            // No code shown: eligibility decides without it (health.missing).
            if (std::holds_alternative<ev::Timeout>(e)) return enter(s, State::CheckEligibility, c);
            break;

        case State::CheckEligibility:
            if (std::holds_alternative<ev::EligibilityPassed>(e)) return enter(s, State::Door1Open, c);
            if (auto* r = std::get_if<ev::EligibilityRefused>(&e)) {
                s.quiet = r->quiet;
                return refuse(s, r->reasons, c);
            }
            if (std::holds_alternative<ev::Timeout>(e)) return refuse(s, {"lane.timeout"}, c);
            break;

        case State::Door1Open:
            if (auto* d = std::get_if<ev::DoorOpened>(&e); d && d->door == 1) return enter(s, State::AwaitEntry, c);
            if (std::holds_alternative<ev::Timeout>(e)) return toOutOfService(s, "device.no_ack", c);
            break;

        case State::AwaitEntry:
            if (auto* o = std::get_if<ev::LaneOccupancy>(&e)) {
                if (o->people == 1) {
                    auto r = enter(s, State::CaptureFace, c);
                    r.commands.insert(r.commands.begin(), cmd::CloseDoor{1});
                    return r;
                }
                if (o->people > 1) {
                    s.holdForOfficer = true;
                    return refuse(s, {"lane.tailgating"}, c, {cmd::CloseDoor{1}});
                }
                return stay(s);
            }
            if (std::holds_alternative<ev::Timeout>(e)) return refuse(s, {"lane.no_entry"}, c, {cmd::CloseDoor{1}});
            break;

        case State::CaptureFace:
            if (auto* f = std::get_if<ev::FaceResult>(&e)) {
                if (f->match && f->livenessPassed) {
                    s.fingerAttempt = 0;
                    return enter(s, State::CaptureFinger, c);
                }
                return retryOrRefuse(s, &LaneState::faceAttempt, c.faceAttempts,
                                     !f->faceFound         ? "face.no_face"
                                     : !f->livenessPassed ? "face.liveness_failed"
                                                          : "face.no_match",
                                     c);
            }
            if (std::holds_alternative<ev::Timeout>(e))
                return retryOrRefuse(s, &LaneState::faceAttempt, c.faceAttempts, "face.no_face", c);
            break;

        case State::CaptureFinger:
            if (auto* f = std::get_if<ev::FingerResult>(&e)) {
                if (f->match) return enter(s, State::Decide, c);
                return retryOrRefuse(s, &LaneState::fingerAttempt, c.fingerAttempts,
                                     f->qualityOk ? "finger.no_match" : "finger.quality", c);
            }
            if (std::holds_alternative<ev::Timeout>(e))
                return retryOrRefuse(s, &LaneState::fingerAttempt, c.fingerAttempts, "finger.quality", c);
            break;

        case State::Decide:
            if (std::holds_alternative<ev::Recorded>(e)) {
                s.recorded = true;
                return enter(s, State::Door2Open, c);
            }
            // Without a journal entry the exit door does not open.
            if (std::holds_alternative<ev::Timeout>(e)) return toOutOfService(s, "device.fault", c);
            break;

        case State::Door2Open:
            if (auto* d = std::get_if<ev::DoorOpened>(&e); d && d->door == 2) return enter(s, State::AwaitExit, c);
            if (std::holds_alternative<ev::Timeout>(e)) return toOutOfService(s, "device.no_ack", c);
            break;

        case State::AwaitExit:
            if (auto* o = std::get_if<ev::LaneOccupancy>(&e)) {
                if (o->people == 0 || o->exitPassage) {
                    s.occupancy = 0;
                    return finish(s, Outcome::Passed, c, {cmd::CloseDoor{2}});
                }
                return stay(s);
            }
            if (std::holds_alternative<ev::Timeout>(e))
                return rearm(s, {cmd::AlertOfficer{"lane.timeout"}, cmd::WatchLane{}}, c);
            break;

        case State::Refused:
            if (std::holds_alternative<ev::OfficerRelease>(e) && s.holdForOfficer) {
                s.holdForOfficer = false;
                return rearm(s, {cmd::OpenDoor{1}, cmd::WatchLane{}}, c);
            }
            if (auto* o = std::get_if<ev::LaneOccupancy>(&e)) {
                if (o->people == 0 && !s.holdForOfficer) return finish(s, Outcome::Refused, c, {cmd::CloseDoor{1}});
                return stay(s);
            }
            if (std::holds_alternative<ev::Timeout>(e)) {
                if (s.occupancy == 0 && !s.holdForOfficer) return finish(s, Outcome::Refused, c);
                return rearm(s, {cmd::AlertOfficer{s.holdForOfficer ? "lane.tailgating" : "lane.timeout"}}, c);
            }
            break;

        case State::OutOfService:
            if (std::holds_alternative<ev::DevicesReady>(e)) {
                if (s.officerOutOfService || s.occupancy > 0) return stay(s);
                // Closing may have failed while the device was gone: close again before
                // the next traveller.
                auto r = enter(s, State::Idle, c);
                r.commands.insert(r.commands.begin(), {cmd::CloseDoor{1}, cmd::CloseDoor{2}});
                return r;
            }
            if (std::holds_alternative<ev::Timeout>(e)) return rearm(s, {cmd::CheckDevices{}}, c);
            break;

        case State::Emergency:
            break;
    }
    return stay(s);
}

std::string describe(const Event& e) {
    return std::visit(
        Overloaded{
            [](const ev::DevicesReady&) -> std::string { return "DevicesReady"; },
            [](const ev::DeviceFault& f) -> std::string { return "DeviceFault(" + f.device + "," + f.code + ")"; },
            [](const ev::CredentialRead& r) -> std::string {
                return std::string("CredentialRead(") + (r.kind == CredentialKind::Qr ? "qr" : "mrz") + ")";
            },
            [](const ev::NothingPresented&) -> std::string { return "NothingPresented"; },
            [](const ev::CredentialAccepted&) -> std::string { return "CredentialAccepted"; },
            [](const ev::CredentialRejected& r) -> std::string { return "CredentialRejected(" + r.reason + ")"; },
            [](const ev::HealthCodeRead&) -> std::string { return "HealthCodeRead"; },
            [](const ev::EligibilityPassed&) -> std::string { return "EligibilityPassed"; },
            [](const ev::EligibilityRefused&) -> std::string { return "EligibilityRefused"; },
            [](const ev::DoorOpened& d) -> std::string { return "DoorOpened(" + std::to_string(d.door) + ")"; },
            [](const ev::DoorClosed& d) -> std::string { return "DoorClosed(" + std::to_string(d.door) + ")"; },
            [](const ev::LaneOccupancy& o) -> std::string { return "LaneOccupancy(" + std::to_string(o.people) + ")"; },
            [](const ev::FaceResult& f) -> std::string { return f.match ? "FaceResult(match)" : "FaceResult(no)"; },
            [](const ev::FingerResult& f) -> std::string { return f.match ? "FingerResult(match)" : "FingerResult(no)"; },
            [](const ev::Recorded&) -> std::string { return "Recorded"; },
            [](const ev::Timeout&) -> std::string { return "Timeout"; },
            [](const ev::FireAlarm& f) -> std::string { return f.active ? "FireAlarm(on)" : "FireAlarm(off)"; },
            [](const ev::OfficerSetInService& o) -> std::string { return o.inService ? "OfficerInService" : "OfficerOutOfService"; },
            [](const ev::OfficerRelease&) -> std::string { return "OfficerRelease"; },
            [](const ev::ContinuePressed&) -> std::string { return "ContinuePressed"; },
        },
        e);
}

std::string describe(const Command& c) {
    return std::visit(
        Overloaded{
            [](const cmd::CheckDevices&) -> std::string { return "CheckDevices"; },
            [](const cmd::ReadCredential&) -> std::string { return "ReadCredential"; },
            [](const cmd::ReadHealthCode&) -> std::string { return "ReadHealthCode"; },
            [](const cmd::VerifyCredential&) -> std::string { return "VerifyCredential"; },
            [](const cmd::CheckEligibility&) -> std::string { return "CheckEligibility"; },
            [](const cmd::OpenDoor& d) -> std::string { return "OpenDoor(" + std::to_string(d.door) + ")"; },
            [](const cmd::CloseDoor& d) -> std::string { return "CloseDoor(" + std::to_string(d.door) + ")"; },
            [](const cmd::WatchLane&) -> std::string { return "WatchLane"; },
            [](const cmd::CaptureFace& f) -> std::string { return "CaptureFace(" + std::to_string(f.attempt) + ")"; },
            [](const cmd::CaptureFinger& f) -> std::string { return "CaptureFinger(" + std::to_string(f.attempt) + ")"; },
            [](const cmd::Record& r) -> std::string { return std::string("Record(") + toString(r.outcome) + ")"; },
            [](const cmd::AlertOfficer& a) -> std::string { return "AlertOfficer(" + a.reason + ")"; },
            [](const cmd::Show& s) -> std::string { return "Show(" + std::to_string(int(s.screen)) + ")"; },
        },
        c);
}

}  // namespace kiosk::lane
