#include "kiosk/sync/enrolment_wire.h"

#include <algorithm>

#include "kiosk/sync/biometric_envelope.h"

namespace kiosk::sync {

using core::Json;
using core::makeError;
using core::Result;

namespace {

bool isHex64(const std::string& s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isDate(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[i] < '0' || s[i] > '9') return false;
    const int month = (s[5] - '0') * 10 + (s[6] - '0');
    const int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

core::Error bad(const std::string& path, const std::string& key, const std::string& why) {
    return makeError("sync.bad_enrolment", path + "." + key + ": " + why);
}

Result<std::string> text(const Json& j, const std::string& path, const std::string& key) {
    if (!j.contains(key)) return bad(path, key, "missing");
    if (!j[key].is_string()) return bad(path, key, "must be a string");
    return j[key].get<std::string>();
}

}  // namespace

bool isWireReference(const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

Result<WireEnrolment> enrolmentFromWire(const Json& j, const std::string& path) {
    if (!j.is_object()) return makeError("sync.bad_enrolment", path + ": must be an object");
    WireEnrolment w;
    auto& r = w.row;
    if (j.contains("cursor")) {
        if (!j["cursor"].is_number_integer() || j["cursor"].get<int64_t>() < 0)
            return bad(path, "cursor", "must be a non-negative integer");
        w.cursor = j["cursor"].get<int64_t>();
    }
    KIOSK_ASSIGN_OR_RETURN(r.reference, text(j, path, "reference"));
    if (!isWireReference(r.reference)) return bad(path, "reference", "must be 1-64 of A-Z a-z 0-9 _ -");
    KIOSK_ASSIGN_OR_RETURN(r.documentHash, text(j, path, "document_hash"));
    if (!isHex64(r.documentHash)) return bad(path, "document_hash", "must be 64 lowercase hex digits");
    KIOSK_ASSIGN_OR_RETURN(r.documentMasked, text(j, path, "document_masked"));
    if (r.documentMasked.empty() || r.documentMasked.size() > 64) return bad(path, "document_masked", "must be 1-64 characters");
    KIOSK_ASSIGN_OR_RETURN(std::string residency, text(j, path, "residency"));
    auto res = store::parseResidency(residency);
    if (!res.ok()) return bad(path, "residency", "unknown residency");
    r.residency = *res;
    KIOSK_ASSIGN_OR_RETURN(r.dateOfBirth, text(j, path, "date_of_birth"));
    if (!isDate(r.dateOfBirth)) return bad(path, "date_of_birth", "must be YYYY-MM-DD");
    KIOSK_ASSIGN_OR_RETURN(r.documentExpiry, text(j, path, "document_expiry"));
    if (!isDate(r.documentExpiry)) return bad(path, "document_expiry", "must be YYYY-MM-DD");
    KIOSK_ASSIGN_OR_RETURN(std::string channel, text(j, path, "channel"));
    auto ch = store::parseEnrolmentChannel(channel);
    if (!ch.ok()) return bad(path, "channel", "must be \"machine\" or \"office\"");
    r.channel = *ch;
    if (!j.contains("enrolled_at")) return bad(path, "enrolled_at", "missing");
    if (!j["enrolled_at"].is_number_integer()) return bad(path, "enrolled_at", "must be an integer (unix seconds)");
    r.enrolledAt = j["enrolled_at"].get<int64_t>();
    r.active = true;
    if (j.contains("active")) {
        if (!j["active"].is_boolean()) return bad(path, "active", "must be true or false");
        r.active = j["active"].get<bool>();
    }
    if (j.contains("biometrics") && !j["biometrics"].is_null()) {
        if (!j["biometrics"].is_string()) return bad(path, "biometrics", "must be a base64 string");
        w.biometrics = j["biometrics"].get<std::string>();
    }
    if (r.active && w.biometrics.empty()) return bad(path, "biometrics", "missing for an active enrolment");
    return w;
}

Json enrolmentToWire(const store::EnrolmentRow& r, const std::string& sealed) {
    return Json{{"reference", r.reference},
                {"document_hash", r.documentHash},
                {"document_masked", r.documentMasked},
                {"residency", store::toString(r.residency)},
                {"date_of_birth", r.dateOfBirth},
                {"document_expiry", r.documentExpiry},
                {"channel", store::toString(r.channel)},
                {"enrolled_at", r.enrolledAt},
                {"biometrics", sealed}};
}

Result<store::EnrolmentRow> openWireEnrolment(const WireEnrolment& wire, const std::vector<uint8_t>& templateKey) {
    store::EnrolmentRow row = wire.row;
    if (wire.biometrics.empty()) return row;
    KIOSK_ASSIGN_OR_RETURN(EnrolmentBiometrics bio, openBiometrics(templateKey, row.reference, wire.biometrics));
    row.faceDescriptors = std::move(bio.faces);
    row.fingers = std::move(bio.fingers);
    return row;
}

Result<Json> sealEnrolmentForWire(const store::EnrolmentRow& row, const std::vector<uint8_t>& templateKey) {
    if (!isWireReference(row.reference))
        return makeError("sync.bad_enrolment", "enrolment.reference: must be 1-64 of A-Z a-z 0-9 _ -");
    EnrolmentBiometrics bio{row.faceDescriptors, row.fingers};
    KIOSK_ASSIGN_OR_RETURN(std::string sealed, sealBiometrics(templateKey, row.reference, bio));
    return enrolmentToWire(row, sealed);
}

}  // namespace kiosk::sync
