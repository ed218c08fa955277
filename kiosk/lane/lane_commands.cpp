#include "kiosk/lane/lane_commands.h"

#include <algorithm>

#include "core/log.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"

namespace kiosk::lane {

bool laneStopped(const LaneState& s) { return s.state == State::OutOfService || s.state == State::Emergency; }

core::Status moveDoorByHand(const LaneState& s, devices::Gate* gate, devices::Door door, DoorMove move) {
    if (!laneStopped(s))
        return core::makeError("lane.in_service", std::string("the lane is in service (") + toString(s.state) +
                                                      "): take it out of service first");
    if (!gate) return core::makeError("device.lost", "no gate");
    return move == DoorMove::Open ? gate->openDoor(door) : gate->closeDoor(door);
}

namespace {
const char* doorName(devices::DoorState d) {
    switch (d) {
        case devices::DoorState::Closed: return "closed";
        case devices::DoorState::Open: return "open";
        case devices::DoorState::Moving: return "moving";
        case devices::DoorState::Jammed: return "jammed";
    }
    return "closed";
}
}  // namespace

core::Json heartbeatFields(const std::string& laneId, const LaneState& s,
                           const std::optional<devices::GateStatus>& gate) {
    core::Json hb{{"lane", laneId}, {"state", toString(s.state)}, {"in_service", !laneStopped(s) && !s.officerOutOfService}};
    if (gate) hb["doors"] = core::Json{{"entry", doorName(gate->entry)}, {"exit", doorName(gate->exit)}};
    // Why a stopped lane is stopped (e.g. trust.missing): the centre sees it without
    // waiting for the next lane_state event.
    if (s.state == State::OutOfService && !s.reasons.empty()) hb["reasons"] = s.reasons;
    return hb;
}

const char* toString(CommandOutcome o) {
    switch (o) {
        case CommandOutcome::Applied: return "applied";
        case CommandOutcome::Refused: return "refused";
        case CommandOutcome::Failed: return "failed";
    }
    return "?";
}

namespace {

// "OutOfService (device.lost)": the state, with the reasons a stopped lane gives.
std::string describeState(const LaneState& s) {
    std::string out = toString(s.state);
    if (s.state == State::OutOfService && !s.reasons.empty()) {
        out += " (";
        for (std::size_t i = 0; i < s.reasons.size(); ++i) out += (i ? ", " : "") + s.reasons[i];
        out += ")";
    }
    return out;
}

LaneCommandAnswer applied(std::string d) { return {CommandOutcome::Applied, std::move(d)}; }
LaneCommandAnswer refused(std::string d) { return {CommandOutcome::Refused, std::move(d)}; }
LaneCommandAnswer failed(std::string d) { return {CommandOutcome::Failed, std::move(d)}; }

}  // namespace

LaneCommands::LaneCommands(LaneShell& shell, LaneServices& services, devices::Gate* gate, core::Clock& clock,
                           std::function<void()> letLaneRun, CommandTuning tuning)
    : shell_(shell),
      services_(services),
      gate_(gate),
      clock_(clock),
      letLaneRun_(std::move(letLaneRun)),
      tuning_(tuning) {}

bool LaneCommands::waitFor(const std::function<bool(const LaneState&)>& done, core::Millis budget, LaneState& last) {
    const auto end = clock_.monoNow() + budget;
    // The turn cap keeps a test's shell that does not move the clock from spinning forever.
    for (int turns = 0;; ++turns) {
        last = shell_.snapshot();
        if (done(last)) return true;
        if (clock_.monoNow() >= end || turns > 10000) return false;
        if (letLaneRun_) letLaneRun_();
        else clock_.sleepFor(tuning_.pollEvery);
    }
}

bool LaneCommands::postAndWait(Event e, LaneState& last) {
    const uint64_t ticket = shell_.post(std::move(e));
    if (!waitFor([&](const LaneState&) { return shell_.taken(ticket); }, tuning_.taken, last)) return false;
    last = shell_.snapshot();  // the state right after the step (updated before the ticket)
    return true;
}

LaneCommandAnswer LaneCommands::execute(const LaneCommand& c) {
    LaneCommandAnswer a;
    if (c.kind == "out_of_service") a = outOfService();
    else if (c.kind == "in_service") a = inService();
    else if (c.kind == "release") a = release();
    else if (c.kind == "emergency_open") a = emergencyOpen();
    else if (c.kind == "ack_alert") a = ackAlert(c.args);
    else a = refused("unknown command kind");
    const std::string actor = c.issuedBy.empty() ? "server" : c.issuedBy;
    const std::string detail = "command " + std::to_string(c.id) + ": " + toString(a.outcome) +
                               (a.detail.empty() ? "" : ": " + a.detail);
    if (auto st = services_.audit(actor, "command." + c.kind, detail, clock_.wallNow()); !st.ok())
        core::logError("lane.command_audit_failed", {{"code", st.error().code}});
    core::logInfo("lane.command", {{"id", c.id}, {"kind", c.kind}, {"result", toString(a.outcome)}});
    if (a.detail.size() > 200) a.detail.resize(200);  // the API's limit
    return a;
}

LaneCommandAnswer LaneCommands::outOfService() {
    LaneState s = shell_.snapshot();
    // Life safety first: the emergency ignores the officer until the alarm clears.
    if (s.state == State::Emergency) return refused("lane in Emergency (fire alarm)");
    if (s.officerOutOfService && s.state == State::OutOfService) return applied("already out of service");
    if (!postAndWait(ev::OfficerSetInService{false}, s))
        return failed("the lane did not take the command in time (" + describeState(s) + ")");
    if (waitFor([](const LaneState& x) { return x.officerOutOfService && x.state == State::OutOfService; },
                tuning_.settle, s))
        return applied("lane " + describeState(s));
    // Only the fire alarm keeps the machine from stopping.
    return refused("the lane did not stop (" + describeState(s) + ")");
}

LaneCommandAnswer LaneCommands::inService() {
    LaneState s = shell_.snapshot();
    if (s.state == State::Emergency) return refused("lane in Emergency (fire alarm)");
    if (!s.officerOutOfService) return refused("not out of service by an officer (" + describeState(s) + ")");
    if (!postAndWait(ev::OfficerSetInService{true}, s))
        return failed("the lane did not take the command in time (" + describeState(s) + ")");
    if (s.officerOutOfService) return refused("the lane kept the officer's hold (" + describeState(s) + ")");
    // The officer's hold is gone; the lane comes back once its own checks pass.
    if (waitFor([](const LaneState& x) { return x.state != State::OutOfService; }, tuning_.settle, s))
        return applied("lane " + describeState(s));
    return applied("officer hold lifted; lane still " + describeState(s));
}

LaneCommandAnswer LaneCommands::release() {
    LaneState s = shell_.snapshot();
    if (s.state != State::Refused || !s.holdForOfficer) return refused("no traveller held (" + describeState(s) + ")");
    if (!postAndWait(ev::OfficerRelease{}, s))
        return failed("the lane did not take the release in time (" + describeState(s) + ")");
    if (!s.holdForOfficer) return applied("entry door reopened for the way back (" + describeState(s) + ")");
    return refused("no traveller held (" + describeState(s) + ")");
}

// Only on a stopped lane (the overlay's door rule): the lane is held out of service by
// the officer first, so the machine's device recheck cannot close the doors again and
// resume; then both doors open. On a lane in service it is refused: the officer takes
// the lane out of service first (out_of_service journals a traveller in progress).
LaneCommandAnswer LaneCommands::emergencyOpen() {
    LaneState s = shell_.snapshot();
    if (!laneStopped(s)) return refused("lane in service (" + describeState(s) + "): take it out of service first");
    if (s.state == State::OutOfService && !s.officerOutOfService) {
        if (!postAndWait(ev::OfficerSetInService{false}, s))
            return failed("the lane did not take the hold in time (" + describeState(s) + ")");
        if (!laneStopped(s)) return refused("lane back in service (" + describeState(s) + ")");
    }
    for (auto door : {devices::Door::Entry, devices::Door::Exit}) {
        if (auto st = moveDoorByHand(s, gate_, door, DoorMove::Open); !st.ok())
            return st.error().code == "lane.in_service"
                       ? refused(st.error().message)
                       : failed(std::string(door == devices::Door::Entry ? "door 1: " : "door 2: ") + st.error().code);
    }
    return applied("both doors open; lane " + describeState(s) +
                   (s.state == State::Emergency ? "" : " until in_service"));
}

LaneCommandAnswer LaneCommands::ackAlert(const core::Json& args) {
    int64_t id = 0;
    const auto it = args.is_object() ? args.find("alert") : args.end();
    if (it != args.end() && it->is_number_integer()) {
        id = it->get<int64_t>();
    } else if (it != args.end() && it->is_string()) {
        try {
            std::size_t used = 0;
            const auto& text = it->get_ref<const std::string&>();
            id = std::stoll(text, &used);
            if (used != text.size()) id = 0;
        } catch (...) {
            id = 0;
        }
    }
    if (id <= 0) return refused("args.alert must be an alert id");
    auto r = services_.acknowledgeAlertById(id);
    if (!r.ok()) return refused("unknown alert " + std::to_string(id));
    return applied(*r ? "alert " + std::to_string(id) + " acknowledged"
                      : "alert " + std::to_string(id) + " already acknowledged");
}

}  // namespace kiosk::lane
