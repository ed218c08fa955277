#pragma once
// store::EnrolmentRow <-> the enrolment object of docs/api.md.
//
//   {"cursor": 1208, "reference": "E-7Q2M9K", "document_hash": "<64 hex>",
//    "document_masked": "K1*****(8)", "residency": "hk_permanent", "date_of_birth": "1990-04-01",
//    "document_expiry": "2031-04-01", "channel": "machine", "enrolled_at": 1795000000,
//    "active": true, "biometrics": "<base64 sealed envelope>"}
//
// "cursor" and "active" come only from the server (pulls); a registration machine's POST
// carries the rest. Reading is strict about the fields it needs (sync.bad_enrolment, the
// message names the field, never its value) and ignores fields a newer server may add.
#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "kiosk/store/store.h"

namespace kiosk::sync {

struct WireEnrolment {
    int64_t cursor = 0;          // 0 when absent (a POST body)
    store::EnrolmentRow row;     // without biometrics
    std::string biometrics;      // the sealed envelope as received ("" only for inactive records)
};

// `path` prefixes field names in errors ("enrolments[3]").
core::Result<WireEnrolment> enrolmentFromWire(const core::Json& j, const std::string& path = "enrolment");

// The POST /v1/device/enrolments "enrolment" object (no cursor, no active).
core::Json enrolmentToWire(const store::EnrolmentRow& row, const std::string& sealedBiometrics);

// With the fleet template key: the row including its opened biometrics / the wire object
// with the row's biometrics sealed for its reference.
core::Result<store::EnrolmentRow> openWireEnrolment(const WireEnrolment& wire, const std::vector<uint8_t>& templateKey);
core::Result<core::Json> sealEnrolmentForWire(const store::EnrolmentRow& row, const std::vector<uint8_t>& templateKey);

bool isWireReference(const std::string& s);  // [A-Za-z0-9_-]{1,64}, as the server checks

}  // namespace kiosk::sync
