// The registration machine's states through registration_ui_bridge: the real machine
// (kiosk/registration/registration_machine.h) is stepped through a resident's session and
// every state must show the screen, finger, guidance and reference it stands for; every
// key the bridge hands the UI exists in the strings table; touches become the machine's
// events. Built only when kiosk/ is (KIOSK_HAVE_REGISTRATION_UI).
#ifdef KIOSK_HAVE_REGISTRATION_UI
#include <gtest/gtest.h>

#include "kiosk/registration/registration_ui_bridge.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/strings.h"

namespace kiosk::registration {
namespace {

using S = ui::RegistrationScreen;

ui::StringTable table() {
    auto t = ui::StringTable::load(ui::testing::sourceDir() / "assets" / "strings" / "strings.json");
    EXPECT_TRUE(t.ok());
    return t.ok() ? std::move(t).value() : ui::StringTable{};
}

ui::UiEvent uiEvent(ui::UiEventType type, ui::Language l = ui::Language::ZhHant) {
    ui::UiEvent e;
    e.type = type;
    e.language = l;
    return e;
}

ui::UiEvent action(ui::RegistrationAction a) {
    ui::UiEvent e;
    e.type = ui::UiEventType::Registration;
    e.registrationAction = a;
    return e;
}

RegistrationUiContext context() {
    RegistrationUiContext c;
    c.fingers = {"right_thumb", "left_index"};
    c.offices = {{"Office A", "1 Main Road", "Mon-Fri 09:00-17:00"}, {"Office B", "2 Side Street", "Sat 09:00-12:00"}};
    c.laneDelayMinutes = 180;
    c.utcOffsetMinutes = 480;
    return c;
}

// Steps the real machine; the view of each state along the way.
struct Session {
    RegistrationConfig cfg;
    RegistrationState s;
    void on(const Event& e) { s = step(s, e, cfg).next; }
    ui::ViewModel view(std::optional<int> left = std::nullopt) const { return registrationViewModel(s, context(), left); }
    ui::RegistrationScreen screen() const { return view().registration->screen; }
};

TEST(RegistrationUiBridge, AResidentsSessionScreenByScreen) {
    Session m;
    m.s = enter(RegistrationState{}, State::ChooseLanguage, m.cfg).next;
    EXPECT_EQ(m.screen(), S::ChooseLanguage);
    m.on(ev::LanguageChosen{Language::Pt});
    EXPECT_EQ(m.screen(), S::InsertCard);
    EXPECT_EQ(m.view().language, ui::Language::Pt);
    m.on(ev::CardRead{});
    EXPECT_EQ(m.screen(), S::Checking);
    m.on(ev::EligibilityPassed{true});
    ASSERT_EQ(m.screen(), S::Terms);
    EXPECT_FALSE(m.view().registration->termsAcceptEnabled);
    EXPECT_TRUE(m.view().registration->reenrolment);
    // the terms read to the end (the UI's TermsReadToEnd) enables Accept
    auto scrolled = eventForUi(action(ui::RegistrationAction::TermsReadToEnd),
                               m.s);
    ASSERT_TRUE(scrolled.has_value());
    m.on(*scrolled);
    EXPECT_TRUE(m.view().registration->termsAcceptEnabled);
    m.on(ev::TermsAccepted{});
    ASSERT_EQ(m.screen(), S::TakeCard);
    EXPECT_FALSE(m.view().registration->cardAlarm);
    m.on(ev::CardRemoved{});
    ASSERT_EQ(m.screen(), S::Finger);
    auto f = *m.view().registration;
    EXPECT_EQ(f.fingerName, "right_thumb");
    EXPECT_EQ(f.fingerNumber, 1);
    EXPECT_EQ(f.fingerCount, 2);
    EXPECT_EQ(f.fingerPhase, ui::FingerPhase::Enrol);
    EXPECT_EQ(f.impression, 0);
    EXPECT_EQ(f.impressions, 5);
    m.on(ev::FingerImpression{0, 2, 5, FingerHint::Moisten});
    EXPECT_EQ(m.view().registration->impression, 2);
    EXPECT_EQ(m.view().guidanceKey, "reg.finger.moisten");
    m.on(ev::FingerEnrolled{0});
    EXPECT_EQ(m.view().registration->fingerPhase, ui::FingerPhase::Verify);
    m.on(ev::FingerVerified{0, true, FingerHint::None});
    f = *m.view().registration;
    EXPECT_EQ(f.fingerName, "left_index");
    EXPECT_EQ(f.fingerNumber, 2);
    EXPECT_EQ(f.fingerPhase, ui::FingerPhase::Enrol);
    m.on(ev::FingerEnrolled{1});
    m.on(ev::FingerVerified{1, true, FingerHint::None});
    ASSERT_EQ(m.screen(), S::Face);
    m.on(ev::FaceQualityLow{FaceHint::Blink, true});
    if (m.s.state == State::CaptureFace) {
        EXPECT_TRUE(m.view().registration->livenessPrompt);
        EXPECT_EQ(m.view().guidanceKey, "reg.face.blink");
    }
    m.on(ev::FaceCaptured{});
    ASSERT_EQ(m.screen(), S::Confirm);
    EXPECT_EQ(m.view().registration->laneDelayMinutes, 180);
    m.on(ev::Confirmed{});
    EXPECT_EQ(m.screen(), S::Committing);
    // 2026-12-01 07:42 UTC = 15:42 in Hong Kong and Macau
    m.on(ev::Committed{"R-7F3K92QD", 1796110920});
    ASSERT_EQ(m.screen(), S::Receipt);
    auto r = *m.view().registration;
    EXPECT_EQ(r.reference, "R-7F3K92QD");
    EXPECT_EQ(r.usableFrom, "2026-12-01 15:42");
    EXPECT_EQ(r.printer, ui::ReceiptPrinter::Printing);
    EXPECT_FALSE(r.reprintOffered);
    m.on(ev::PrinterFault{"printer.out_of_paper"});
    r = *m.view().registration;
    EXPECT_EQ(m.screen(), S::Receipt);
    EXPECT_EQ(r.printer, ui::ReceiptPrinter::OutOfPaper);
    EXPECT_TRUE(r.reprintOffered);
    auto reprint = eventForUi(action(ui::RegistrationAction::Reprint),
                              m.s);
    ASSERT_TRUE(reprint.has_value());
    EXPECT_TRUE(std::holds_alternative<ev::ReprintPressed>(*reprint));
    m.on(*reprint);
    m.on(ev::Printed{});
    EXPECT_EQ(m.view().registration->printer, ui::ReceiptPrinter::Printed);
}

TEST(RegistrationUiBridge, RefusalsShowTheirKindAndTheOfficesOnlyForUnder18) {
    for (auto [code, kind] : {std::pair{"reg.under_18", ui::RefusalKind::Under18},
                              {"reg.not_permanent_resident", ui::RefusalKind::NotPermanentResident},
                              {"reg.document_expired", ui::RefusalKind::DocumentExpired}}) {
        Session m;
        m.s = enter(RegistrationState{}, State::ChooseLanguage, m.cfg).next;
        m.on(ev::LanguageChosen{Language::En});
        m.on(ev::CardRead{});
        m.on(ev::EligibilityRefused{{code}});
        ASSERT_EQ(m.screen(), S::Refused) << code;
        auto r = *m.view().registration;
        EXPECT_EQ(r.refusal, kind) << code;
        EXPECT_EQ(r.offices.size(), kind == ui::RefusalKind::Under18 ? 2u : 0u) << code;
    }
    EXPECT_EQ(refusalFor({"reg.finger_quality"}), ui::RefusalKind::FingerQuality);
    EXPECT_EQ(refusalFor({"reg.face_quality"}), ui::RefusalKind::FaceQuality);
    EXPECT_EQ(refusalFor({"reg.face_liveness"}), ui::RefusalKind::FaceLiveness);
    EXPECT_EQ(refusalFor({"something.else", "reg.document_expired"}), ui::RefusalKind::DocumentExpired);
    EXPECT_EQ(refusalFor({"device.lost"}), ui::RefusalKind::Other);
    EXPECT_EQ(refusalFor({}), ui::RefusalKind::Other);
}

TEST(RegistrationUiBridge, CardLeftAlarmCancelAndTimeoutWarning) {
    RegistrationState s;
    s.state = State::TakeCardBack;
    s.inSession = true;
    s.cardInReader = true;
    auto v = registrationViewModel(s, context());
    EXPECT_EQ(v.registration->screen, S::TakeCard);
    s.cardAlarm = true;
    v = registrationViewModel(s, context());
    EXPECT_EQ(v.registration->screen, S::TakeCard);
    EXPECT_TRUE(v.registration->cardAlarm);
    s.cardAlarm = false;
    s.cancelled = true;
    EXPECT_EQ(registrationViewModel(s, context()).registration->screen, S::Cancelled);

    RegistrationState t;
    t.state = State::Confirm;
    t.inSession = true;
    t.timeoutWarned = true;
    v = registrationViewModel(t, context(), 13);
    EXPECT_EQ(v.registration->screen, S::TimeoutWarning);
    ASSERT_TRUE(v.timeoutSecondsLeft.has_value());
    EXPECT_EQ(*v.timeoutSecondsLeft, 13);
    EXPECT_EQ(*registrationViewModel(t, context(), 12).timeoutSecondsLeft, 12);  // the live countdown
    auto cont = eventForUi(uiEvent(ui::UiEventType::ContinuePressed), t);
    ASSERT_TRUE(cont.has_value());
    EXPECT_TRUE(std::holds_alternative<ev::ContinuePressed>(*cont));

    RegistrationState o;
    o.state = State::OutOfService;
    EXPECT_EQ(registrationViewModel(o, context()).registration->screen, S::OutOfService);
    o.state = State::Commit;
    EXPECT_EQ(registrationViewModel(o, context()).registration->screen, S::Committing);
}

TEST(RegistrationUiBridge, EveryStateHasAScreenAndEveryKeyExists) {
    auto t = table();
    for (State st : allStates()) {
        RegistrationState s;
        s.state = st;
        auto v = registrationViewModel(s, context());
        ASSERT_TRUE(v.registration.has_value()) << toString(st);
        std::string base = std::string("reg.") + ui::registrationScreenName(v.registration->screen);
        EXPECT_TRUE(t.has(base + ".title")) << base;
    }
    for (FingerHint h : {FingerHint::PressFirmly, FingerHint::Moisten, FingerHint::CleanSensor, FingerHint::Centre,
                         FingerHint::LiftAndPlaceAgain})
        EXPECT_TRUE(t.has(fingerGuidanceKey(h))) << toString(h);
    EXPECT_EQ(fingerGuidanceKey(FingerHint::None), "");
    for (FaceHint h : {FaceHint::NoFace, FaceHint::OneFaceOnly, FaceHint::LookAtCamera, FaceHint::OpenEyes,
                       FaceHint::ComeCloser, FaceHint::MoveBack, FaceHint::MoreLight, FaceHint::LessLight,
                       FaceHint::HoldStill, FaceHint::Blink})
        EXPECT_TRUE(t.has(faceGuidanceKey(h))) << toString(h);
    for (const auto& f : ui::knownFingerNames()) EXPECT_TRUE(t.has("reg.finger_name." + f)) << f;
    for (auto k : {ui::RefusalKind::Under18, ui::RefusalKind::NotPermanentResident, ui::RefusalKind::DocumentExpired,
                   ui::RefusalKind::FingerQuality, ui::RefusalKind::FaceQuality, ui::RefusalKind::FaceLiveness,
                   ui::RefusalKind::CardUnreadable, ui::RefusalKind::Other}) {
        std::string key = std::string("reg.refusal.") + ui::refusalName(k);
        EXPECT_TRUE(t.has(key) && t.has(key + ".next")) << key;
    }
}

TEST(RegistrationUiBridge, TouchesBecomeMachineEvents) {
    RegistrationState choose;
    auto lang = eventForUi(uiEvent(ui::UiEventType::LanguageSelected, ui::Language::En), choose);
    ASSERT_TRUE(lang.has_value());
    ASSERT_TRUE(std::holds_alternative<ev::LanguageChosen>(*lang));
    EXPECT_EQ(std::get<ev::LanguageChosen>(*lang).language, Language::En);
    RegistrationState mid;
    mid.state = State::Terms;
    EXPECT_FALSE(eventForUi(uiEvent(ui::UiEventType::LanguageSelected, ui::Language::En), mid).has_value());
    EXPECT_FALSE(eventForUi(uiEvent(ui::UiEventType::VoiceToggled), mid).has_value());
    EXPECT_FALSE(eventForUi(uiEvent(ui::UiEventType::OfficerRequested), mid).has_value());
    auto act = [&](ui::RegistrationAction a) {
        return eventForUi(action(a), mid);
    };
    EXPECT_TRUE(std::holds_alternative<ev::TermsAccepted>(*act(ui::RegistrationAction::Accept)));
    EXPECT_TRUE(std::holds_alternative<ev::TermsDeclined>(*act(ui::RegistrationAction::Decline)));
    EXPECT_TRUE(std::holds_alternative<ev::Confirmed>(*act(ui::RegistrationAction::Confirm)));
    EXPECT_TRUE(std::holds_alternative<ev::CancelPressed>(*act(ui::RegistrationAction::Cancel)));
    EXPECT_TRUE(std::holds_alternative<ev::Confirmed>(*act(ui::RegistrationAction::Done)));
    auto scrolled = act(ui::RegistrationAction::TermsReadToEnd);
    ASSERT_TRUE(std::holds_alternative<ev::TermsScrolled>(*scrolled));
    EXPECT_TRUE(std::get<ev::TermsScrolled>(*scrolled).atEnd);
    EXPECT_FALSE(act(ui::RegistrationAction::None).has_value());
}

TEST(RegistrationUiBridge, LocalTimeOfTheReceipt) {
    EXPECT_EQ(formatLocalTime(0, 0), "1970-01-01 00:00");
    EXPECT_EQ(formatLocalTime(0, 480), "1970-01-01 08:00");
    EXPECT_EQ(formatLocalTime(1796110920, 0), "2026-12-01 07:42");
    EXPECT_EQ(formatLocalTime(1796110920 + 16 * 3600 + 18 * 60, 480), "2026-12-02 08:00");  // across midnight
}

// Every machine state's view renders in every language (no missing strings shown as keys
// is checked by the key test above; this one catches drawing failures).
TEST(RegistrationUiBridge, EveryStatesViewRenders) {
    ui::WindowOptions o;
    o.mode = ui::DisplayMode::Offscreen;
    o.width = 960;
    o.height = 540;
    o.voice = ui::VoiceMode::Off;
    o.assetsDir = ui::testing::sourceDir() / "assets";
    auto app = ui::App::create(o);
    ASSERT_TRUE(app.ok());
    for (State st : allStates())
        for (Language l : {Language::ZhHant, Language::En, Language::Pt}) {
            RegistrationState s;
            s.state = st;
            s.language = l;
            s.reasons = {"reg.under_18"};
            EXPECT_TRUE((*app)->render(registrationViewModel(s, context())).ok()) << toString(st);
        }
}

}  // namespace
}  // namespace kiosk::registration
#endif
