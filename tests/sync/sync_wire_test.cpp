// store::EnrolmentRow <-> the enrolment object of docs/api.md.
#include "kiosk/sync/enrolment_wire.h"

#include <gtest/gtest.h>

#include "tests/sync/sync_test_util.h"

namespace kiosk::sync {
namespace {

using core::Json;
using testutil::makeEnrolment;
using testutil::randomKey;

TEST(EnrolmentWire, RowToWireAndBackIsTheSameRecord) {
    const auto key = randomKey(1);
    auto row = makeEnrolment("E-7Q2M9K", "K123456(7)", testutil::kNow, 5);
    row.residency = store::Residency::MacauPermanent;
    row.channel = store::EnrolmentChannel::Office;
    auto wire = sealEnrolmentForWire(row, key);
    ASSERT_TRUE(wire.ok()) << wire.error().message;
    // Exactly the fields of the POST body (docs/api.md), no personal data in clear.
    for (const char* k : {"reference", "document_hash", "document_masked", "residency", "date_of_birth",
                          "document_expiry", "channel", "enrolled_at", "biometrics"})
        EXPECT_TRUE(wire->contains(k)) << k;
    EXPECT_EQ(wire->size(), 9u);
    EXPECT_EQ((*wire)["residency"], "mo_permanent");
    EXPECT_EQ((*wire)["channel"], "office");
    EXPECT_EQ(wire->dump().find("K123456"), std::string::npos);

    Json pulled = *wire;
    pulled["cursor"] = 1208;
    pulled["active"] = true;
    auto back = enrolmentFromWire(pulled);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->cursor, 1208);
    auto opened = openWireEnrolment(*back, key);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->reference, row.reference);
    EXPECT_EQ(opened->documentHash, row.documentHash);
    EXPECT_EQ(opened->documentMasked, row.documentMasked);
    EXPECT_EQ(opened->residency, row.residency);
    EXPECT_EQ(opened->dateOfBirth, row.dateOfBirth);
    EXPECT_EQ(opened->documentExpiry, row.documentExpiry);
    EXPECT_EQ(opened->channel, row.channel);
    EXPECT_EQ(opened->enrolledAt, row.enrolledAt);
    EXPECT_TRUE(opened->active);
    testutil::expectSameBiometrics(*opened, row);
}

Json validWire() {
    auto row = makeEnrolment("E-1", "K1234567", testutil::kNow, 1);
    return enrolmentToWire(row, "AAAA");
}

TEST(EnrolmentWire, EachBadFieldIsNamed) {
    struct Case {
        const char* field;
        Json value;
    };
    const std::vector<Case> cases = {
        {"reference", ""},           {"reference", "E 1"},           {"reference", 7},
        {"document_hash", "ABC"},    {"document_hash", std::string(64, 'A')},
        {"document_masked", ""},     {"residency", "mars"},          {"date_of_birth", "1990-13-01"},
        {"date_of_birth", "19900401"}, {"document_expiry", 20310401}, {"channel", "post"},
        {"enrolled_at", "1795000000"}, {"active", "yes"},            {"cursor", -1},
        {"biometrics", 12},
    };
    for (const auto& c : cases) {
        Json j = validWire();
        j[c.field] = c.value;
        auto r = enrolmentFromWire(j, "enrolments[3]");
        ASSERT_FALSE(r.ok()) << c.field << " = " << c.value.dump();
        EXPECT_EQ(r.error().code, "sync.bad_enrolment");
        EXPECT_NE(r.error().message.find(std::string("enrolments[3].") + c.field), std::string::npos)
            << r.error().message;
    }
    for (const char* missing : {"reference", "document_hash", "document_masked", "residency", "date_of_birth",
                                "document_expiry", "channel", "enrolled_at", "biometrics"}) {
        Json j = validWire();
        j.erase(missing);
        auto r = enrolmentFromWire(j);
        ASSERT_FALSE(r.ok()) << missing;
        EXPECT_NE(r.error().message.find(std::string("enrolment.") + missing), std::string::npos) << r.error().message;
    }
    EXPECT_FALSE(enrolmentFromWire(Json::array()).ok());
}

TEST(EnrolmentWire, ErrorsNeverEchoTheValue) {
    Json j = validWire();
    j["document_masked"] = std::string(80, 'Q');
    auto r = enrolmentFromWire(j);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find("QQQQ"), std::string::npos);
}

TEST(EnrolmentWire, InactiveRecordNeedsNoBiometricsAndUnknownFieldsAreIgnored) {
    Json j = validWire();
    j.erase("biometrics");
    j["active"] = false;
    j["added_by_a_newer_server"] = {{"x", 1}};
    auto r = enrolmentFromWire(j);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->row.active);
    EXPECT_TRUE(r->biometrics.empty());
    auto opened = openWireEnrolment(*r, randomKey(1));
    ASSERT_TRUE(opened.ok());
    EXPECT_TRUE(opened->faceDescriptors.empty());
}

TEST(EnrolmentWire, EnvelopeOfAnotherRecordDoesNotOpen) {
    const auto key = randomKey(2);
    auto a = sealEnrolmentForWire(makeEnrolment("E-A", "K1111111", testutil::kNow, 1), key);
    auto b = sealEnrolmentForWire(makeEnrolment("E-B", "K2222222", testutil::kNow, 2), key);
    ASSERT_TRUE(a.ok() && b.ok());
    Json swapped = *a;
    swapped["biometrics"] = (*b)["biometrics"];
    auto w = enrolmentFromWire(swapped);
    ASSERT_TRUE(w.ok());
    auto opened = openWireEnrolment(*w, key);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, "sync.envelope_open");
}

}  // namespace
}  // namespace kiosk::sync
