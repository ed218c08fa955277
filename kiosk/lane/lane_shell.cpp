#include "kiosk/lane/lane_shell.h"

#include <algorithm>

#include "core/log.h"
#include "devices/device.h"

namespace kiosk::lane {

namespace {
bool isSafetyCommand(const Command& c) {
    return std::holds_alternative<cmd::CloseDoor>(c) || std::holds_alternative<cmd::Record>(c) ||
           std::holds_alternative<cmd::AlertOfficer>(c) || std::holds_alternative<cmd::Show>(c);
}
bool stopped(State s) { return s == State::OutOfService || s == State::Emergency; }
bool isActivity(const Command& c) {
    return std::holds_alternative<cmd::ReadCredential>(c) || std::holds_alternative<cmd::WatchLane>(c) ||
           std::holds_alternative<cmd::ReadHealthCode>(c);
}
}  // namespace

LaneShell::LaneShell(LaneConfig config, ShellTuning tuning, LaneDevices devices, CrossingServices& services,
                     core::Clock& clock, ShellObserver observer)
    : config_(std::move(config)),
      tuning_(tuning),
      dev_(devices),
      services_(services),
      clock_(clock),
      observer_(std::move(observer)) {
    auto r = enter(LaneState{}, State::Idle, config_);
    state_ = r.next;
    snapshot_ = state_;
    deadline_ = clock_.monoNow() + r.timeout;
    for (auto& c : r.commands) execute(c);
}

LaneState LaneShell::snapshot() const {
    std::lock_guard lock(snapshotMu_);
    return snapshot_;
}

std::optional<devices::GateStatus> LaneShell::gateSnapshot() const {
    std::lock_guard lock(snapshotMu_);
    return gateSeen_;
}

void LaneShell::noteGate(const devices::GateStatus& g) {
    std::lock_guard lock(snapshotMu_);
    gateSeen_ = g;
}

uint64_t LaneShell::post(Event e) {
    std::lock_guard lock(externalMu_);
    external_.push_back(std::move(e));
    externalTickets_.push_back(++lastTicket_);
    return lastTicket_;
}

void LaneShell::run(const std::function<bool()>& stop) {
    while (!stop()) turn();
}

bool LaneShell::eventsPending() {
    std::lock_guard lock(externalMu_);
    return !external_.empty() || !queue_.empty();
}

void LaneShell::turn() {
    // The fire alarm input is watched in every state, not only while polling the gate.
    if (clock_.monoNow() - lastAlarmCheck_ >= tuning_.pollSlice) {
        lastAlarmCheck_ = clock_.monoNow();
        checkFireAlarm();
    }
    {
        std::lock_guard lock(externalMu_);
        while (!external_.empty()) {
            queuedTickets_.push_back({stepped_ + queue_.size(), externalTickets_.front()});
            queue_.push_back(std::move(external_.front()));
            external_.pop_front();
            externalTickets_.pop_front();
        }
    }
    if (!queue_.empty()) {
        Event e = std::move(queue_.front());
        queue_.pop_front();
        apply(e);
        ++stepped_;
        while (!queuedTickets_.empty() && queuedTickets_.front().first < stepped_) {
            takenTicket_ = queuedTickets_.front().second;
            queuedTickets_.pop_front();
        }
        return;
    }
    const auto now = clock_.monoNow();
    if (now >= deadline_) {
        apply(ev::Timeout{state_.epoch});
        return;
    }
    if (activity_) {
        if (auto e = runActivity(*activity_)) queue_.push_back(std::move(*e));
        return;
    }
    const auto left = std::chrono::duration_cast<core::Millis>(deadline_ - now);
    clock_.sleepFor(std::min(left, tuning_.pollSlice));
}

void LaneShell::apply(const Event& e) {
    const LaneState before = state_;
    StepResult r = step(state_, e, config_);
    if (observer_.onTransition) observer_.onTransition(before, e, r.next);
    const bool entered = r.next.epoch != before.epoch;
    state_ = r.next;
    {
        std::lock_guard lock(snapshotMu_);
        snapshot_ = state_;
    }
    if (before.state != state_.state && (stopped(before.state) || stopped(state_.state))) {
        std::string why = state_.state == State::Emergency      ? "lane.fire_alarm"
                          : state_.state == State::OutOfService ? (state_.reasons.empty() ? "lane.out_of_service"
                                                                                          : state_.reasons.back())
                                                                : "lane.in_service";
        services_.laneStateChanged(before.state, state_.state, why, clock_.wallNow());
    }
    if (entered) {
        deadline_ = clock_.monoNow() + r.timeout;
        activity_.reset();
        if (state_.state == State::VerifyCredential && before.state != State::VerifyCredential)
            travellerStart_ = clock_.monoNow();
        if (before.state != state_.state)
            core::logDebug("lane.state", {{"from", toString(before.state)}, {"to", toString(state_.state)},
                                          {"event", describe(e)}});
    }
    bool faulted = false;
    for (auto& c : r.commands) {
        if (faulted && !isSafetyCommand(c)) continue;
        const auto queued = queue_.size();
        execute(c);
        for (auto i = queued; i < queue_.size(); ++i)
            if (std::holds_alternative<ev::DeviceFault>(queue_[i])) faulted = true;
    }
    if (r.next.finished) {
        std::vector<std::string> reasons = !r.next.reasons.empty() ? r.next.reasons : before.reasons;
        if (*r.next.finished == Outcome::Aborted) reasons = {"lane.fire_alarm"};
        const auto laneTime = std::chrono::duration_cast<core::Millis>(clock_.monoNow() - travellerStart_);
        if (observer_.onFinished) observer_.onFinished(*r.next.finished, reasons, laneTime);
        credentialHash_.clear();
    }
}

void LaneShell::execute(const Command& c) {
    if (observer_.onCommand) observer_.onCommand(state_, c);
    if (isActivity(c)) {
        activity_ = c;
        return;
    }
    const auto wallNow = clock_.wallNow();
    std::optional<Event> out;
    if (std::holds_alternative<cmd::CheckDevices>(c)) {
        out = checkDevices();
    } else if (auto* v = std::get_if<cmd::VerifyCredential>(&c)) {
        credentialHash_ = core::sha256Hex(v->text);  // the journal keeps the hash, never the text
        out = services_.verifyCredential(v->kind, v->text, wallNow);
    } else if (auto* ce = std::get_if<cmd::CheckEligibility>(&c)) {
        out = services_.checkEligibility(ce->subject, std::max(1, state_.occupancy), ce->healthText, wallNow);
    } else if (auto* o = std::get_if<cmd::OpenDoor>(&c)) {
        if (!dev_.gate) {
            out = ev::DeviceFault{"gate", devices::errc::kLost};
        } else {
            auto st = dev_.gate->openDoor(o->door == 1 ? devices::Door::Entry : devices::Door::Exit);
            out = st.ok() ? Event{ev::DoorOpened{o->door}} : Event{ev::DeviceFault{"gate", st.error().code}};
        }
    } else if (auto* cl = std::get_if<cmd::CloseDoor>(&c)) {
        if (dev_.gate) {
            auto st = dev_.gate->closeDoor(cl->door == 1 ? devices::Door::Entry : devices::Door::Exit);
            out = st.ok() ? Event{ev::DoorClosed{cl->door}} : Event{ev::DeviceFault{"gate", st.error().code}};
        }
    } else if (auto* f = std::get_if<cmd::CaptureFace>(&c)) {
        out = captureFace(f->attempt);
    } else if (auto* fi = std::get_if<cmd::CaptureFinger>(&c)) {
        out = captureFinger(fi->attempt);
    } else if (auto* rec = std::get_if<cmd::Record>(&c)) {
        CrossingServices::Record r{rec->outcome, rec->reasons, state_.subject, credentialHash_,
                                   std::chrono::duration_cast<core::Millis>(clock_.monoNow() - travellerStart_),
                                   state_.credentialKind};
        auto st = services_.record(r, wallNow);
        out = st.ok() ? Event{ev::Recorded{}} : Event{ev::DeviceFault{"store", st.error().code}};
    } else if (auto* a = std::get_if<cmd::AlertOfficer>(&c)) {
        services_.alertOfficer(a->reason, wallNow);
    }
    if (out) queue_.push_back(std::move(*out));
}

std::optional<Event> LaneShell::runActivity(const Command& c) {
    if (std::holds_alternative<cmd::ReadCredential>(c)) return readCredential();
    if (std::holds_alternative<cmd::WatchLane>(c)) return watchLane();
    if (std::holds_alternative<cmd::ReadHealthCode>(c)) return readHealthCode();
    return std::nullopt;
}

std::vector<std::string> LaneShell::deviceWarnings() const {
    std::vector<std::string> out;
    const devices::Device* all[] = {dev_.qr, dev_.document, dev_.camera, dev_.finger, dev_.gate};
    for (const auto* d : all) {
        if (!d) continue;
        const auto h = d->health();
        if (h.state != devices::DeviceState::Ready) out.push_back(h.device);
    }
    return out;
}

std::optional<Event> LaneShell::checkDevices() {
    const devices::Device* all[] = {dev_.qr, dev_.document, dev_.camera, dev_.finger, dev_.gate};
    for (const auto* d : all) {
        // During a fire alarm only the alarm input matters (the gate reports it as a fault).
        if (state_.fireAlarm && d == dev_.gate) continue;
        if (!d) continue;
        const auto h = d->health();
        if (h.state == devices::DeviceState::Lost || h.state == devices::DeviceState::Fault)
            return ev::DeviceFault{h.device, h.state == devices::DeviceState::Lost ? devices::errc::kLost
                                                                                 : devices::errc::kFault};
    }
    if (!dev_.qr || !dev_.camera || !dev_.face || !dev_.finger || !dev_.gate)
        return ev::DeviceFault{"lane", "device.fault"};
    auto st = dev_.gate->status();
    if (!st.ok()) return ev::DeviceFault{"gate", st.error().code};
    noteGate(*st);
    if (st->fireAlarm || state_.fireAlarm) return ev::FireAlarm{st->fireAlarm};
    if (st->occupancy != state_.occupancy) queue_.push_back(ev::LaneOccupancy{st->occupancy, false});
    lastOccupancy_ = st->occupancy;
    lastServiceCheck_ = clock_.monoNow();
    if (auto f = services_.serviceFault(clock_.wallNow())) return *f;
    return ev::DevicesReady{};
}

void LaneShell::checkFireAlarm() {
    if (!dev_.gate) return;
    if (state_.state == State::OutOfService && !state_.fireAlarm) return;  // device check covers it
    auto st = dev_.gate->status();
    if (!st.ok()) {
        queue_.push_back(ev::DeviceFault{"gate", st.error().code});
        return;
    }
    noteGate(*st);
    if (st->fireAlarm != lastFire_) {
        lastFire_ = st->fireAlarm;
        queue_.push_back(ev::FireAlarm{st->fireAlarm});
    }
}

// One slice of the QR scanner: a code, nothing, or a device fault. Two different codes in
// view count as nothing (the traveller is asked to show one).
core::Result<std::optional<std::string>> LaneShell::pollQr() {
    auto q = dev_.qr->waitForCode(tuning_.pollSlice);
    if (!q.ok() && q.error().code == "qr.ambiguous") {
        core::logWarn("lane.qr_ambiguous");
        return std::optional<std::string>{};
    }
    return q;
}

std::optional<Event> LaneShell::readCredential() {
    // Nobody has shown a credential yet: the lane may still stop here (stale data...).
    if (clock_.monoNow() - lastServiceCheck_ >= tuning_.serviceCheck) {
        lastServiceCheck_ = clock_.monoNow();
        if (auto f = services_.serviceFault(clock_.wallNow())) return *f;
    }
    auto q = pollQr();
    if (!q.ok()) return ev::DeviceFault{"qr", q.error().code};
    if (*q) return ev::CredentialRead{CredentialKind::Qr, **q};
    if (dev_.document) {
        auto m = dev_.document->waitForMrz(tuning_.pollSlice);
        if (!m.ok()) return ev::DeviceFault{"document", m.error().code};
        if (*m) {
            std::string joined;
            for (auto& l : **m) joined += (joined.empty() ? "" : "\n") + l;
            return ev::CredentialRead{CredentialKind::Mrz, joined};
        }
    }
    return std::nullopt;
}

std::optional<Event> LaneShell::readHealthCode() {
    auto q = pollQr();
    if (!q.ok()) return ev::DeviceFault{"qr", q.error().code};
    if (*q) return ev::HealthCodeRead{**q};
    return std::nullopt;
}

std::optional<Event> LaneShell::watchLane() {
    auto st = dev_.gate->waitForChange(tuning_.pollSlice);
    if (!st.ok()) return ev::DeviceFault{"gate", st.error().code};
    noteGate(*st);
    if (st->entry == devices::DoorState::Jammed || st->exit == devices::DoorState::Jammed)
        return ev::DeviceFault{"gate", devices::errc::kJam};
    if (st->occupancy != lastOccupancy_ || st->exitPassage) {
        lastOccupancy_ = st->occupancy;
        return ev::LaneOccupancy{st->occupancy, st->exitPassage};
    }
    return std::nullopt;
}

std::optional<Event> LaneShell::captureFace(int attempt) {
    if (!dev_.camera || !dev_.face) return ev::DeviceFault{"camera", devices::errc::kLost};
    auto enrolled = services_.enrolledFaces(state_.subject);
    if (!enrolled.ok()) return ev::DeviceFault{"store", enrolled.error().code};
    std::vector<devices::Frame> frames;
    for (int i = 0; i < tuning_.faceFramesPerAttempt; ++i) {
        auto f = dev_.camera->grab(tuning_.frameTimeout);
        if (!f.ok()) return ev::DeviceFault{"camera", f.error().code};
        frames.push_back(std::move(*f));
    }
    if (enrolled->empty()) return ev::FaceResult{false, true, 99.0, true};
    auto m = dev_.face->verify(frames, *enrolled);
    if (!m.ok()) return ev::DeviceFault{"face", m.error().code};
    if (observer_.onFace && !frames.empty()) observer_.onFace(frames.back(), *m);
    core::logInfo("lane.face", {{"attempt", attempt}, {"match", m->match}, {"distance", m->distance},
                                {"liveness", m->livenessPassed}, {"frames", m->framesUsed}});
    const bool found = m->lastGuidance != devices::FaceGuidance::NoFace || m->match;
    return ev::FaceResult{m->match, m->livenessPassed, m->distance, found};
}

std::optional<Event> LaneShell::captureFinger(int attempt) {
    if (!dev_.finger) return ev::DeviceFault{"fingerprint", devices::errc::kLost};
    auto prints = services_.enrolledFingers(state_.subject);
    if (!prints.ok()) return ev::DeviceFault{"store", prints.error().code};
    if (prints->empty()) return ev::FingerResult{false, true, 0};
    // Each attempt prompts the next enrolled finger in turn (either finger may pass).
    const auto& print = (*prints)[static_cast<std::size_t>(attempt) % prints->size()];
    auto v = dev_.finger->verify(print, tuning_.fingerTimeout);
    if (!v.ok()) {
        if (v.error().code == devices::errc::kTimeout) return ev::FingerResult{false, false, 0};
        return ev::DeviceFault{"fingerprint", v.error().code};
    }
    core::logInfo("lane.finger", {{"attempt", attempt}, {"match", v->match}, {"score", v->score}});
    return ev::FingerResult{v->match, v->guidance == devices::FingerGuidance::Ok, v->score};
}

}  // namespace kiosk::lane
