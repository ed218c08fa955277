#include "kiosk/registration/registration_machine.h"

namespace kiosk::registration {

const char* toString(State s) {
    switch (s) {
        case State::ChooseLanguage: return "ChooseLanguage";
        case State::InsertCard: return "InsertCard";
        case State::CheckEligibility: return "CheckEligibility";
        case State::Terms: return "Terms";
        case State::TakeCardBack: return "TakeCardBack";
        case State::CaptureFingers: return "CaptureFingers";
        case State::CaptureFace: return "CaptureFace";
        case State::Confirm: return "Confirm";
        case State::Commit: return "Commit";
        case State::Receipt: return "Receipt";
        case State::Refused: return "Refused";
        case State::OutOfService: return "OutOfService";
    }
    return "?";
}

std::vector<State> allStates() {
    return {State::ChooseLanguage, State::InsertCard, State::CheckEligibility, State::Terms,
            State::TakeCardBack,   State::CaptureFingers, State::CaptureFace, State::Confirm,
            State::Commit,         State::Receipt,      State::Refused,     State::OutOfService};
}

const char* toString(Outcome o) {
    switch (o) {
        case Outcome::Enrolled: return "enrolled";
        case Outcome::Refused: return "refused";
        case Outcome::Abandoned: return "abandoned";
        case Outcome::Fault: return "fault";
    }
    return "?";
}

const char* toString(FingerHint h) {
    switch (h) {
        case FingerHint::None: return "none";
        case FingerHint::PressFirmly: return "press_firmly";
        case FingerHint::Moisten: return "moisten";
        case FingerHint::CleanSensor: return "clean_sensor";
        case FingerHint::Centre: return "centre";
        case FingerHint::LiftAndPlaceAgain: return "lift_and_place_again";
    }
    return "?";
}

const char* toString(FaceHint h) {
    switch (h) {
        case FaceHint::None: return "none";
        case FaceHint::NoFace: return "no_face";
        case FaceHint::OneFaceOnly: return "one_face_only";
        case FaceHint::LookAtCamera: return "look_at_camera";
        case FaceHint::OpenEyes: return "open_eyes";
        case FaceHint::ComeCloser: return "come_closer";
        case FaceHint::MoveBack: return "move_back";
        case FaceHint::MoreLight: return "more_light";
        case FaceHint::LessLight: return "less_light";
        case FaceHint::HoldStill: return "hold_still";
        case FaceHint::Blink: return "blink";
    }
    return "?";
}

const char* toString(Screen s) {
    switch (s) {
        case Screen::ChooseLanguage: return "choose_language";
        case Screen::InsertCard: return "insert_card";
        case Screen::Checking: return "checking";
        case Screen::Terms: return "terms";
        case Screen::TakeCardBack: return "take_card_back";
        case Screen::CardLeftAlarm: return "card_left_alarm";
        case Screen::Finger: return "finger";
        case Screen::Face: return "face";
        case Screen::Confirm: return "confirm";
        case Screen::Saving: return "saving";
        case Screen::Receipt: return "receipt";
        case Screen::ReceiptPrinterFault: return "receipt_printer_fault";
        case Screen::Refused: return "refused";
        case Screen::OutOfService: return "out_of_service";
        case Screen::TimeoutWarning: return "timeout_warning";
        case Screen::Cancelled: return "cancelled";
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

template <class T>
bool is(const Event& e) {
    return std::holds_alternative<T>(e);
}

// The states in which the resident sets the pace: a warning before the time runs out.
bool residentPaced(State st) { return st == State::Terms || st == State::Confirm || st == State::InsertCard; }

// Before the commit, a session can still be dropped without a trace.
bool precommit(State st) {
    switch (st) {
        case State::InsertCard:
        case State::CheckEligibility:
        case State::Terms:
        case State::TakeCardBack:
        case State::CaptureFingers:
        case State::CaptureFace:
        case State::Confirm: return true;
        default: return false;
    }
}

void clearSession(RegistrationState& s) {
    const bool staff = s.staffOutOfService;
    const uint64_t epoch = s.epoch;
    const State st = s.state;
    const bool card = s.cardInReader;
    const bool alarm = s.cardAlarm;
    s = RegistrationState{};
    s.staffOutOfService = staff;
    s.epoch = epoch;
    s.state = st;
    s.cardInReader = card;  // a physical fact, not session data
    s.cardAlarm = alarm;
}

core::Millis timeoutOf(State st, const RegistrationState& s, const RegistrationConfig& c) {
    if (s.timeoutWarned) return c.timeoutWarning;
    switch (st) {
        case State::ChooseLanguage: return c.attractRecheck;
        case State::InsertCard: return c.insertCardTimeout;
        case State::CheckEligibility: return c.eligibilityTimeout;
        case State::Terms: return c.termsTimeout;
        case State::TakeCardBack: return s.cardAlarm ? c.cardAlarmRepeat : c.takeCardTimeout;
        case State::CaptureFingers: return c.fingerTimeout;
        case State::CaptureFace: return c.faceTimeout;
        case State::Confirm: return c.confirmTimeout;
        case State::Commit: return c.commitTimeout;
        case State::Receipt: return c.receiptTimeout;
        case State::Refused: return s.cardInReader ? (s.cardAlarm ? c.cardAlarmRepeat : c.takeCardTimeout)
                                                   : c.refusedTimeout;
        case State::OutOfService: return c.outOfServiceRecheck;
    }
    return c.attractRecheck;
}

StepResult rearm(RegistrationState s, std::vector<Command> cmds, const RegistrationConfig& c) {
    ++s.epoch;
    const auto t = timeoutOf(s.state, s, c);
    return {std::move(s), std::move(cmds), t};
}

StepResult stay(RegistrationState s) { return {std::move(s), {}, core::Millis(0)}; }

StepResult prepend(StepResult r, std::vector<Command> before) {
    before.insert(before.end(), r.commands.begin(), r.commands.end());
    r.commands = std::move(before);
    return r;
}

StepResult refuse(RegistrationState s, std::vector<std::string> reasons, const RegistrationConfig& c) {
    s.reasons = std::move(reasons);
    return prepend(enter(std::move(s), State::Refused, c), {cmd::Discard{}});
}

// End of a session: back to the attract screen (the card is out by now, or the alarm
// already told staff).
StepResult finish(RegistrationState s, Outcome o, const RegistrationConfig& c, std::vector<Command> before = {}) {
    auto r = enter(std::move(s), State::ChooseLanguage, c);
    r.next.finished = o;
    return prepend(std::move(r), std::move(before));
}

// Cancel or timeout before the commit: nothing is kept; the card comes back first.
StepResult abandon(RegistrationState s, const RegistrationConfig& c) {
    s.cancelled = true;
    if (s.cardInReader) return prepend(enter(std::move(s), State::TakeCardBack, c), {cmd::Discard{}});
    return finish(std::move(s), Outcome::Abandoned, c,
                  {cmd::Discard{}, cmd::Record{Outcome::Abandoned, {"reg.cancelled"}}});
}

StepResult toOutOfService(RegistrationState s, const std::string& reason, const RegistrationConfig& c) {
    const bool inProgress = s.inSession;
    s.reasons = {reason};
    auto r = enter(std::move(s), State::OutOfService, c);
    if (inProgress) {
        // An enrolment already committed stays (the receipt can be reprinted by staff);
        // anything before the commit is dropped.
        r.commands.push_back(cmd::Record{Outcome::Fault, {reason}});
        r.next.finished = Outcome::Fault;
    }
    return r;
}

StepResult fingerFailed(RegistrationState s, FingerHint hint, const RegistrationConfig& c) {
    s.fingerHint = hint;
    s.fingerVerifyAttempt = 0;
    if (s.fingerAttempt + 1 < c.fingerAttempts) {
        ++s.fingerAttempt;
        s.fingerPhase = FingerPhase::Enrol;  // no verify matched: a poor template, enrol again
        return enter(std::move(s), State::CaptureFingers, c);
    }
    return refuse(std::move(s), {"reg.finger_quality"}, c);
}

StepResult faceFailed(RegistrationState s, FaceHint hint, bool liveness, const RegistrationConfig& c) {
    s.faceHint = hint;
    s.livenessFailed = liveness;
    if (s.faceAttempt + 1 < c.faceAttempts) {
        ++s.faceAttempt;
        return enter(std::move(s), State::CaptureFace, c);
    }
    return refuse(std::move(s), {liveness ? "reg.face_liveness" : "reg.face_quality"}, c);
}

}  // namespace

StepResult enter(RegistrationState s, State to, const RegistrationConfig& c) {
    s.state = to;
    ++s.epoch;
    s.timeoutWarned = false;
    std::vector<Command> cmds;
    switch (to) {
        case State::ChooseLanguage:
            clearSession(s);
            cmds = {cmd::Show{Screen::ChooseLanguage, {}}, cmd::CheckDevices{}};
            break;
        case State::InsertCard:
            cmds = {cmd::Show{Screen::InsertCard, {}}, cmd::ReadCard{}};
            break;
        case State::CheckEligibility:
            cmds = {cmd::Show{Screen::Checking, {}}, cmd::CheckEligibility{}};
            break;
        case State::Terms:
            cmds = {cmd::Show{Screen::Terms, {}}};
            break;
        case State::TakeCardBack:
            cmds = {cmd::Show{s.cardAlarm ? Screen::CardLeftAlarm : Screen::TakeCardBack, {}}, cmd::WatchCard{}};
            break;
        case State::CaptureFingers:
            s.impressionStage = 0;
            s.impressionStages = 0;
            if (s.fingerPhase == FingerPhase::Enrol)
                cmds = {cmd::Show{Screen::Finger, {}}, cmd::EnrolFinger{s.finger, s.fingerAttempt}};
            else
                cmds = {cmd::Show{Screen::Finger, {}}, cmd::VerifyFinger{s.finger, s.fingerAttempt, s.fingerVerifyAttempt}};
            break;
        case State::CaptureFace:
            cmds = {cmd::Show{Screen::Face, {}}, cmd::CaptureFace{s.faceAttempt}};
            break;
        case State::Confirm:
            cmds = {cmd::Show{Screen::Confirm, {}}};
            break;
        case State::Commit:
            cmds = {cmd::Show{Screen::Saving, {}}, cmd::Commit{s.language}};
            break;
        case State::Receipt:
            cmds = {cmd::Show{Screen::Receipt, {}}, cmd::PrintReceipt{s.reference, s.usableFrom, s.language}};
            break;
        case State::Refused:
            cmds = {cmd::Show{Screen::Refused, s.reasons}};
            if (s.cardInReader) cmds.push_back(cmd::WatchCard{});
            break;
        case State::OutOfService:
            cmds = {cmd::Discard{}, cmd::Show{Screen::OutOfService, s.reasons},
                    cmd::AlertStaff{s.reasons.empty() ? "reg.out_of_service" : s.reasons.front()}};
            break;
    }
    const auto t = timeoutOf(to, s, c);
    return {std::move(s), std::move(cmds), t};
}

StepResult step(const RegistrationState& current, const Event& e, const RegistrationConfig& c) {
    RegistrationState s = current;
    s.finished.reset();

    if (auto* t = std::get_if<ev::Timeout>(&e); t && t->epoch != s.epoch) return stay(s);

    // The card is a physical fact, whatever the state: its removal silences the alarm.
    if (is<ev::CardRemoved>(e)) {
        const bool alarm = s.cardAlarm;
        s.cardInReader = false;
        s.cardAlarm = false;
        std::vector<Command> off;
        if (alarm) off.push_back(cmd::CardAlarm{false});
        if (s.state == State::TakeCardBack) {
            if (s.cancelled) {
                auto r = finish(s, Outcome::Abandoned, c, {cmd::Record{Outcome::Abandoned, {"reg.cancelled"}}});
                return prepend(std::move(r), off);
            }
            s.finger = 0;
            s.fingerPhase = FingerPhase::Enrol;
            s.fingerAttempt = 0;
            s.fingerVerifyAttempt = 0;
            return prepend(enter(s, State::CaptureFingers, c), off);
        }
        if (s.state == State::Refused) return rearm(s, off, c);  // the reason stays up a while longer
        return {s, off, core::Millis(0)};
    }

    if (auto* o = std::get_if<ev::StaffSetInService>(&e)) {
        s.staffOutOfService = !o->inService;
        if (!o->inService && s.state != State::OutOfService) return toOutOfService(s, "reg.staff_out_of_service", c);
        if (o->inService && s.state == State::OutOfService) return rearm(s, {cmd::CheckDevices{}}, c);
        return stay(s);
    }
    if (auto* f = std::get_if<ev::DeviceFault>(&e)) {
        if (s.state == State::OutOfService) return stay(s);
        // The printer failing after the commit keeps the enrolment: the Receipt state
        // handles it (reprint offered, staff alerted).
        if (s.state == State::Receipt && f->device == "printer") {
            return step(s, ev::PrinterFault{f->code}, c);
        }
        return toOutOfService(s, f->code.empty() ? "device.fault" : f->code, c);
    }

    if (residentPaced(s.state) && s.inSession) {
        if (is<ev::Timeout>(e) && !s.timeoutWarned) {
            s.timeoutWarned = true;
            std::vector<Command> cmds{cmd::Show{Screen::TimeoutWarning, {}}};
            if (s.state == State::InsertCard) cmds.push_back(cmd::ReadCard{});  // a card may still come
            return rearm(s, cmds, c);
        }
        if (is<ev::ContinuePressed>(e)) {
            if (!s.timeoutWarned) return stay(s);
            return enter(s, s.state, c);  // the step again, with its full time
        }
    }
    if (is<ev::CancelPressed>(e) && precommit(s.state) && s.state != State::TakeCardBack) return abandon(s, c);

    switch (s.state) {
        case State::ChooseLanguage:
            if (auto* l = std::get_if<ev::LanguageChosen>(&e)) {
                s.language = l->language;
                s.inSession = true;
                return enter(s, State::InsertCard, c);
            }
            if (is<ev::Timeout>(e)) return enter(s, State::ChooseLanguage, c);
            break;

        case State::InsertCard:
            if (is<ev::CardRead>(e)) {
                s.cardInReader = true;
                return enter(s, State::CheckEligibility, c);
            }
            if (is<ev::CardUnreadable>(e)) {
                s.cardInReader = true;
                s.reasons = {"reg.card_unreadable"};
                s.cancelled = true;  // take it back and start again
                return prepend(enter(s, State::TakeCardBack, c), {cmd::Discard{}});
            }
            if (is<ev::NothingPresented>(e)) return {s, {cmd::ReadCard{}}, core::Millis(0)};
            if (is<ev::Timeout>(e)) return abandon(s, c);
            break;

        case State::CheckEligibility:
            if (auto* p = std::get_if<ev::EligibilityPassed>(&e)) {
                s.reenrolment = p->reenrolment;
                s.termsRead = false;
                return enter(s, State::Terms, c);
            }
            if (auto* r = std::get_if<ev::EligibilityRefused>(&e)) return refuse(s, r->reasons, c);
            if (is<ev::Timeout>(e)) return toOutOfService(s, "reg.eligibility_timeout", c);
            break;

        case State::Terms:
            if (auto* t = std::get_if<ev::TermsScrolled>(&e)) {
                s.termsRead = s.termsRead || t->atEnd;
                return {s, {}, core::Millis(0)};
            }
            if (is<ev::TermsAccepted>(e)) {
                if (!s.termsRead) return stay(s);  // Accept is enabled only after reading to the end
                return enter(s, State::TakeCardBack, c);
            }
            if (is<ev::TermsDeclined>(e) || is<ev::Timeout>(e)) return abandon(s, c);
            break;

        case State::TakeCardBack:
            if (is<ev::NothingPresented>(e)) return {s, {cmd::WatchCard{}}, core::Millis(0)};
            if (is<ev::Timeout>(e)) {
                // Card left in the reader: alarm, staff alerted, and again while it stays.
                std::vector<Command> cmds;
                if (!s.cardAlarm) cmds.push_back(cmd::CardAlarm{true});
                s.cardAlarm = true;
                cmds.push_back(cmd::Show{Screen::CardLeftAlarm, {}});
                cmds.push_back(cmd::AlertStaff{"reg.card_left_in_reader"});
                cmds.push_back(cmd::WatchCard{});
                return rearm(s, cmds, c);
            }
            break;

        case State::CaptureFingers:
            if (auto* i = std::get_if<ev::FingerImpression>(&e);
                i && i->finger == s.finger && s.fingerPhase == FingerPhase::Enrol) {
                s.impressionStage = i->stage;
                s.impressionStages = i->stages;
                s.fingerHint = i->hint;
                return rearm(s, {cmd::Show{Screen::Finger, {}}}, c);  // progress shown; full time again
            }
            if (auto* f = std::get_if<ev::FingerEnrolled>(&e); f && f->finger == s.finger) {
                s.fingerPhase = FingerPhase::Verify;
                s.fingerVerifyAttempt = 0;
                s.fingerHint = FingerHint::None;
                return enter(s, State::CaptureFingers, c);
            }
            if (auto* v = std::get_if<ev::FingerVerified>(&e); v && v->finger == s.finger) {
                if (s.fingerPhase != FingerPhase::Verify) return stay(s);
                if (!v->match) {
                    const FingerHint hint = v->hint == FingerHint::None ? FingerHint::Centre : v->hint;
                    // One capture is a poor judge of the template (a dry or partial
                    // touch): the finger is placed again, with guidance, before the
                    // round is given up.
                    if (s.fingerVerifyAttempt + 1 < c.fingerVerifyAttempts) {
                        ++s.fingerVerifyAttempt;
                        s.fingerHint = hint;
                        return enter(s, State::CaptureFingers, c);
                    }
                    return fingerFailed(s, hint, c);
                }
                s.fingerHint = FingerHint::None;
                s.fingerVerifyAttempt = 0;
                if (s.finger + 1 < c.fingers) {
                    ++s.finger;
                    s.fingerPhase = FingerPhase::Enrol;
                    s.fingerAttempt = 0;
                    return enter(s, State::CaptureFingers, c);
                }
                s.faceAttempt = 0;
                return enter(s, State::CaptureFace, c);
            }
            if (auto* q = std::get_if<ev::FingerQualityLow>(&e); q && q->finger == s.finger)
                return fingerFailed(s, q->hint, c);
            if (is<ev::Timeout>(e)) return fingerFailed(s, FingerHint::LiftAndPlaceAgain, c);
            break;

        case State::CaptureFace:
            if (is<ev::FaceCaptured>(e)) {
                s.faceHint = FaceHint::None;
                s.livenessFailed = false;
                return enter(s, State::Confirm, c);
            }
            if (auto* q = std::get_if<ev::FaceQualityLow>(&e)) return faceFailed(s, q->hint, q->livenessFailed, c);
            if (is<ev::Timeout>(e)) return faceFailed(s, FaceHint::NoFace, false, c);
            break;

        case State::Confirm:
            if (is<ev::Confirmed>(e)) return enter(s, State::Commit, c);
            if (is<ev::Timeout>(e)) return abandon(s, c);
            break;

        case State::Commit:
            if (auto* k = std::get_if<ev::Committed>(&e)) {
                s.committed = true;
                s.reference = k->reference;
                s.usableFrom = k->usableFrom;
                return prepend(enter(s, State::Receipt, c), {cmd::Discard{}});
            }
            if (auto* f = std::get_if<ev::CommitFailed>(&e)) return toOutOfService(s, f->code, c);
            if (is<ev::Timeout>(e)) return toOutOfService(s, "reg.commit_timeout", c);
            break;

        case State::Receipt:
            if (is<ev::Printed>(e)) {
                s.printed = true;
                s.printerFault = false;
                return rearm(s, {cmd::Show{Screen::Receipt, {}}}, c);
            }
            if (auto* p = std::get_if<ev::PrinterFault>(&e)) {
                // The enrolment is kept; staff refill the printer; the resident may reprint
                // (the receipt stays on screen with the reference meanwhile).
                s.printerFault = true;
                s.printerFaultCode = p->code;
                return rearm(s, {cmd::Show{Screen::ReceiptPrinterFault, {p->code}}, cmd::AlertStaff{p->code}}, c);
            }
            if (is<ev::ReprintPressed>(e)) {
                if (!s.printerFault || s.printAttempt + 1 >= c.printAttempts) return stay(s);
                ++s.printAttempt;
                return rearm(s, {cmd::Show{Screen::Receipt, {}}, cmd::PrintReceipt{s.reference, s.usableFrom, s.language}},
                             c);
            }
            if (is<ev::Timeout>(e) || is<ev::Confirmed>(e)) {
                std::vector<std::string> why;
                if (!s.printed) why.push_back("reg.receipt_not_printed");
                return finish(s, Outcome::Enrolled, c, {cmd::Record{Outcome::Enrolled, why}});
            }
            break;

        case State::Refused:
            if (is<ev::NothingPresented>(e) && s.cardInReader) return {s, {cmd::WatchCard{}}, core::Millis(0)};
            if (is<ev::Timeout>(e) || is<ev::Confirmed>(e)) {
                if (s.cardInReader) {
                    if (!is<ev::Timeout>(e)) return stay(s);
                    std::vector<Command> cmds;
                    if (!s.cardAlarm) cmds.push_back(cmd::CardAlarm{true});
                    s.cardAlarm = true;
                    cmds.push_back(cmd::Show{Screen::CardLeftAlarm, s.reasons});
                    cmds.push_back(cmd::AlertStaff{"reg.card_left_in_reader"});
                    cmds.push_back(cmd::WatchCard{});
                    return rearm(s, cmds, c);
                }
                return finish(s, Outcome::Refused, c, {cmd::Record{Outcome::Refused, s.reasons}});
            }
            break;

        case State::OutOfService:
            if (is<ev::DevicesReady>(e)) {
                if (s.staffOutOfService) return stay(s);
                return enter(s, State::ChooseLanguage, c);
            }
            if (is<ev::NothingPresented>(e) && s.cardInReader) return {s, {cmd::WatchCard{}}, core::Millis(0)};
            if (is<ev::Timeout>(e)) {
                std::vector<Command> cmds{cmd::CheckDevices{}};
                if (s.cardInReader) cmds.push_back(cmd::WatchCard{});
                return rearm(s, cmds, c);
            }
            break;
    }
    return stay(s);
}

std::string describe(const Event& e) {
    return std::visit(
        Overloaded{
            [](const ev::DevicesReady&) -> std::string { return "DevicesReady"; },
            [](const ev::DeviceFault& f) -> std::string { return "DeviceFault(" + f.device + "," + f.code + ")"; },
            [](const ev::LanguageChosen& l) -> std::string { return "LanguageChosen(" + std::to_string(int(l.language)) + ")"; },
            [](const ev::CardRead&) -> std::string { return "CardRead"; },
            [](const ev::CardUnreadable&) -> std::string { return "CardUnreadable"; },
            [](const ev::NothingPresented&) -> std::string { return "NothingPresented"; },
            [](const ev::EligibilityPassed& p) -> std::string { return p.reenrolment ? "EligibilityPassed(reenrol)" : "EligibilityPassed"; },
            [](const ev::EligibilityRefused&) -> std::string { return "EligibilityRefused"; },
            [](const ev::TermsScrolled& t) -> std::string { return t.atEnd ? "TermsScrolled(end)" : "TermsScrolled"; },
            [](const ev::TermsAccepted&) -> std::string { return "TermsAccepted"; },
            [](const ev::TermsDeclined&) -> std::string { return "TermsDeclined"; },
            [](const ev::CardRemoved&) -> std::string { return "CardRemoved"; },
            [](const ev::FingerImpression& i) -> std::string {
                return "FingerImpression(" + std::to_string(i.stage) + "/" + std::to_string(i.stages) + "," + toString(i.hint) + ")";
            },
            [](const ev::FingerEnrolled& f) -> std::string { return "FingerEnrolled(" + std::to_string(f.finger) + ")"; },
            [](const ev::FingerVerified& v) -> std::string { return v.match ? "FingerVerified(match)" : "FingerVerified(no)"; },
            [](const ev::FingerQualityLow& q) -> std::string { return std::string("FingerQualityLow(") + toString(q.hint) + ")"; },
            [](const ev::FaceCaptured&) -> std::string { return "FaceCaptured"; },
            [](const ev::FaceQualityLow& q) -> std::string { return std::string("FaceQualityLow(") + toString(q.hint) + ")"; },
            [](const ev::Confirmed&) -> std::string { return "Confirmed"; },
            [](const ev::CancelPressed&) -> std::string { return "CancelPressed"; },
            [](const ev::Committed&) -> std::string { return "Committed"; },
            [](const ev::CommitFailed& f) -> std::string { return "CommitFailed(" + f.code + ")"; },
            [](const ev::Printed&) -> std::string { return "Printed"; },
            [](const ev::PrinterFault& p) -> std::string { return "PrinterFault(" + p.code + ")"; },
            [](const ev::ReprintPressed&) -> std::string { return "ReprintPressed"; },
            [](const ev::ContinuePressed&) -> std::string { return "ContinuePressed"; },
            [](const ev::Timeout&) -> std::string { return "Timeout"; },
            [](const ev::StaffSetInService& o) -> std::string { return o.inService ? "StaffInService" : "StaffOutOfService"; },
        },
        e);
}

std::string describe(const Command& c) {
    return std::visit(
        Overloaded{
            [](const cmd::CheckDevices&) -> std::string { return "CheckDevices"; },
            [](const cmd::Show& s) -> std::string { return std::string("Show(") + toString(s.screen) + ")"; },
            [](const cmd::ReadCard&) -> std::string { return "ReadCard"; },
            [](const cmd::CheckEligibility&) -> std::string { return "CheckEligibility"; },
            [](const cmd::WatchCard&) -> std::string { return "WatchCard"; },
            [](const cmd::CardAlarm& a) -> std::string { return a.on ? "CardAlarm(on)" : "CardAlarm(off)"; },
            [](const cmd::EnrolFinger& f) -> std::string {
                return "EnrolFinger(" + std::to_string(f.finger) + "," + std::to_string(f.attempt) + ")";
            },
            [](const cmd::VerifyFinger& f) -> std::string {
                return "VerifyFinger(" + std::to_string(f.finger) + "," + std::to_string(f.attempt) + "," +
                       std::to_string(f.presentation) + ")";
            },
            [](const cmd::CaptureFace& f) -> std::string { return "CaptureFace(" + std::to_string(f.attempt) + ")"; },
            [](const cmd::Commit&) -> std::string { return "Commit"; },
            [](const cmd::PrintReceipt&) -> std::string { return "PrintReceipt"; },
            [](const cmd::Discard&) -> std::string { return "Discard"; },
            [](const cmd::AlertStaff& a) -> std::string { return "AlertStaff(" + a.reason + ")"; },
            [](const cmd::Record& r) -> std::string { return std::string("Record(") + toString(r.outcome) + ")"; },
        },
        c);
}

}  // namespace kiosk::registration
