#include "ui/samples.h"

namespace kiosk::ui {

// A deterministic 640x480 BGR "camera frame": a lit background with a face-like oval.
CameraPreview samplePreview(uint64_t sequence) {
    CameraPreview p;
    p.width = 640;
    p.height = 480;
    p.format = PreviewFormat::Bgr8;
    p.sequence = sequence;
    p.pixels.resize(640 * 480 * 3);
    for (int y = 0; y < 480; ++y)
        for (int x = 0; x < 640; ++x) {
            uint8_t* px = &p.pixels[(y * 640 + x) * 3];
            double dx = (x - 300.0 - static_cast<double>(sequence % 7)) / 110.0, dy = (y - 230.0) / 145.0;
            bool face = dx * dx + dy * dy <= 1.0;
            px[0] = face ? 120 : static_cast<uint8_t>(60 + x / 8);   // B
            px[1] = face ? 160 : static_cast<uint8_t>(70 + y / 8);   // G
            px[2] = face ? 210 : static_cast<uint8_t>(80);           // R
        }
    p.faceBox = Box{190, 85, 220, 290};
    p.guideBox = Box{180, 60, 280, 340};
    p.faceOk = false;
    return p;
}

ViewModel sampleViewModel(Screen s, Language l) {
    ViewModel vm;
    vm.screen = s;
    vm.language = l;
    vm.laneId = "07";
    switch (s) {
        case Screen::Welcome:
        case Screen::Reading: vm.step = CrossingStep::Credential; break;
        case Screen::DoorOpen: vm.step = CrossingStep::Enter; break;
        case Screen::Processing: vm.step = CrossingStep::Fingerprint; break;
        case Screen::Proceed: vm.step = CrossingStep::Exit; break;
        case Screen::TimeoutWarning: vm.step = CrossingStep::Enter; break;
        default: break;
    }
    switch (s) {
        case Screen::FaceCapture:
            vm.step = CrossingStep::Face;
            vm.guidanceKey = "face.come_closer";
            vm.liveness = LivenessPrompt::Blink;
            vm.preview = samplePreview(1);
            break;
        case Screen::Fingerprint:
            // The second of three tries (a retry, not a step of the crossing).
            vm.step = CrossingStep::Fingerprint;
            vm.guidanceKey = "finger.place_right_index";
            vm.attempt = 2;
            vm.attempts = 3;
            break;
        case Screen::Starting:
            vm.startup = {{"startup.face_model", true}, {"startup.finger_reader", false}, {"startup.lane", false}};
            break;
        case Screen::SeeOfficer:
            vm.reasonText = TextTriple{"您的健康碼不是綠色", "Your health code is not green",
                                       "O seu código de saúde não é verde"};
            break;
        case Screen::TimeoutWarning:
            vm.timeoutSecondsLeft = 20;
            break;
        default:
            break;
    }
    return vm;
}

std::vector<EnrolmentOfficeRow> sampleOffices() {
    return {{"身份證明局總部 Identification Services Bureau HQ", "澳門南灣大馬路 Av. da Praia Grande", "Mon-Fri 09:00-17:45"},
            {"北區辦事處 Northern District Office", "澳門黑沙環新街 Rua Nova da Areia Preta", "Mon-Sat 09:00-18:00"},
            {"氹仔辦事處 Taipa Office", "氹仔哥英布拉街 Rua de Coimbra, Taipa", "Mon-Fri 09:00-17:45"}};
}

ViewModel sampleRegistrationViewModel(RegistrationScreen s, Language l) {
    ViewModel vm;
    vm.language = l;
    vm.laneId = "R1";
    RegistrationView r;
    r.screen = s;
    switch (s) {
        case RegistrationScreen::Refused:
            r.refusal = RefusalKind::Under18;
            r.offices = sampleOffices();
            break;
        case RegistrationScreen::Finger:
            r.fingerName = "right_index";
            r.fingerNumber = 1;
            r.fingerCount = 2;
            r.impression = 2;
            r.impressions = 5;
            vm.guidanceKey = "reg.finger.press_firmly";
            break;
        case RegistrationScreen::Face:
            vm.guidanceKey = "reg.face.look_straight";
            vm.preview = samplePreview(1);
            break;
        case RegistrationScreen::Confirm: r.fingerCount = 2; break;
        case RegistrationScreen::Receipt:
            r.reference = "R7F3K92QD";
            r.usableFrom = "2026-12-01 15:42";
            r.printer = ReceiptPrinter::Printing;
            break;
        case RegistrationScreen::TimeoutWarning: vm.timeoutSecondsLeft = 20; break;
        default: break;
    }
    vm.registration = r;
    return vm;
}

OfficerOverlay sampleOfficerOverlay(OfficerMode mode) {
    OfficerOverlay o;
    o.mode = mode;
    o.laneInService = true;
    o.door1Open = false;
    o.door2Open = true;
    o.laneScreen = Screen::FaceCapture;
    if (mode == OfficerMode::Menu) {
        // "Open door 1" on a lane in service: refused, and the button still says "open".
        o.lastAction = OfficerAction::OpenDoor1;
        o.lastResult = OfficerResult::RefusedInService;
        o.idleSecondsLeft = 60;
    }
    o.scanLog = {{"14:03:12", "QR #3f9a…c2", "accepted", ""},
                 {"13:58:40", "M1234***", "refused", "qr.expired"},
                 {"13:51:02", "QR #77b0…1e", "refused", "qr.duplicate_scan"}};
    o.alerts = {{"a1", "13:51:02", "qr.duplicate_scan", "Same QR scanned twice within 5 minutes", false},
                {"a0", "12:10:44", "lane.tailgating", "Two people sensed in the lane", true}};
    return o;
}

}  // namespace kiosk::ui
