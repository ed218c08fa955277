#include "kiosk/registration/registration_ui_bridge.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "ui/app.h"
#include "ui/ui_config.h"

namespace kiosk::registration {

ui::Language uiLanguage(Language l) {
    switch (l) {
        case Language::ZhHant: return ui::Language::ZhHant;
        case Language::En: return ui::Language::En;
        case Language::Pt: return ui::Language::Pt;
    }
    return ui::Language::ZhHant;
}

Language machineLanguage(ui::Language l) {
    switch (l) {
        case ui::Language::ZhHant: return Language::ZhHant;
        case ui::Language::En: return Language::En;
        case ui::Language::Pt: return Language::Pt;
    }
    return Language::ZhHant;
}

ui::RefusalKind refusalFor(const std::vector<std::string>& reasons) {
    using K = ui::RefusalKind;
    static const std::pair<const char*, K> known[] = {
        {"reg.under_18", K::Under18},           {"reg.not_permanent_resident", K::NotPermanentResident},
        {"reg.document_expired", K::DocumentExpired}, {"reg.finger_quality", K::FingerQuality},
        {"reg.face_quality", K::FaceQuality},   {"reg.face_liveness", K::FaceLiveness},
        {"reg.card_unreadable", K::CardUnreadable},
    };
    for (const auto& r : reasons)
        for (const auto& [code, kind] : known)
            if (r == code) return kind;
    return K::Other;
}

std::string fingerGuidanceKey(FingerHint h) {
    if (h == FingerHint::None) return "";
    return std::string("reg.finger.") + toString(h);
}

std::string faceGuidanceKey(FaceHint h) {
    switch (h) {
        case FaceHint::None: return "";
        case FaceHint::LookAtCamera: return "reg.face.look_straight";
        default: return std::string("reg.face.") + toString(h);
    }
}

std::string formatLocalTime(int64_t unixSeconds, int utcOffsetMinutes) {
    std::time_t t = static_cast<std::time_t>(unixSeconds + int64_t(utcOffsetMinutes) * 60);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

ui::ViewModel registrationViewModel(const RegistrationState& s, const RegistrationUiContext& ctx,
                                    std::optional<int> timeoutSecondsLeft) {
    using S = ui::RegistrationScreen;
    ui::ViewModel vm;
    vm.language = uiLanguage(s.language);
    vm.laneId = ctx.deviceId;
    ui::RegistrationView r;
    r.reenrolment = s.reenrolment;
    r.laneDelayMinutes = ctx.laneDelayMinutes;
    r.fingerCount = std::max<int>(1, static_cast<int>(ctx.fingers.size()));
    switch (s.state) {
        case State::ChooseLanguage: r.screen = S::ChooseLanguage; break;
        case State::InsertCard: r.screen = S::InsertCard; break;
        case State::CheckEligibility: r.screen = S::Checking; break;
        case State::Terms:
            r.screen = S::Terms;
            r.termsAcceptEnabled = s.termsRead;
            break;
        case State::TakeCardBack:
            // after a cancel the card comes back before anything else: say that nothing was kept
            r.screen = s.cancelled && !s.cardAlarm ? S::Cancelled : S::TakeCard;
            r.cardAlarm = s.cardAlarm;
            break;
        case State::CaptureFingers:
            r.screen = S::Finger;
            if (s.finger >= 0 && s.finger < static_cast<int>(ctx.fingers.size())) r.fingerName = ctx.fingers[s.finger];
            r.fingerNumber = s.finger + 1;
            r.fingerPhase = s.fingerPhase == FingerPhase::Verify ? ui::FingerPhase::Verify : ui::FingerPhase::Enrol;
            r.impressions = s.impressionStages > 0 ? s.impressionStages : ctx.impressionsPerFinger;
            r.impression = std::clamp(s.impressionStage, 0, r.impressions);
            vm.guidanceKey = fingerGuidanceKey(s.fingerHint);
            break;
        case State::CaptureFace:
            r.screen = S::Face;
            r.livenessPrompt = s.faceHint == FaceHint::Blink;
            vm.guidanceKey = faceGuidanceKey(s.faceHint);
            break;
        case State::Confirm: r.screen = S::Confirm; break;
        case State::Commit: r.screen = S::Committing; break;
        case State::Receipt:
            r.screen = S::Receipt;
            r.reference = s.reference;
            r.usableFrom = s.usableFrom > 0 ? formatLocalTime(s.usableFrom, ctx.utcOffsetMinutes) : "";
            if (s.printerFault) {
                r.printer = s.printerFaultCode == "printer.out_of_paper" || s.printerFaultCode == "device.out_of_paper"
                                ? ui::ReceiptPrinter::OutOfPaper
                                : ui::ReceiptPrinter::Fault;
                r.reprintOffered = true;
            } else {
                r.printer = s.printed ? ui::ReceiptPrinter::Printed : ui::ReceiptPrinter::Printing;
            }
            break;
        case State::Refused:
            r.screen = S::Refused;
            r.refusal = refusalFor(s.reasons);
            if (r.refusal == ui::RefusalKind::Under18)
                for (const auto& o : ctx.offices) r.offices.push_back({o.name, o.address, o.hours});
            break;
        case State::OutOfService: r.screen = S::OutOfService; break;
    }
    if (s.timeoutWarned && r.screen != S::OutOfService) {
        r.screen = S::TimeoutWarning;
        vm.guidanceKey.clear();
        vm.timeoutSecondsLeft = std::max(0, timeoutSecondsLeft.value_or(20));
    }
    vm.officer.laneInService = s.state != State::OutOfService;
    vm.registration = std::move(r);
    return vm;
}

std::optional<Event> eventForUi(const ui::UiEvent& e, const RegistrationState& s) {
    switch (e.type) {
        case ui::UiEventType::LanguageSelected:
            if (s.state == State::ChooseLanguage) return ev::LanguageChosen{machineLanguage(e.language)};
            return std::nullopt;
        case ui::UiEventType::ContinuePressed: return ev::ContinuePressed{};
        case ui::UiEventType::Registration:
            switch (e.registrationAction) {
                case ui::RegistrationAction::TermsReadToEnd: return ev::TermsScrolled{true};
                case ui::RegistrationAction::Accept: return ev::TermsAccepted{};
                case ui::RegistrationAction::Decline: return ev::TermsDeclined{};
                case ui::RegistrationAction::Confirm: return ev::Confirmed{};
                case ui::RegistrationAction::Cancel: return ev::CancelPressed{};
                case ui::RegistrationAction::Reprint: return ev::ReprintPressed{};
                // "done" on the receipt or the refusal: the machine finishes as on its timeout
                case ui::RegistrationAction::Done: return ev::Confirmed{};
                case ui::RegistrationAction::None: return std::nullopt;
            }
            return std::nullopt;
        default: return std::nullopt;
    }
}

core::Result<std::unique_ptr<RegistrationUiBridge>> RegistrationUiBridge::create(const core::ConfigView& uiConfig,
                                                                                 bool windowed,
                                                                                 std::filesystem::path screenshots,
                                                                                 RegistrationUiContext context,
                                                                                 core::Millis timeoutWarning) {
    KIOSK_ASSIGN_OR_RETURN(ui::WindowOptions wo, ui::windowOptionsFromConfig(uiConfig));
    if (windowed) wo.mode = ui::DisplayMode::Windowed;
    auto app = ui::App::create(wo);
    if (!app.ok()) return app.error();
    std::unique_ptr<RegistrationUiBridge> b(new RegistrationUiBridge());
    b->app_ = std::move(*app);
    b->screenshots_ = std::move(screenshots);
    b->ctx_ = std::move(context);
    b->warning_ = timeoutWarning;
    b->voiceDefault_ = wo.voice == ui::VoiceMode::Espeak;  // "ui.voice": each resident starts with it
    b->voice_ = b->voiceDefault_;
    if (!b->screenshots_.empty()) std::filesystem::create_directories(b->screenshots_);
    return b;
}

RegistrationUiBridge::~RegistrationUiBridge() = default;

void RegistrationUiBridge::setFaceFrame(const devices::Frame& frame) {
    ui::CameraPreview p;
    p.width = frame.image.width;
    p.height = frame.image.height;
    p.format = frame.image.format == devices::PixelFormat::Gray8 ? ui::PreviewFormat::Gray8 : ui::PreviewFormat::Bgr8;
    p.pixels = frame.image.pixels;
    p.sequence = frame.sequence + 1;  // 0 means "unnumbered" to the UI
    const int side = std::min(p.width, p.height) * 3 / 5;
    p.guideBox = ui::Box{(p.width - side) / 2, (p.height - side) / 2, side, side};
    std::lock_guard<std::mutex> lock(previewMu_);
    preview_ = std::move(p);
}

ui::ViewModel RegistrationUiBridge::viewFor(const RegistrationState& s) {
    // the countdown runs from the moment the warning was first shown for this state entry
    if (s.timeoutWarned && (!shownWarned_ || s.epoch != shownEpoch_)) warnedAt_ = std::chrono::steady_clock::now();
    shownWarned_ = s.timeoutWarned;
    shownEpoch_ = s.epoch;
    std::optional<int> left;
    if (s.timeoutWarned) {
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - warnedAt_);
        left = static_cast<int>((warning_.count() - spent.count() + 999) / 1000);
    }
    auto vm = registrationViewModel(s, ctx_, left);
    if (s.state == State::ChooseLanguage) displayLanguage_.reset();  // a new resident starts in the default
    // ... and with the configured voice (on entering only: a switch pressed here holds)
    if (s.state == State::ChooseLanguage && !choosingLanguage_) voice_ = voiceDefault_;
    choosingLanguage_ = s.state == State::ChooseLanguage;
    if (displayLanguage_) vm.language = *displayLanguage_;
    vm.voiceEnabled = voice_;
    std::lock_guard<std::mutex> lock(previewMu_);
    if (s.state == State::CaptureFace && preview_) {
        vm.preview = *preview_;
        vm.preview->faceOk = s.faceHint == FaceHint::None || s.faceHint == FaceHint::Blink;
    }
    if (s.state != State::CaptureFace) preview_.reset();
    return vm;
}

void RegistrationUiBridge::tick(const RegistrationState& s) {
    for (const auto& e : app_->pollEvents()) {
        if (e.type == ui::UiEventType::Quit) quit_ = true;
        if (e.type == ui::UiEventType::VoiceToggled) voice_ = !voice_;
        if (e.type == ui::UiEventType::LanguageSelected && s.state != State::ChooseLanguage) displayLanguage_ = e.language;
        if (auto ev = eventForUi(e, s); ev && post_) post_(*ev);
    }
    auto vm = viewFor(s);
    (void)app_->render(vm);  // a window skips frames identical to the last one
    if (!screenshots_.empty()) {
        std::string screen = ui::registrationScreenName(vm.registration->screen);
        if (screen != shownScreen_) {
            char name[96];
            std::snprintf(name, sizeof name, "%03d_%s.png", ++shot_, screen.c_str());
            (void)app_->screenshot(screenshots_ / name);
        }
        shownScreen_ = screen;
    }
}

}  // namespace kiosk::registration
