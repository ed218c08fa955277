#include "kiosk/registration/registration_shell.h"

#include <algorithm>
#include <map>

#include "core/log.h"
#include "devices/device.h"

namespace kiosk::registration {

namespace {

bool isActivity(const Command& c) {
    return std::holds_alternative<cmd::ReadCard>(c) || std::holds_alternative<cmd::WatchCard>(c);
}
// After a device fault, only these still run (the resident must be told, staff alerted,
// and nothing of the resident kept).
bool isSafetyCommand(const Command& c) {
    return std::holds_alternative<cmd::Show>(c) || std::holds_alternative<cmd::Discard>(c) ||
           std::holds_alternative<cmd::AlertStaff>(c) || std::holds_alternative<cmd::Record>(c) ||
           std::holds_alternative<cmd::CardAlarm>(c);
}

FaceHint faceHint(devices::FaceGuidance g) {
    switch (g) {
        case devices::FaceGuidance::Ok: return FaceHint::None;
        case devices::FaceGuidance::NoFace: return FaceHint::NoFace;
        case devices::FaceGuidance::MultipleFaces: return FaceHint::OneFaceOnly;
        case devices::FaceGuidance::ComeCloser: return FaceHint::ComeCloser;
        case devices::FaceGuidance::LookAtCamera: return FaceHint::LookAtCamera;
        case devices::FaceGuidance::HoldStill: return FaceHint::HoldStill;
        case devices::FaceGuidance::TooDark: return FaceHint::MoreLight;
        case devices::FaceGuidance::TooBright: return FaceHint::LessLight;
    }
    return FaceHint::NoFace;
}

}  // namespace

const char* languageTag(Language l) {
    switch (l) {
        case Language::ZhHant: return "zh-Hant";
        case Language::En: return "en";
        case Language::Pt: return "pt";
    }
    return "en";
}

devices::Receipt plainReceipt(const ReceiptRequest& r) {
    devices::Receipt out;
    out.reference = r.reference;
    out.codeText = r.reference;
    out.issuedAt = r.issuedAt;
    out.usableFrom = r.usableFrom;
    auto line = [](devices::ReceiptLineKind k, std::string text) {
        devices::ReceiptLine l;
        l.kind = k;
        l.text = std::move(text);
        l.language = "en";
        return l;
    };
    out.lines = {line(devices::ReceiptLineKind::Text, "e-Channel enrolment"),
                 line(devices::ReceiptLineKind::Reference, ""),
                 line(devices::ReceiptLineKind::Text, "Lane usable from " + core::formatIsoUtc(r.usableFrom)),
                 line(devices::ReceiptLineKind::Code, "")};
    return out;
}

RegistrationShell::RegistrationShell(RegistrationConfig config, RegistrationTuning tuning, RegistrationDevices devices,
                                     EnrolmentServices& services, core::Clock& clock, ReceiptComposer composer,
                                     RegistrationObserver observer)
    : config_(std::move(config)),
      tuning_(tuning),
      dev_(devices),
      services_(services),
      clock_(clock),
      composer_(composer ? std::move(composer) : ReceiptComposer(plainReceipt)),
      observer_(std::move(observer)),
      finger_(devices.finger, FingerTimeouts{tuning.fingerEnrolTimeout, tuning.fingerVerifyTimeout}) {
    auto r = enter(RegistrationState{}, State::ChooseLanguage, config_);
    state_ = r.next;
    snapshot_ = state_;
    deadline_ = clock_.monoNow() + r.timeout;
    for (auto& c : r.commands) execute(c);
}

RegistrationState RegistrationShell::snapshot() const {
    std::lock_guard lock(snapshotMu_);
    return snapshot_;
}

void RegistrationShell::post(Event e) {
    std::lock_guard lock(externalMu_);
    external_.push_back(std::move(e));
}

void RegistrationShell::run(const std::function<bool()>& stop) {
    while (!stop()) turn();
}

void RegistrationShell::turn() {
    {
        std::lock_guard lock(externalMu_);
        while (!external_.empty()) {
            queue_.push_back(std::move(external_.front()));
            external_.pop_front();
        }
    }
    if (!queue_.empty()) {
        Event e = std::move(queue_.front());
        queue_.pop_front();
        apply(e);
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

void RegistrationShell::apply(const Event& e) {
    const RegistrationState before = state_;
    StepResult r = step(state_, e, config_);
    if (observer_.onTransition) observer_.onTransition(before, e, r.next);
    const bool entered = r.next.epoch != before.epoch;
    state_ = r.next;
    {
        std::lock_guard lock(snapshotMu_);
        snapshot_ = state_;
    }
    if (entered) {
        deadline_ = clock_.monoNow() + r.timeout;
        activity_.reset();
        if (before.state == State::ChooseLanguage && state_.state == State::InsertCard) sessionStart_ = clock_.monoNow();
        if (before.state != state_.state)
            core::logDebug("reg.state", {{"from", toString(before.state)}, {"to", toString(state_.state)},
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
    if (r.next.finished && observer_.onFinished) {
        const auto t = std::chrono::duration_cast<core::Millis>(clock_.monoNow() - sessionStart_);
        observer_.onFinished(*r.next.finished, before.reasons.empty() ? r.next.reasons : before.reasons, before, t);
    }
}

void RegistrationShell::execute(const Command& c) {
    if (observer_.onCommand) observer_.onCommand(state_, c);
    if (isActivity(c)) {
        activity_ = c;
        return;
    }
    const auto now = clock_.wallNow();
    std::optional<Event> out;
    if (std::holds_alternative<cmd::CheckDevices>(c)) {
        out = checkDevices();
    } else if (std::holds_alternative<cmd::CheckEligibility>(c)) {
        out = services_.checkEligibility(pending_, now);
    } else if (auto* a = std::get_if<cmd::CardAlarm>(&c)) {
        core::logWarn("reg.card_alarm", {{"on", a->on}});
    } else if (auto* f = std::get_if<cmd::EnrolFinger>(&c)) {
        out = enrolFinger(*f);
    } else if (auto* v = std::get_if<cmd::VerifyFinger>(&c)) {
        out = verifyFinger(*v);
    } else if (auto* cf = std::get_if<cmd::CaptureFace>(&c)) {
        out = captureFace(cf->attempt);
    } else if (auto* k = std::get_if<cmd::Commit>(&c)) {
        out = services_.commit(pending_, k->language, now);
    } else if (auto* p = std::get_if<cmd::PrintReceipt>(&c)) {
        out = printReceipt(*p);
    } else if (std::holds_alternative<cmd::Discard>(c)) {
        pending_.clear();
    } else if (auto* al = std::get_if<cmd::AlertStaff>(&c)) {
        services_.alertStaff(al->reason, now);
    } else if (auto* rec = std::get_if<cmd::Record>(&c)) {
        services_.record(rec->outcome, rec->reasons, now);
    }
    if (out) queue_.push_back(std::move(*out));
}

std::optional<Event> RegistrationShell::runActivity(const Command& c) {
    if (std::holds_alternative<cmd::ReadCard>(c)) return readCard();
    if (std::holds_alternative<cmd::WatchCard>(c)) return watchCard();
    return std::nullopt;
}

std::optional<Event> RegistrationShell::checkDevices() {
    const devices::Device* all[] = {dev_.document, dev_.camera, dev_.finger, dev_.printer};
    for (const auto* d : all) {
        if (!d) continue;
        const auto h = d->health();
        if (h.state == devices::DeviceState::Lost || h.state == devices::DeviceState::Fault)
            return ev::DeviceFault{h.device, h.state == devices::DeviceState::Lost ? devices::errc::kLost
                                                                                 : devices::errc::kFault};
    }
    if (!dev_.document) return ev::DeviceFault{"document", devices::errc::kLost};
    if (!dev_.camera || !dev_.face) return ev::DeviceFault{"camera", devices::errc::kLost};
    if (!dev_.finger) return ev::DeviceFault{"fingerprint", devices::errc::kLost};
    if (!dev_.printer) return ev::DeviceFault{"printer", devices::errc::kLost};
    // Nobody starts a registration the machine could not give a receipt for.
    auto ps = dev_.printer->status();
    if (!ps.ok()) return ev::DeviceFault{"printer", ps.error().code};
    if (ps->state == devices::PrinterState::OutOfPaper) return ev::DeviceFault{"printer", devices::errc::kOutOfPaper};
    if (ps->state == devices::PrinterState::CoverOpen) return ev::DeviceFault{"printer", devices::errc::kCoverOpen};
    if (ps->state == devices::PrinterState::Lost) return ev::DeviceFault{"printer", devices::errc::kLost};
    if (auto f = services_.serviceFault(clock_.wallNow())) return *f;
    return ev::DevicesReady{};
}

std::optional<Event> RegistrationShell::readCard() {
    if (!dev_.document) return ev::DeviceFault{"document", devices::errc::kLost};
    auto m = dev_.document->waitForMrz(tuning_.pollSlice);
    if (!m.ok()) {
        if (m.error().code == devices::errc::kBadInput) return ev::CardUnreadable{};
        return ev::DeviceFault{"document", m.error().code};
    }
    if (!*m) return std::nullopt;
    pending_.clear();
    pending_.mrz = **m;
    return ev::CardRead{};
}

std::optional<Event> RegistrationShell::watchCard() {
    if (!dev_.cardSlot) return ev::CardRemoved{};  // no slot sensor: the screen's prompt is all there is
    auto p = dev_.cardSlot->cardPresent();
    if (!p.ok()) return ev::DeviceFault{"document", p.error().code};
    if (!*p) return ev::CardRemoved{};
    clock_.sleepFor(std::min(tuning_.pollSlice,
                             std::chrono::duration_cast<core::Millis>(deadline_ - clock_.monoNow())));
    return std::nullopt;
}

std::optional<Event> RegistrationShell::enrolFinger(const cmd::EnrolFinger& c) {
    std::vector<uint8_t> print;
    auto events = finger_.enrol(c, print);
    if (events.empty()) return std::nullopt;
    Event result = std::move(events.back());
    events.pop_back();
    for (auto& e : events) queue_.push_back(std::move(e));
    if (std::holds_alternative<ev::FingerEnrolled>(result)) {
        if (pending_.fingers.size() <= static_cast<std::size_t>(c.finger)) pending_.fingers.resize(c.finger + 1);
        pending_.fingers[c.finger].data = std::move(print);
        pending_.fingers[c.finger].formatVersion = 1;
    }
    return result;
}

std::optional<Event> RegistrationShell::verifyFinger(const cmd::VerifyFinger& c) {
    static const std::vector<uint8_t> kNone;
    const bool held = pending_.fingers.size() > static_cast<std::size_t>(c.finger);
    return finger_.verify(c, held ? pending_.fingers[c.finger].data : kNone);
}

std::optional<Event> RegistrationShell::captureFace(int attempt) {
    if (!dev_.camera || !dev_.face) return ev::DeviceFault{"camera", devices::errc::kLost};
    std::vector<devices::Frame> frames;
    for (int i = 0; i < tuning_.faceFramesPerAttempt; ++i) {
        auto f = dev_.camera->grab(tuning_.frameTimeout);
        if (!f.ok()) return ev::DeviceFault{"camera", f.error().code};
        frames.push_back(std::move(*f));
    }
    // Quality per frame: one face, frontal, size, light, sharpness (FaceEngine::analyze).
    std::vector<devices::FaceDescriptor> good;
    std::map<devices::FaceGuidance, int> why;
    for (const auto& f : frames) {
        auto a = dev_.face->analyze(f.image);
        if (!a.ok()) return ev::DeviceFault{"face", a.error().code};
        if (a->guidance == devices::FaceGuidance::Ok && a->hasDescriptor) {
            if (static_cast<int>(good.size()) < tuning_.faceDescriptors) good.push_back(a->descriptor);
        } else {
            ++why[a->guidance];
        }
    }
    if (good.empty()) {
        auto worst = std::max_element(why.begin(), why.end(), [](auto& a, auto& b) { return a.second < b.second; });
        const FaceHint hint = worst == why.end() ? FaceHint::NoFace : faceHint(worst->first);
        core::logInfo("reg.face", {{"attempt", attempt}, {"quality", toString(hint)}});
        if (observer_.onFace && !frames.empty()) observer_.onFace(frames.back(), hint);
        return ev::FaceQualityLow{hint, false};
    }
    // The lane's liveness check on the same live sequence, against what it is about to enrol.
    auto m = dev_.face->verify(frames, good);
    if (!m.ok()) return ev::DeviceFault{"face", m.error().code};
    core::logInfo("reg.face", {{"attempt", attempt}, {"descriptors", good.size()}, {"liveness", m->livenessPassed}});
    if (!m->livenessPassed) {
        if (observer_.onFace && !frames.empty()) observer_.onFace(frames.back(), FaceHint::Blink);
        return ev::FaceQualityLow{FaceHint::Blink, true};
    }
    if (observer_.onFace && !frames.empty()) observer_.onFace(frames.back(), FaceHint::None);
    pending_.faces = std::move(good);
    return ev::FaceCaptured{};
}

std::optional<Event> RegistrationShell::printReceipt(const cmd::PrintReceipt& p) {
    ReceiptRequest rq;
    rq.reference = p.reference;
    rq.issuedAt = clock_.wallNow();
    rq.usableFrom = core::fromUnixSeconds(p.usableFrom);
    rq.language = p.language;
    const devices::Receipt receipt = composer_(rq);
    if (observer_.onReceipt) observer_.onReceipt(receipt);
    if (!dev_.printer) return ev::PrinterFault{devices::errc::kLost};
    auto st = dev_.printer->print(receipt);
    if (!st.ok()) {
        core::logWarn("reg.print_failed", {{"code", st.error().code}});
        return ev::PrinterFault{st.error().code};
    }
    return ev::Printed{};
}

}  // namespace kiosk::registration
