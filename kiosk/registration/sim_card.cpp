#include "kiosk/registration/sim_card.h"

#include <cctype>

#include "credentials/mrz.h"
#include "devices/device.h"

namespace kiosk::registration {

namespace {

std::string pad(std::string s, std::size_t n) {
    if (s.size() < n) s.append(n - s.size(), '<');
    return s.substr(0, n);
}

core::Result<std::string> yymmdd(const std::string& iso, const char* field) {
    if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-')
        return core::makeError("reg.bad_card", std::string(field) + ": must be YYYY-MM-DD");
    return iso.substr(2, 2) + iso.substr(5, 2) + iso.substr(8, 2);
}

char digit(const std::string& field) { return static_cast<char>('0' + credentials::mrzCheckDigit(field)); }

std::string nameField(const std::string& s) {
    std::string out;
    for (char c : s) out += c == ' ' ? '<' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

core::Result<std::vector<std::string>> makeTd1Mrz(const SimCard& c) {
    std::string number;
    for (char ch : c.documentNumber)
        if (std::isalnum(static_cast<unsigned char>(ch))) number += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (number.empty() || number.size() > 9) return core::makeError("reg.bad_card", "document: 1 to 9 letters or digits");
    if (c.issuingState.size() != 3) return core::makeError("reg.bad_card", "issuing_state: 3 letters");
    KIOSK_ASSIGN_OR_RETURN(std::string dob, yymmdd(c.dateOfBirth, "date_of_birth"));
    KIOSK_ASSIGN_OR_RETURN(std::string exp, yymmdd(c.expiry, "document_expiry"));
    const std::string num = pad(number, 9);
    const std::string a = pad("I<" + c.issuingState + num + digit(num) + (c.nonPermanent ? "NP" : ""), 30);
    std::string b = dob + digit(dob) + "<" + exp + digit(exp) + pad(c.issuingState == "MAC" ? "MAC" : "CHN", 3) +
                    pad("", 11);
    const std::string composite = a.substr(5, 25) + b.substr(0, 7) + b.substr(8, 7) + b.substr(18, 11);
    b += digit(composite);
    const std::string n = pad(nameField(c.surname) + "<<" + nameField(c.givenNames), 30);
    return std::vector<std::string>{a, b, n};
}

core::Result<bool> SimCardSlot::cardPresent() {
    if (lost_) return core::makeError(devices::errc::kLost, "card reader gone");
    if (!present_) return false;
    if (!removeAt_) {
        if (!takeAfter_) return true;  // left in the reader
        removeAt_ = clock_.monoNow() + *takeAfter_;
    }
    if (clock_.monoNow() >= *removeAt_) {
        present_ = false;
        removeAt_.reset();
        return false;
    }
    return true;
}

}  // namespace kiosk::registration
