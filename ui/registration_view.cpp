#include "ui/registration_view.h"

namespace kiosk::ui {

const char* registrationScreenName(RegistrationScreen s) {
    switch (s) {
        case RegistrationScreen::ChooseLanguage: return "choose_language";
        case RegistrationScreen::InsertCard: return "insert_card";
        case RegistrationScreen::Checking: return "checking";
        case RegistrationScreen::Refused: return "refused";
        case RegistrationScreen::Terms: return "terms";
        case RegistrationScreen::TakeCard: return "take_card";
        case RegistrationScreen::Finger: return "finger";
        case RegistrationScreen::Face: return "face";
        case RegistrationScreen::Confirm: return "confirm";
        case RegistrationScreen::Committing: return "committing";
        case RegistrationScreen::Receipt: return "receipt";
        case RegistrationScreen::OutOfService: return "out_of_service";
        case RegistrationScreen::TimeoutWarning: return "timeout";
        case RegistrationScreen::Cancelled: return "cancelled";
    }
    return "choose_language";
}

const std::vector<RegistrationScreen>& allRegistrationScreens() {
    using S = RegistrationScreen;
    static const std::vector<S> v = {S::ChooseLanguage, S::InsertCard, S::Checking,   S::Refused,      S::Terms,
                                     S::TakeCard,       S::Finger,     S::Face,       S::Confirm,      S::Committing,
                                     S::Receipt,        S::OutOfService, S::TimeoutWarning, S::Cancelled};
    return v;
}

const std::vector<RegistrationStep>& allRegistrationSteps() {
    using S = RegistrationStep;
    static const std::vector<S> v = {S::Card, S::Terms, S::Fingers, S::Face, S::Confirm, S::Receipt};
    return v;
}

const char* registrationStepName(RegistrationStep s) {
    switch (s) {
        case RegistrationStep::Card: return "card";
        case RegistrationStep::Terms: return "terms";
        case RegistrationStep::Fingers: return "fingers";
        case RegistrationStep::Face: return "face";
        case RegistrationStep::Confirm: return "confirm";
        case RegistrationStep::Receipt: return "receipt";
    }
    return "card";
}

std::optional<RegistrationStep> stepOf(RegistrationScreen s) {
    switch (s) {
        case RegistrationScreen::InsertCard:
        case RegistrationScreen::Checking: return RegistrationStep::Card;
        case RegistrationScreen::Terms:
        case RegistrationScreen::TakeCard: return RegistrationStep::Terms;
        case RegistrationScreen::Finger: return RegistrationStep::Fingers;
        case RegistrationScreen::Face: return RegistrationStep::Face;
        case RegistrationScreen::Confirm:
        case RegistrationScreen::Committing: return RegistrationStep::Confirm;
        case RegistrationScreen::Receipt: return RegistrationStep::Receipt;
        default: return std::nullopt;
    }
}

const char* refusalName(RefusalKind k) {
    switch (k) {
        case RefusalKind::Under18: return "under_18";
        case RefusalKind::NotPermanentResident: return "not_permanent_resident";
        case RefusalKind::DocumentExpired: return "document_expired";
        case RefusalKind::FingerQuality: return "finger_quality";
        case RefusalKind::FaceQuality: return "face_quality";
        case RefusalKind::FaceLiveness: return "face_liveness";
        case RefusalKind::CardUnreadable: return "card_unreadable";
        case RefusalKind::Other: return "other";
    }
    return "other";
}

const std::vector<std::string>& knownFingerNames() {
    static const std::vector<std::string> v = {"right_thumb", "right_index", "right_middle", "right_ring",
                                               "right_little", "left_thumb", "left_index", "left_middle",
                                               "left_ring", "left_little"};
    return v;
}

const char* registrationActionName(RegistrationAction a) {
    switch (a) {
        case RegistrationAction::None: return "none";
        case RegistrationAction::TermsReadToEnd: return "terms_read_to_end";
        case RegistrationAction::Accept: return "accept";
        case RegistrationAction::Decline: return "decline";
        case RegistrationAction::Confirm: return "confirm";
        case RegistrationAction::Cancel: return "cancel";
        case RegistrationAction::Reprint: return "reprint";
        case RegistrationAction::Done: return "done";
    }
    return "none";
}

}  // namespace kiosk::ui
