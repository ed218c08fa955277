#include "kiosk/lane/ui_bridge.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "policies/reasons.h"
#include "ui/app.h"
#include "ui/ui_config.h"

namespace kiosk::lane {

ui::ViewModel viewModelFor(const LaneState& s, ui::Language language) {
    ui::ViewModel vm;
    vm.language = language;
    switch (s.state) {
        case State::Idle:
        case State::ReadCredential: vm.screen = ui::Screen::Welcome; break;
        case State::VerifyCredential:
        case State::ReadHealthCode:
        case State::CheckEligibility: vm.screen = ui::Screen::Reading; break;
        case State::Door1Open:
        case State::AwaitEntry: vm.screen = ui::Screen::DoorOpen; break;
        case State::CaptureFace: vm.screen = ui::Screen::FaceCapture; break;
        case State::CaptureFinger:
            vm.screen = ui::Screen::Fingerprint;
            vm.progressStep = s.fingerAttempt + 1;
            vm.progressTotal = 3;
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
        vm.timeoutSecondsLeft = 20;
    }
    vm.officer.laneInService = s.state != State::OutOfService && !s.officerOutOfService;
    return vm;
}

void applyStaffNotices(ui::ViewModel& vm, DataFreshness enrolments) {
    vm.staffWarningEnrolmentsStale = enrolments != DataFreshness::Fresh;
}

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

void UiBridge::show(const LaneState& s) {
    // The next traveller starts with the configured voice (entering Idle only: a switch
    // pressed on the welcome screen holds).
    if (s.state == State::Idle && shownState_ != State::Idle) voice_ = voiceDefault_;
    shownState_ = s.state;
    present(viewModelFor(s, language_), s);
}

void UiBridge::showFace(const LaneState& s, const devices::Frame& frame, const devices::FaceMatch& match) {
    auto vm = viewModelFor(s, language_);
    ui::CameraPreview p;
    p.width = frame.image.width;
    p.height = frame.image.height;
    p.format = frame.image.format == devices::PixelFormat::Gray8 ? ui::PreviewFormat::Gray8 : ui::PreviewFormat::Bgr8;
    p.pixels = frame.image.pixels;
    p.sequence = frame.sequence;
    const int side = std::min(p.width, p.height) * 3 / 5;
    p.guideBox = ui::Box{(p.width - side) / 2, (p.height - side) / 2, side, side};
    p.faceOk = match.match;
    vm.preview = std::move(p);
    if (!match.match && match.lastGuidance != devices::FaceGuidance::Ok)
        vm.guidanceKey = std::string("face.") + devices::toString(match.lastGuidance);
    present(vm, s);
}

ui::ViewModel UiBridge::decorate(ui::ViewModel vm) const {
    vm.language = language_;
    vm.voiceEnabled = voice_;
    vm.laneId = laneId_;
    const bool inService = vm.officer.laneInService;
    vm.officer = officer_;
    vm.officer.laneInService = inService;
    applyStaffNotices(vm, shownFreshness_);
    return vm;
}

bool UiBridge::handleEvents() {
    bool redraw = false;
    auto act = [&](ui::OfficerAction a, const std::string& detail) {
        if (hooks_.act) hooks_.act(a, detail);
    };
    for (auto& e : app_->pollEvents()) {
        switch (e.type) {
            case ui::UiEventType::Quit: quit_ = true; break;
            case ui::UiEventType::LanguageSelected: language_ = e.language; redraw = true; break;
            case ui::UiEventType::VoiceToggled: voice_ = !voice_; redraw = true; break;
            case ui::UiEventType::ContinuePressed:
                if (hooks_.continuePressed) hooks_.continuePressed();
                break;
            case ui::UiEventType::Registration: break;  // the registration machine's screens only
            case ui::UiEventType::OfficerRequested:
                officer_.mode = ui::OfficerMode::PinEntry;
                officer_.pinRejected = false;
                redraw = true;
                break;
            case ui::UiEventType::OfficerPinEntered:
                act(ui::OfficerAction::None, e.pinOk ? "officer.pin_ok" : "officer.pin_rejected");
                officer_.mode = e.pinOk ? ui::OfficerMode::Menu : ui::OfficerMode::PinEntry;
                officer_.pinRejected = !e.pinOk;
                redraw = true;
                break;
            case ui::UiEventType::OfficerAction:
                // Only an unlocked overlay acts; a stray event from a closed overlay is ignored.
                if (officer_.mode == ui::OfficerMode::Closed || officer_.mode == ui::OfficerMode::PinEntry) break;
                act(e.action, e.alertId);
                switch (e.action) {
                    case ui::OfficerAction::ShowScanLog:
                        officer_.scanLog = hooks_.scanLog ? hooks_.scanLog() : std::vector<ui::ScanLogRow>{};
                        officer_.mode = ui::OfficerMode::ScanLog;
                        break;
                    case ui::OfficerAction::ShowAlerts:
                    case ui::OfficerAction::AcknowledgeAlert:
                        officer_.alerts = hooks_.alerts ? hooks_.alerts() : std::vector<ui::OfficerAlert>{};
                        officer_.mode = ui::OfficerMode::Alerts;
                        break;
                    case ui::OfficerAction::BackToMenu: officer_.mode = ui::OfficerMode::Menu; break;
                    case ui::OfficerAction::CloseOverlay: officer_ = ui::OfficerOverlay{}; break;
                    case ui::OfficerAction::OpenDoor1: officer_.door1Open = true; break;
                    case ui::OfficerAction::CloseDoor1: officer_.door1Open = false; break;
                    case ui::OfficerAction::OpenDoor2: officer_.door2Open = true; break;
                    case ui::OfficerAction::CloseDoor2: officer_.door2Open = false; break;
                    default: break;
                }
                redraw = true;
                break;
        }
    }
    return redraw;
}

void UiBridge::tick() {
    bool redraw = handleEvents();
    const auto now = std::chrono::steady_clock::now();
    if (freshness_ && now - lastFreshnessCheck_ >= std::chrono::seconds(1)) {
        lastFreshnessCheck_ = now;
        const auto f = freshness_();
        redraw = redraw || f != shownFreshness_;
        shownFreshness_ = f;
    }
    if (redraw) (void)app_->render(decorate(last_));
}

void UiBridge::present(const ui::ViewModel& base, const LaneState& s) {
    last_ = base;
    if (freshness_) shownFreshness_ = freshness_();
    (void)app_->render(decorate(base));
    if (!screenshots_.empty()) {
        char name[64];
        std::snprintf(name, sizeof name, "%03d_%s.png", ++shot_, toString(s.state));
        (void)app_->screenshot(screenshots_ / name);
    }
    // The lane runs on simulated time; give a person watching the screen a moment.
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(screenshots_.empty() ? pacingMs_ : 50);
    do {
        if (handleEvents()) (void)app_->render(decorate(last_));
        if (std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < until);
}

}  // namespace kiosk::lane
