#include "kiosk/registration/finger_capture.h"

#include <deque>
#include <mutex>

#include "core/log.h"
#include "devices/device.h"

namespace kiosk::registration {

FingerHint hintFor(devices::FingerGuidance g, FingerHint previous) {
    switch (g) {
        case devices::FingerGuidance::Ok: return FingerHint::Centre;  // a good image, not this print: off-centre
        case devices::FingerGuidance::PressHarder:
            // Faint or a small contact area (the gate's commonest refusal). Pressing is
            // the first remedy; still faint after that is a dry finger; then the sensor.
            if (previous == FingerHint::PressFirmly) return FingerHint::Moisten;
            if (previous == FingerHint::Moisten) return FingerHint::CleanSensor;
            return FingerHint::PressFirmly;
        case devices::FingerGuidance::CleanSensor: return FingerHint::CleanSensor;
        case devices::FingerGuidance::PlaceFinger: return FingerHint::Centre;
        case devices::FingerGuidance::RemoveAndRetry: return FingerHint::LiftAndPlaceAgain;
        case devices::FingerGuidance::Moisten: return FingerHint::Moisten;
        case devices::FingerGuidance::Centre: return FingerHint::Centre;
    }
    return FingerHint::Centre;
}

FingerHint FingerCapture::guide(devices::FingerGuidance g) {
    last_ = hintFor(g, last_);
    return last_;
}

std::vector<Event> FingerCapture::enrol(const cmd::EnrolFinger& c, std::vector<uint8_t>& print) {
    if (c.finger != finger_ || c.attempt == 0) {
        finger_ = c.finger;
        last_ = FingerHint::None;
    }
    if (!reader_) return {ev::DeviceFault{"fingerprint", devices::errc::kLost}};
    std::vector<Event> out;
    std::mutex mu;
    auto r = reader_->enroll(
        [&](int stage, int stages) {
            // May run on the reader's own thread; the events follow, in order, before the result.
            std::lock_guard lock(mu);
            out.push_back(ev::FingerImpression{c.finger, stage, stages, FingerHint::None});
        },
        t_.enrol);
    std::lock_guard lock(mu);
    if (!r.ok()) {
        const auto& code = r.error().code;
        core::logInfo("reg.finger_enrol", {{"finger", c.finger}, {"attempt", c.attempt}, {"error", code}});
        if (code == "finger.quality") {
            // The reader's gate says why; a reader that cannot tell counts as "faint".
            auto g = reader_->lastEnrolGuidance();
            if (g == devices::FingerGuidance::Ok) g = devices::FingerGuidance::PressHarder;
            out.push_back(ev::FingerQualityLow{c.finger, guide(g)});
        } else if (code == devices::errc::kTimeout) {
            out.push_back(ev::FingerQualityLow{c.finger, FingerHint::LiftAndPlaceAgain});
        } else {
            out.push_back(ev::DeviceFault{"fingerprint", code});
        }
        return out;
    }
    print = std::move(r->print);
    core::logInfo("reg.finger_enrol", {{"finger", c.finger}, {"attempt", c.attempt}, {"ok", true}});
    out.push_back(ev::FingerEnrolled{c.finger});
    return out;
}

Event FingerCapture::verify(const cmd::VerifyFinger& c, const std::vector<uint8_t>& print) {
    if (!reader_) return ev::DeviceFault{"fingerprint", devices::errc::kLost};
    if (print.empty()) return ev::FingerVerified{c.finger, false, FingerHint::LiftAndPlaceAgain};
    auto v = reader_->verify(print, t_.verify);
    if (!v.ok()) {
        if (v.error().code == devices::errc::kTimeout)
            return ev::FingerVerified{c.finger, false, FingerHint::LiftAndPlaceAgain};
        return ev::DeviceFault{"fingerprint", v.error().code};
    }
    core::logInfo("reg.finger_verify", {{"finger", c.finger},
                                        {"attempt", c.attempt},
                                        {"presentation", c.presentation},
                                        {"match", v->match},
                                        {"score", v->score},
                                        {"refused", v->guidance != devices::FingerGuidance::Ok}});
    if (v->match) return ev::FingerVerified{c.finger, true, FingerHint::None};
    return ev::FingerVerified{c.finger, false, guide(v->guidance)};
}

FingerLoopResult runFingerLoop(const RegistrationConfig& config, devices::FingerprintReader& reader,
                               FingerTimeouts timeouts) {
    FingerLoopResult out;
    out.prints.resize(static_cast<std::size_t>(config.fingers));
    FingerCapture capture(&reader, timeouts);
    // The state the machine is in when the resident has taken the card back.
    RegistrationState s;
    s.state = State::TakeCardBack;
    s.inSession = true;
    s.cardInReader = true;
    std::deque<Event> queue{ev::CardRemoved{}};
    while (!queue.empty()) {
        const Event e = std::move(queue.front());
        queue.pop_front();
        StepResult r = step(s, e, config);
        s = r.next;
        if (s.fingerHint != FingerHint::None && (out.hints.empty() || out.hints.back() != s.fingerHint))
            out.hints.push_back(s.fingerHint);
        if (s.state != State::CaptureFingers) break;
        // As the shell does: every command of the step runs, its events queue up in order.
        for (const auto& c : r.commands) {
            if (auto* en = std::get_if<cmd::EnrolFinger>(&c)) {
                ++out.enrolCommands;
                out.rounds = en->attempt + 1;
                for (auto& ev : capture.enrol(*en, out.prints[static_cast<std::size_t>(en->finger)]))
                    queue.push_back(std::move(ev));
            } else if (auto* v = std::get_if<cmd::VerifyFinger>(&c)) {
                ++out.verifyCommands;
                queue.push_back(capture.verify(*v, out.prints[static_cast<std::size_t>(v->finger)]));
            }
        }
    }
    out.enrolled = s.state == State::CaptureFace;
    if (!out.enrolled) {
        out.reasons = s.reasons;
        out.prints.clear();  // nothing of a resident the machine refused is kept
    }
    return out;
}

}  // namespace kiosk::registration
