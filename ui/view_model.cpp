#include "ui/view_model.h"

namespace kiosk::ui {

const char* languageTag(Language l) {
    switch (l) {
        case Language::ZhHant: return "zh-Hant";
        case Language::En: return "en";
        case Language::Pt: return "pt";
    }
    return "en";
}

std::optional<Language> languageFromTag(const std::string& tag) {
    if (tag == "zh-Hant" || tag == "zh" || tag == "yue") return Language::ZhHant;
    if (tag == "en") return Language::En;
    if (tag == "pt") return Language::Pt;
    return std::nullopt;
}

const char* screenName(Screen s) {
    switch (s) {
        case Screen::Welcome: return "welcome";
        case Screen::Reading: return "reading";
        case Screen::DoorOpen: return "door_open";
        case Screen::FaceCapture: return "face";
        case Screen::Fingerprint: return "finger";
        case Screen::Proceed: return "proceed";
        case Screen::SeeOfficer: return "see_officer";
        case Screen::OutOfService: return "out_of_service";
        case Screen::Processing: return "processing";
        case Screen::Emergency: return "emergency";
        case Screen::TimeoutWarning: return "timeout";
        case Screen::Starting: return "starting";
    }
    return "welcome";
}

const std::vector<Screen>& allScreens() {
    static const std::vector<Screen> v = {Screen::Welcome,     Screen::Reading,     Screen::DoorOpen,
                                          Screen::FaceCapture, Screen::Fingerprint, Screen::Proceed,
                                          Screen::SeeOfficer,  Screen::OutOfService, Screen::Processing,
                                          Screen::Emergency,   Screen::TimeoutWarning, Screen::Starting};
    return v;
}

std::optional<Screen> screenFromName(const std::string& name) {
    for (Screen s : allScreens())
        if (name == screenName(s)) return s;
    return std::nullopt;
}

const char* crossingStepName(CrossingStep s) {
    switch (s) {
        case CrossingStep::None: return "none";
        case CrossingStep::Credential: return "credential";
        case CrossingStep::Enter: return "enter";
        case CrossingStep::Face: return "face";
        case CrossingStep::Fingerprint: return "fingerprint";
        case CrossingStep::Exit: return "exit";
    }
    return "none";
}

const char* officerActionName(OfficerAction a) {
    switch (a) {
        case OfficerAction::None: return "none";
        case OfficerAction::LaneInService: return "lane_in_service";
        case OfficerAction::LaneOutOfService: return "lane_out_of_service";
        case OfficerAction::OpenDoor1: return "open_door1";
        case OfficerAction::CloseDoor1: return "close_door1";
        case OfficerAction::OpenDoor2: return "open_door2";
        case OfficerAction::CloseDoor2: return "close_door2";
        case OfficerAction::ShowScanLog: return "show_scan_log";
        case OfficerAction::ShowAlerts: return "show_alerts";
        case OfficerAction::AcknowledgeAlert: return "acknowledge_alert";
        case OfficerAction::BackToMenu: return "back_to_menu";
        case OfficerAction::CloseOverlay: return "close_overlay";
    }
    return "none";
}

}  // namespace kiosk::ui
