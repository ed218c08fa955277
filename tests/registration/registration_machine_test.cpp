// Table-driven: every transition of the registration machine, one row each, the faults
// included (card left in the reader, printer out of paper, camera lost, reader lost,
// timeouts); then invariants over every state.
#include "kiosk/registration/registration_machine.h"

#include <functional>
#include <optional>

#include <gtest/gtest.h>

namespace kiosk::registration {
namespace {

RegistrationConfig cfg() { return RegistrationConfig{}; }

RegistrationState in(State st, std::function<void(RegistrationState&)> tweak = {}) {
    RegistrationState s;
    s.state = st;
    s.epoch = 7;
    s.language = Language::Pt;
    if (st != State::ChooseLanguage && st != State::OutOfService) s.inSession = true;
    // The card is in the reader from the read until the resident takes it back.
    if (st == State::CheckEligibility || st == State::Terms || st == State::TakeCardBack) s.cardInReader = true;
    if (st == State::Receipt) {
        s.committed = true;
        s.reference = "R-ABC";
        s.usableFrom = 1800000000;
    }
    if (tweak) tweak(s);
    return s;
}

bool has(const std::vector<Command>& cmds, const std::string& d) {
    for (auto& c : cmds)
        if (describe(c) == d) return true;
    return false;
}

struct Row {
    const char* name;
    RegistrationState from;
    Event event;
    State to;
    std::vector<std::string> mustRun;
    std::vector<std::string> mustNotRun;
    std::optional<Outcome> finished = std::nullopt;
    std::vector<std::string> reasons = {};
};

std::vector<Row> rows() {
    auto read = [](RegistrationState& s) { s.termsRead = true; };
    auto warned = [](RegistrationState& s) { s.timeoutWarned = true; };
    auto cancelled = [](RegistrationState& s) { s.cancelled = true; };
    auto alarm = [](RegistrationState& s) { s.cardAlarm = true; };
    auto verifyPhase = [](RegistrationState& s) { s.fingerPhase = FingerPhase::Verify; };
    auto secondFinger = [](RegistrationState& s) { s.finger = 1; s.fingerPhase = FingerPhase::Verify; };
    auto lastFingerTry = [](RegistrationState& s) { s.fingerAttempt = 2; };
    auto lastVerify = [](RegistrationState& s) { s.fingerPhase = FingerPhase::Verify; s.fingerVerifyAttempt = 3; };
    auto lastVerifyLastTry = [](RegistrationState& s) {
        s.fingerPhase = FingerPhase::Verify;
        s.fingerVerifyAttempt = 3;
        s.fingerAttempt = 2;
    };
    auto lastFaceTry = [](RegistrationState& s) { s.faceAttempt = 2; };
    auto faulted = [](RegistrationState& s) { s.printerFault = true; s.printerFaultCode = "device.out_of_paper"; };
    auto printed = [](RegistrationState& s) { s.printed = true; };
    auto refusedCardIn = [](RegistrationState& s) { s.cardInReader = true; s.reasons = {"reg.under_18"}; };
    auto refusedCardOut = [](RegistrationState& s) { s.reasons = {"reg.under_18"}; };
    auto staff = [](RegistrationState& s) { s.staffOutOfService = true; };
    return {
        // ChooseLanguage
        {"language chosen", in(State::ChooseLanguage), ev::LanguageChosen{Language::ZhHant}, State::InsertCard, {"Show(insert_card)", "ReadCard"}, {}},
        {"attract recheck", in(State::ChooseLanguage), ev::Timeout{7}, State::ChooseLanguage, {"CheckDevices"}, {}},
        {"devices ready while attracting", in(State::ChooseLanguage), ev::DevicesReady{}, State::ChooseLanguage, {}, {"CheckDevices"}},
        {"stale timeout ignored", in(State::ChooseLanguage), ev::Timeout{6}, State::ChooseLanguage, {}, {"CheckDevices"}},
        {"printer out of paper before a session", in(State::ChooseLanguage), ev::DeviceFault{"printer", "device.out_of_paper"}, State::OutOfService, {"AlertStaff(device.out_of_paper)", "Show(out_of_service)"}, {"Record(fault)"}},
        // InsertCard
        {"card read", in(State::InsertCard), ev::CardRead{}, State::CheckEligibility, {"CheckEligibility"}, {}},
        {"card unreadable", in(State::InsertCard), ev::CardUnreadable{}, State::TakeCardBack, {"Discard", "WatchCard"}, {}},
        {"no card yet", in(State::InsertCard), ev::NothingPresented{}, State::InsertCard, {"ReadCard"}, {}},
        {"insert card timeout warns", in(State::InsertCard), ev::Timeout{7}, State::InsertCard, {"Show(timeout_warning)", "ReadCard"}, {"Discard"}},
        {"card read during the warning", in(State::InsertCard, warned), ev::CardRead{}, State::CheckEligibility, {"CheckEligibility"}, {}},
        {"insert card second timeout", in(State::InsertCard, warned), ev::Timeout{7}, State::ChooseLanguage, {"Discard", "Record(abandoned)"}, {}, Outcome::Abandoned},
        {"continue after warning", in(State::InsertCard, warned), ev::ContinuePressed{}, State::InsertCard, {"ReadCard"}, {}},
        {"cancel before the card", in(State::InsertCard), ev::CancelPressed{}, State::ChooseLanguage, {"Discard"}, {}, Outcome::Abandoned},
        {"reader lost", in(State::InsertCard), ev::DeviceFault{"document", "device.lost"}, State::OutOfService, {"Discard", "AlertStaff(device.lost)", "Record(fault)"}, {}, Outcome::Fault, {"device.lost"}},
        // CheckEligibility
        {"eligible", in(State::CheckEligibility), ev::EligibilityPassed{}, State::Terms, {"Show(terms)"}, {}},
        {"eligible, re-enrolment", in(State::CheckEligibility), ev::EligibilityPassed{true}, State::Terms, {"Show(terms)"}, {}},
        {"under 18", in(State::CheckEligibility), ev::EligibilityRefused{{"reg.under_18"}}, State::Refused, {"Discard", "Show(refused)", "WatchCard"}, {}, std::nullopt, {"reg.under_18"}},
        {"not permanent", in(State::CheckEligibility), ev::EligibilityRefused{{"reg.not_permanent_resident"}}, State::Refused, {"Show(refused)"}, {}, std::nullopt, {"reg.not_permanent_resident"}},
        {"document expired", in(State::CheckEligibility), ev::EligibilityRefused{{"reg.document_expired"}}, State::Refused, {"Show(refused)"}, {}, std::nullopt, {"reg.document_expired"}},
        {"eligibility timeout", in(State::CheckEligibility), ev::Timeout{7}, State::OutOfService, {"Discard", "AlertStaff(reg.eligibility_timeout)"}, {}, Outcome::Fault},
        {"store fault at eligibility", in(State::CheckEligibility), ev::DeviceFault{"store", "store.io"}, State::OutOfService, {"Discard"}, {}, Outcome::Fault},
        // Terms
        {"terms scrolled", in(State::Terms), ev::TermsScrolled{true}, State::Terms, {}, {}},
        {"accept before reading", in(State::Terms), ev::TermsAccepted{}, State::Terms, {}, {"WatchCard"}},
        {"accept after reading", in(State::Terms, read), ev::TermsAccepted{}, State::TakeCardBack, {"Show(take_card_back)", "WatchCard"}, {}},
        {"terms declined", in(State::Terms), ev::TermsDeclined{}, State::TakeCardBack, {"Discard", "WatchCard"}, {}},
        {"terms timeout warns", in(State::Terms), ev::Timeout{7}, State::Terms, {"Show(timeout_warning)"}, {}},
        {"terms second timeout", in(State::Terms, warned), ev::Timeout{7}, State::TakeCardBack, {"Discard", "WatchCard"}, {}},
        {"cancel at terms", in(State::Terms), ev::CancelPressed{}, State::TakeCardBack, {"Discard"}, {}},
        // TakeCardBack
        {"card taken", in(State::TakeCardBack), ev::CardRemoved{}, State::CaptureFingers, {"EnrolFinger(0,0)"}, {}},
        {"card still there", in(State::TakeCardBack), ev::NothingPresented{}, State::TakeCardBack, {"WatchCard"}, {}},
        {"card left in the reader", in(State::TakeCardBack), ev::Timeout{7}, State::TakeCardBack, {"CardAlarm(on)", "AlertStaff(reg.card_left_in_reader)", "Show(card_left_alarm)"}, {}},
        {"card left, alarm repeats", in(State::TakeCardBack, alarm), ev::Timeout{7}, State::TakeCardBack, {"AlertStaff(reg.card_left_in_reader)"}, {"CardAlarm(on)"}},
        {"card taken after the alarm", in(State::TakeCardBack, alarm), ev::CardRemoved{}, State::CaptureFingers, {"CardAlarm(off)", "EnrolFinger(0,0)"}, {}},
        {"card taken after cancelling", in(State::TakeCardBack, cancelled), ev::CardRemoved{}, State::ChooseLanguage, {"Record(abandoned)"}, {}, Outcome::Abandoned},
        {"cancel is ignored until the card is out", in(State::TakeCardBack), ev::CancelPressed{}, State::TakeCardBack, {}, {"Discard"}},
        // CaptureFingers
        {"impression", in(State::CaptureFingers), ev::FingerImpression{0, 2, 5, FingerHint::None}, State::CaptureFingers, {"Show(finger)"}, {"EnrolFinger(0,0)"}},
        {"finger enrolled", in(State::CaptureFingers), ev::FingerEnrolled{0}, State::CaptureFingers, {"VerifyFinger(0,0,0)"}, {}},
        {"first finger verified", in(State::CaptureFingers, verifyPhase), ev::FingerVerified{0, true, FingerHint::None}, State::CaptureFingers, {"EnrolFinger(1,0)"}, {}},
        {"second finger verified", in(State::CaptureFingers, secondFinger), ev::FingerVerified{1, true, FingerHint::None}, State::CaptureFace, {"CaptureFace(0)"}, {}},
        {"verify no match: place the finger again", in(State::CaptureFingers, verifyPhase), ev::FingerVerified{0, false, FingerHint::Centre}, State::CaptureFingers, {"Show(finger)", "VerifyFinger(0,0,1)"}, {"EnrolFinger(0,1)"}},
        {"verify refused by the gate: place again", in(State::CaptureFingers, verifyPhase), ev::FingerVerified{0, false, FingerHint::PressFirmly}, State::CaptureFingers, {"VerifyFinger(0,0,1)"}, {"EnrolFinger(0,1)"}},
        {"verify no match, last presentation: enrol again", in(State::CaptureFingers, lastVerify), ev::FingerVerified{0, false, FingerHint::Centre}, State::CaptureFingers, {"EnrolFinger(0,1)"}, {"VerifyFinger(0,0,4)"}},
        {"verify no match, last presentation, last round", in(State::CaptureFingers, lastVerifyLastTry), ev::FingerVerified{0, false, FingerHint::Moisten}, State::Refused, {"Discard", "Show(refused)"}, {"EnrolFinger(0,3)"}, std::nullopt, {"reg.finger_quality"}},
        {"verify after a later presentation matches", in(State::CaptureFingers, lastVerify), ev::FingerVerified{0, true, FingerHint::None}, State::CaptureFingers, {"EnrolFinger(1,0)"}, {}},
        {"verify timeout: enrol again", in(State::CaptureFingers, verifyPhase), ev::Timeout{7}, State::CaptureFingers, {"EnrolFinger(0,1)"}, {}},
        {"late verify result while enrolling ignored", in(State::CaptureFingers), ev::FingerVerified{0, true, FingerHint::None}, State::CaptureFingers, {}, {"EnrolFinger(1,0)", "VerifyFinger(0,0,0)"}},
        {"quality low: again with guidance", in(State::CaptureFingers), ev::FingerQualityLow{0, FingerHint::Moisten}, State::CaptureFingers, {"EnrolFinger(0,1)"}, {}},
        {"quality never reached", in(State::CaptureFingers, lastFingerTry), ev::FingerQualityLow{0, FingerHint::CleanSensor}, State::Refused, {"Discard", "Show(refused)"}, {}, std::nullopt, {"reg.finger_quality"}},
        {"finger timeout", in(State::CaptureFingers), ev::Timeout{7}, State::CaptureFingers, {"EnrolFinger(0,1)"}, {}},
        {"finger timeout, last try", in(State::CaptureFingers, lastFingerTry), ev::Timeout{7}, State::Refused, {"Discard"}, {}, std::nullopt, {"reg.finger_quality"}},
        {"fingerprint reader lost", in(State::CaptureFingers), ev::DeviceFault{"fingerprint", "device.lost"}, State::OutOfService, {"Discard", "Record(fault)"}, {}, Outcome::Fault},
        // CaptureFace
        {"face captured", in(State::CaptureFace), ev::FaceCaptured{}, State::Confirm, {"Show(confirm)"}, {}},
        {"face quality low", in(State::CaptureFace), ev::FaceQualityLow{FaceHint::LookAtCamera}, State::CaptureFace, {"CaptureFace(1)"}, {}},
        {"liveness failed", in(State::CaptureFace), ev::FaceQualityLow{FaceHint::Blink, true}, State::CaptureFace, {"CaptureFace(1)"}, {}},
        {"face quality never reached", in(State::CaptureFace, lastFaceTry), ev::FaceQualityLow{FaceHint::MoreLight}, State::Refused, {"Discard"}, {}, std::nullopt, {"reg.face_quality"}},
        {"liveness never passed", in(State::CaptureFace, lastFaceTry), ev::FaceQualityLow{FaceHint::Blink, true}, State::Refused, {"Discard"}, {}, std::nullopt, {"reg.face_liveness"}},
        {"face timeout", in(State::CaptureFace), ev::Timeout{7}, State::CaptureFace, {"CaptureFace(1)"}, {}},
        {"camera lost", in(State::CaptureFace), ev::DeviceFault{"camera", "device.lost"}, State::OutOfService, {"Discard", "AlertStaff(device.lost)", "Record(fault)"}, {"Commit"}, Outcome::Fault},
        // Confirm
        {"confirmed", in(State::Confirm), ev::Confirmed{}, State::Commit, {"Show(saving)", "Commit"}, {}},
        {"cancel at confirm", in(State::Confirm), ev::CancelPressed{}, State::ChooseLanguage, {"Discard", "Record(abandoned)"}, {"Commit"}, Outcome::Abandoned},
        {"confirm timeout warns", in(State::Confirm), ev::Timeout{7}, State::Confirm, {"Show(timeout_warning)"}, {"Commit"}},
        {"confirm second timeout", in(State::Confirm, warned), ev::Timeout{7}, State::ChooseLanguage, {"Discard"}, {"Commit"}, Outcome::Abandoned},
        // Commit
        {"committed", in(State::Commit), ev::Committed{"R-XYZ", 1800000000}, State::Receipt, {"Discard", "PrintReceipt"}, {}},
        {"commit failed", in(State::Commit), ev::CommitFailed{"store.io"}, State::OutOfService, {"Discard", "AlertStaff(store.io)"}, {}, Outcome::Fault},
        {"commit timeout", in(State::Commit), ev::Timeout{7}, State::OutOfService, {"Discard"}, {}, Outcome::Fault},
        {"cancel during commit ignored", in(State::Commit), ev::CancelPressed{}, State::Commit, {}, {"Discard"}},
        // Receipt
        {"printed", in(State::Receipt), ev::Printed{}, State::Receipt, {"Show(receipt)"}, {}},
        {"printed, resident done", in(State::Receipt, printed), ev::Timeout{7}, State::ChooseLanguage, {"Record(enrolled)"}, {}, Outcome::Enrolled},
        {"printer out of paper after commit", in(State::Receipt), ev::PrinterFault{"device.out_of_paper"}, State::Receipt, {"AlertStaff(device.out_of_paper)", "Show(receipt_printer_fault)"}, {"Discard"}},
        {"printer lost after commit keeps the enrolment", in(State::Receipt), ev::DeviceFault{"printer", "device.lost"}, State::Receipt, {"AlertStaff(device.lost)"}, {}},
        {"reprint", in(State::Receipt, faulted), ev::ReprintPressed{}, State::Receipt, {"PrintReceipt"}, {}},
        {"reprint without a fault ignored", in(State::Receipt, printed), ev::ReprintPressed{}, State::Receipt, {}, {"PrintReceipt"}},
        {"receipt never printed: enrolment kept", in(State::Receipt, faulted), ev::Timeout{7}, State::ChooseLanguage, {"Record(enrolled)"}, {"Discard"}, Outcome::Enrolled},
        {"camera lost at the receipt", in(State::Receipt), ev::DeviceFault{"camera", "device.lost"}, State::OutOfService, {"AlertStaff(device.lost)"}, {}, Outcome::Fault},
        // Refused
        {"refused, card taken", in(State::Refused, refusedCardIn), ev::CardRemoved{}, State::Refused, {}, {}},
        {"refused, card left", in(State::Refused, refusedCardIn), ev::Timeout{7}, State::Refused, {"CardAlarm(on)", "AlertStaff(reg.card_left_in_reader)"}, {}},
        {"refused, shown long enough", in(State::Refused, refusedCardOut), ev::Timeout{7}, State::ChooseLanguage, {"Record(refused)"}, {}, Outcome::Refused},
        {"refused, resident done", in(State::Refused, refusedCardOut), ev::Confirmed{}, State::ChooseLanguage, {"Record(refused)"}, {}, Outcome::Refused},
        {"refused, done but card in", in(State::Refused, refusedCardIn), ev::Confirmed{}, State::Refused, {}, {"Record(refused)"}},
        // OutOfService
        {"back in service", in(State::OutOfService), ev::DevicesReady{}, State::ChooseLanguage, {"CheckDevices"}, {}},
        {"recheck", in(State::OutOfService), ev::Timeout{7}, State::OutOfService, {"CheckDevices"}, {}},
        {"staff hold keeps it", in(State::OutOfService, staff), ev::DevicesReady{}, State::OutOfService, {}, {}},
        {"staff out of service", in(State::Terms), ev::StaffSetInService{false}, State::OutOfService, {"Discard"}, {}, Outcome::Fault},
        {"staff back in service", in(State::OutOfService, staff), ev::StaffSetInService{true}, State::OutOfService, {"CheckDevices"}, {}},
        {"fault while out of service ignored", in(State::OutOfService), ev::DeviceFault{"camera", "device.lost"}, State::OutOfService, {}, {"AlertStaff(device.lost)"}},
    };
}

class Transition : public ::testing::TestWithParam<Row> {};

TEST_P(Transition, Row) {
    const Row& r = GetParam();
    const auto res = step(r.from, r.event, cfg());
    EXPECT_EQ(toString(res.next.state), std::string(toString(r.to))) << r.name;
    for (auto& c : r.mustRun) EXPECT_TRUE(has(res.commands, c)) << r.name << ": missing " << c;
    for (auto& c : r.mustNotRun) EXPECT_FALSE(has(res.commands, c)) << r.name << ": unexpected " << c;
    EXPECT_EQ(res.next.finished.has_value(), r.finished.has_value()) << r.name;
    if (r.finished && res.next.finished) { EXPECT_EQ(*res.next.finished, *r.finished) << r.name; }
    if (!r.reasons.empty()) { EXPECT_EQ(res.next.reasons, r.reasons) << r.name; }
    // A state change always arms a timer; staying without re-arming arms none.
    if (res.next.epoch != r.from.epoch) { EXPECT_GT(res.timeout.count(), 0) << r.name; }
}

INSTANTIATE_TEST_SUITE_P(Registration, Transition, ::testing::ValuesIn(rows()), [](const auto& info) {
    std::string n = info.param.name;
    for (auto& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
});

TEST(RegistrationMachine, EveryStateHasATimeout) {
    for (State st : allStates()) {
        const auto r = enter(in(st), st, cfg());
        EXPECT_GT(r.timeout.count(), 0) << toString(st);
        // The timeout of the state does something (never a silent stall).
        const auto t = step(r.next, ev::Timeout{r.next.epoch}, cfg());
        EXPECT_NE(t.next.epoch, r.next.epoch) << toString(st) << ": a timeout must re-arm or move on";
    }
}

TEST(RegistrationMachine, EveryStateFailsSafeOnADeviceFault) {
    for (State st : allStates()) {
        if (st == State::OutOfService) continue;
        const auto r = step(in(st), ev::DeviceFault{"camera", "device.lost"}, cfg());
        EXPECT_EQ(r.next.state, State::OutOfService) << toString(st);
        EXPECT_TRUE(has(r.commands, "Discard")) << toString(st) << ": the resident's data must be dropped";
        EXPECT_TRUE(has(r.commands, "Show(out_of_service)")) << toString(st) << ": the resident is told";
        EXPECT_FALSE(has(r.commands, "Commit")) << toString(st);
    }
}

TEST(RegistrationMachine, EveryCommitPrecedingStateNeverCommitsOnAnyEvent) {
    // Only Confirm -> Commit issues the Commit command: no other (state, event) pair does.
    const std::vector<Event> events = {ev::DevicesReady{}, ev::LanguageChosen{Language::En}, ev::CardRead{},
                                       ev::EligibilityPassed{}, ev::TermsAccepted{}, ev::CardRemoved{},
                                       ev::FingerVerified{1, true, FingerHint::None}, ev::FaceCaptured{},
                                       ev::Timeout{7}, ev::ContinuePressed{}, ev::ReprintPressed{}};
    for (State st : allStates())
        for (const auto& e : events) {
            const auto r = step(in(st), e, cfg());
            if (st != State::Confirm) { EXPECT_FALSE(has(r.commands, "Commit")) << toString(st) << " " << describe(e); }
        }
}

TEST(RegistrationMachine, AFullSessionWalksEveryStepInOrder) {
    RegistrationConfig c = cfg();
    auto r = enter(RegistrationState{}, State::ChooseLanguage, c);
    std::vector<State> seen{r.next.state};
    auto go = [&](Event e) {
        r = step(r.next, e, c);
        if (seen.back() != r.next.state) seen.push_back(r.next.state);
    };
    go(ev::LanguageChosen{Language::ZhHant});
    go(ev::CardRead{});
    go(ev::EligibilityPassed{});
    go(ev::TermsScrolled{true});
    go(ev::TermsAccepted{});
    go(ev::CardRemoved{});
    for (int f = 0; f < c.fingers; ++f) {
        go(ev::FingerImpression{f, 5, 5, FingerHint::None});
        go(ev::FingerEnrolled{f});
        go(ev::FingerVerified{f, true, FingerHint::None});
    }
    go(ev::FaceCaptured{});
    go(ev::Confirmed{});
    go(ev::Committed{"R-1", 100});
    EXPECT_TRUE(has(r.commands, "PrintReceipt"));
    EXPECT_EQ(r.next.language, Language::ZhHant);
    go(ev::Printed{});
    go(ev::Timeout{r.next.epoch});
    EXPECT_EQ(r.next.finished, Outcome::Enrolled);
    const std::vector<State> want = {State::ChooseLanguage, State::InsertCard, State::CheckEligibility, State::Terms,
                                     State::TakeCardBack, State::CaptureFingers, State::CaptureFace, State::Confirm,
                                     State::Commit, State::Receipt, State::ChooseLanguage};
    ASSERT_EQ(seen.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(toString(seen[i]), std::string(toString(want[i])));
    EXPECT_TRUE(r.next.reference.empty()) << "a new session starts clean";
}

}  // namespace
}  // namespace kiosk::registration
