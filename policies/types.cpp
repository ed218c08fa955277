#include "policies/types.h"

#include <algorithm>

namespace kiosk::policies {

bool isPermanentResident(Residency r) {
    return r == Residency::HongKongPermanent || r == Residency::MacauPermanent;
}

const char* toString(Residency r) {
    switch (r) {
        case Residency::HongKongPermanent: return "hk_permanent";
        case Residency::MacauPermanent: return "mo_permanent";
        case Residency::HongKongNonPermanent: return "hk_non_permanent";
        case Residency::MacauNonPermanent: return "mo_non_permanent";
        case Residency::Other: return "other";
    }
    return "other";
}

const char* toString(EnrolmentChannel c) {
    switch (c) {
        case EnrolmentChannel::SelfServiceMachine: return "self_service_machine";
        case EnrolmentChannel::EnrolmentOffice: return "enrolment_office";
    }
    return "self_service_machine";
}

const char* toString(Verdict v) { return v == Verdict::Pass ? "pass" : "refuse"; }

bool Decision::has(const std::string& reason) const {
    return std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
}

}  // namespace kiosk::policies
