#include "kiosk/lane/ui_bridge.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "kiosk/lane/officer_session.h"
#include "policies/reasons.h"
#include "ui/app.h"
#include "ui/ui_config.h"

namespace kiosk::lane {

ui::CrossingStep crossingStepOf(State s) {
    switch (s) {
        case State::Idle:
        case State::ReadCredential:
        case State::VerifyCredential:
        case State::ReadHealthCode:
        case State::CheckEligibility: return ui::CrossingStep::Credential;
        case State::Door1Open:
        case State::AwaitEntry: return ui::CrossingStep::Enter;
        case State::CaptureFace: return ui::CrossingStep::Face;
        case State::CaptureFinger:
        case State::Decide: return ui::CrossingStep::Fingerprint;
        case State::Door2Open:
        case State::AwaitExit: return ui::CrossingStep::Exit;
        case State::Refused:
        case State::OutOfService:
        case State::Emergency: return ui::CrossingStep::None;
    }
    return ui::CrossingStep::None;
}

ui::ViewModel viewModelFor(const LaneState& s, ui::Language language, const LaneConfig& config) {
    ui::ViewModel vm;
    vm.language = language;
    vm.step = crossingStepOf(s.state);
    switch (s.state) {
        case State::Idle:
        case State::ReadCredential: vm.screen = ui::Screen::Welcome; break;
        case State::VerifyCredential:
        case State::ReadHealthCode:
        case State::CheckEligibility: vm.screen = ui::Screen::Reading; break;
        case State::Door1Open:
        case State::AwaitEntry: vm.screen = ui::Screen::DoorOpen; break;
        case State::CaptureFace:
            vm.screen = ui::Screen::FaceCapture;
            vm.attempt = s.faceAttempt + 1;
            vm.attempts = config.faceAttempts;
            break;
        case State::CaptureFinger:
            // The try counter is a retry, not a step of the crossing (the indicator is).
            vm.screen = ui::Screen::Fingerprint;
            vm.attempt = s.fingerAttempt + 1;
            vm.attempts = config.fingerAttempts;
            break;
        case State::Decide: vm.screen = ui::Screen::Processing; break;
        case State::Door2Open:
        case State::AwaitExit: vm.screen = ui::Screen::Proceed; break;
        case State::Refused: {
            vm.screen = ui::Screen::SeeOfficer;
            const auto& r = s.quiet || s.reasons.empty() ? policies::genericRefusal()
                                                         : *[&] {
                                                               auto* t = policies::reasonText(s.reasons.front());
                                                               return t ? t : &policies::genericRefusal();
                                                           }();
            vm.reasonText = ui::TextTriple{std::string(r.zhHant), std::string(r.en), std::string(r.pt)};
            break;
        }
        case State::OutOfService: vm.screen = ui::Screen::OutOfService; break;
        case State::Emergency: vm.screen = ui::Screen::Emergency; break;
    }
    if (s.timeoutWarned) {
        vm.screen = ui::Screen::TimeoutWarning;
        vm.timeoutSecondsLeft = static_cast<int>(config.timeoutWarning.count() / 1000);
    }
    vm.officer.laneInService = s.state != State::OutOfService && !s.officerOutOfService;
    return vm;
}

void applyStaffNotices(ui::ViewModel& vm, const StaffNotices& n) {
    vm.staffWarningEnrolmentsStale = n.enrolments != DataFreshness::Fresh;
    vm.staffWarningTrustStale = n.trustListDaysLeft.has_value();
    vm.trustListDaysLeft = n.trustListDaysLeft.value_or(0);
    vm.staffDeviceWarnings = n.devices;
}

void applyStaffNotices(ui::ViewModel& vm, DataFreshness enrolments) {
    StaffNotices n;
    n.enrolments = enrolments;
    n.trustListDaysLeft = vm.staffWarningTrustStale ? std::optional<int>(vm.trustListDaysLeft) : std::nullopt;
    n.devices = vm.staffDeviceWarnings;
    applyStaffNotices(vm, n);
}

UiBridge::UiBridge() : officer_(std::make_unique<OfficerSession>(&hooks_)) {}

core::Result<std::unique_ptr<UiBridge>> UiBridge::create(const core::ConfigView& uiConfig, bool windowed,
                                                         std::filesystem::path screenshots, std::string laneId) {
    KIOSK_ASSIGN_OR_RETURN(ui::WindowOptions wo, ui::windowOptionsFromConfig(uiConfig));
    if (windowed) wo.mode = ui::DisplayMode::Windowed;
    auto app = ui::App::create(wo);
    if (!app.ok()) return app.error();
    std::unique_ptr<UiBridge> b(new UiBridge());
    b->app_ = std::move(*app);
    b->screenshots_ = std::move(screenshots);
    b->laneId_ = std::move(laneId);
    // "ui.voice" (default on): every traveller starts with voice; the switch turns it off.
    b->voiceDefault_ = wo.voice == ui::VoiceMode::Espeak;
    b->voice_ = b->voiceDefault_;
    if (!b->screenshots_.empty()) std::filesystem::create_directories(b->screenshots_);
    return b;
}

UiBridge::~UiBridge() = default;

void UiBridge::setOfficerHooks(OfficerHooks hooks) { hooks_ = std::move(hooks); }

void UiBridge::show(const LaneState& s) {
    // The next traveller starts with the configured voice (entering Idle only: a switch
    // pressed on the welcome screen holds).
    if (s.state == State::Idle && shownState_ != State::Idle) voice_ = voiceDefault_;
    shownState_ = s.state;
    present(viewModelFor(s, language_, laneConfig_), s);
}

void UiBridge::showFace(const LaneState& s, const devices::Frame& frame, const devices::FaceMatch& match) {
    auto vm = viewModelFor(s, language_, laneConfig_);
    ui::CameraPreview p;
    p.width = frame.image.width;
    p.height = frame.image.height;
    p.format = frame.image.format == devices::PixelFormat::Gray8 ? ui::PreviewFormat::Gray8 : ui::PreviewFormat::Bgr8;
    p.pixels = frame.image.pixels;
    p.sequence = frame.sequence;
    const int side = std::min(p.width, p.height) * 3 / 5;
    p.guideBox = ui::Box{(p.width - side) / 2, (p.height - side) / 2, side, side};
    if (match.faceBox) p.faceBox = ui::Box{match.faceBox->x, match.faceBox->y, match.faceBox->width, match.faceBox->height};
    p.faceOk = match.match;
    vm.preview = std::move(p);
    if (!match.match && match.lastGuidance != devices::FaceGuidance::Ok)
        vm.guidanceKey = std::string("face.") + devices::toString(match.lastGuidance);
    present(vm, s);
}

void UiBridge::showStartup(const std::vector<ui::StartupItem>& items) {
    ui::ViewModel vm;
    vm.screen = ui::Screen::Starting;
    vm.startup = items;
    last_ = std::move(vm);
    handleEvents();
    draw();
    if (!screenshots_.empty()) {
        char name[64];
        std::snprintf(name, sizeof name, "%03d_Starting.png", ++shot_);
        (void)app_->screenshot(screenshots_ / name);
    }
}

ui::ViewModel UiBridge::decorate(ui::ViewModel vm) const {
    const auto t = now();
    vm.language = language_;
    vm.voiceEnabled = voice_;
    vm.laneId = laneId_;
    if (vm.liveness == ui::LivenessPrompt::None && vm.screen == ui::Screen::FaceCapture) vm.liveness = liveness_;
    if (vm.screen == ui::Screen::TimeoutWarning && warnedAt_) {
        // Counts down from the warning's length (WCAG 2.2.1); never below 0.
        const auto total = laneConfig_.timeoutWarning;
        const auto left = total - std::chrono::duration_cast<core::Millis>(t - *warnedAt_);
        vm.timeoutSecondsLeft = static_cast<int>(std::max<int64_t>(0, (left.count() + 999) / 1000));
    }
    const bool inService = vm.officer.laneInService;
    const ui::Screen laneScreen = vm.screen;
    vm.officer = officer_->overlay(t);
    vm.officer.laneInService = inService;
    vm.officer.laneScreen = laneScreen;
    applyStaffNotices(vm, shownNotices_);
    return vm;
}

void UiBridge::draw() {
    auto vm = decorate(last_);
    (void)app_->render(vm);
    if (startedAt_ && !firstFrameReported_) {
        firstFrameReported_ = true;
        std::printf("kiosk: start-up: first frame after %lld ms\n",
                    static_cast<long long>(std::chrono::duration_cast<core::Millis>(std::chrono::steady_clock::now() - *startedAt_).count()));
        std::fflush(stdout);
    }
    if (startedAt_ && !inServiceReported_ && last_.screen == ui::Screen::Welcome) {
        inServiceReported_ = true;
        std::printf("kiosk: start-up: in service (welcome screen) after %lld ms\n",
                    static_cast<long long>(std::chrono::duration_cast<core::Millis>(std::chrono::steady_clock::now() - *startedAt_).count()));
        std::fflush(stdout);
    }
    vm.preview.reset();  // the pixels stay in the window's texture
    drawn_ = std::move(vm);
    if (drawn_.timeoutSecondsLeft) shownSecondsLeft_ = *drawn_.timeoutSecondsLeft;
}

bool UiBridge::handleEvents() {
    bool redraw = false;
    const auto t = now();
    for (auto& e : app_->pollEvents()) {
        switch (e.type) {
            case ui::UiEventType::Quit: quit_ = true; break;
            case ui::UiEventType::LanguageSelected:
                language_ = e.language;
                languageTouched_ = t;
                redraw = true;
                break;
            case ui::UiEventType::VoiceToggled:
                voice_ = !voice_;
                languageTouched_ = t;
                redraw = true;
                break;
            case ui::UiEventType::ContinuePressed:
                if (hooks_.continuePressed) hooks_.continuePressed();
                break;
            case ui::UiEventType::Registration: break;  // the registration machine's screens only
            case ui::UiEventType::OfficerRequested:
            case ui::UiEventType::OfficerPinEntered:
            case ui::UiEventType::OfficerAction: redraw = officer_->handle(e, t) || redraw; break;
        }
    }
    return redraw;
}

bool UiBridge::refreshTimers() {
    const auto t = now();
    bool redraw = officer_->tick(t);
    // A traveller who chose a language on the welcome screen and walked away: the next one
    // starts in the default language.
    if (language_ != kDefaultLanguage && last_.screen == ui::Screen::Welcome && t - languageTouched_ >= languageTimeout_) {
        language_ = kDefaultLanguage;
        redraw = true;
    }
    if (last_.screen == ui::Screen::TimeoutWarning && warnedAt_) {
        const auto left = laneConfig_.timeoutWarning - std::chrono::duration_cast<core::Millis>(t - *warnedAt_);
        const int s = static_cast<int>(std::max<int64_t>(0, (left.count() + 999) / 1000));
        redraw = redraw || s != shownSecondsLeft_;
    }
    if (notices_ && t - lastNoticeCheck_ >= std::chrono::seconds(1)) {
        lastNoticeCheck_ = t;
        auto n = notices_();
        redraw = redraw || n.enrolments != shownNotices_.enrolments || n.trustListDaysLeft != shownNotices_.trustListDaysLeft ||
                 n.devices != shownNotices_.devices;
        shownNotices_ = std::move(n);
    }
    return redraw;
}

void UiBridge::tick() {
    bool redraw = handleEvents();
    redraw = refreshTimers() || redraw;
    if (redraw) draw();
}

void UiBridge::present(const ui::ViewModel& base, const LaneState& s) {
    const auto t = now();
    // Each traveller starts in the default language: back on the welcome screen after a
    // crossing (passed, refused, aborted) the previous traveller's choice is dropped.
    const bool backToWelcome = (s.state == State::Idle || s.state == State::ReadCredential) &&
                               lastState_ != State::Idle && lastState_ != State::ReadCredential;
    if (backToWelcome) language_ = kDefaultLanguage;
    if (s.state != lastState_ || backToWelcome) languageTouched_ = t;
    lastState_ = s.state;
    if (s.timeoutWarned) {
        if (!warnedAt_) warnedAt_ = t;
    } else {
        warnedAt_.reset();
    }
    last_ = base;
    if (notices_) {
        shownNotices_ = notices_();
        lastNoticeCheck_ = t;
    }
    draw();
    if (!screenshots_.empty()) {
        char name[64];
        std::snprintf(name, sizeof name, "%03d_%s.png", ++shot_, toString(s.state));
        (void)app_->screenshot(screenshots_ / name);
    }
    // The lane runs on simulated time; give a person watching the screen a moment.
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(screenshots_.empty() ? pacingMs_ : 50);
    do {
        bool redraw = handleEvents();
        redraw = refreshTimers() || redraw;
        if (redraw) draw();
        if (quitRequested()) break;  // SIGTERM / window closed: leave at once
        if (std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < until);
}

}  // namespace kiosk::lane
