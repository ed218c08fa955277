// Enrolments: encrypted biometrics, lookups, re-enrolment replacing the old one.
#include <cmath>
#include <cstring>

#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

std::vector<uint8_t> descriptorBytes(const FaceDescriptor& d) {
    std::vector<uint8_t> b(sizeof(float) * d.size());
    std::memcpy(b.data(), d.data(), b.size());
    return b;
}

// The ONNX recogniser's 512-float descriptors round-trip (blob format 2, store_impl.h); 128-float
// enrolments keep format 1 (RoundTripsDescriptorsAndTemplates).
TEST(StoreEnrolment, Descriptors512RoundTrip) {
    TempStore t("enrol-512");
    auto s = t.open();
    ASSERT_TRUE(s);
    EnrolmentRow in = makeEnrolment("ref-0512", "K123456(7)", kNow, 12);
    in.faceDescriptors = {FaceDescriptor(512, 0.01f), FaceDescriptor(512, -0.02f)};
    in.faceDescriptors[1][511] = 0.5f;
    ASSERT_TRUE(s->enrol(in, "system").ok());
    s.reset();
    s = t.open();
    auto got = s->findEnrolmentByReference("ref-0512");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((**got).faceDescriptors, in.faceDescriptors);
}

// A descriptor the read side could not take back (no size of a known recogniser, two
// recognisers mixed, a value that is not finite, too many) is refused when written, with a
// message that names the problem; nothing is stored (the reference stays free). Before this
// check an empty descriptor was written as format 2 with size 0 and only failed on reading
// (store.corrupt).
TEST(StoreEnrolment, RefusesDescriptorsOfUnknownSize) {
    TempStore t("enrol-bad-desc");
    auto s = t.open();
    ASSERT_TRUE(s);
    struct Case {
        const char* what;
        std::vector<FaceDescriptor> faces;
        const char* says;
    };
    std::vector<Case> cases = {
        {"empty descriptor", {FaceDescriptor{}}, "has 0 values; 128 (dlib_resnet) or 512 (onnx) expected"},
        {"129 floats", {FaceDescriptor(129, 0.1f)}, "has 129 values"},
        {"256 floats", {FaceDescriptor(512, 0.1f), FaceDescriptor(256, 0.1f)}, "face descriptor 1 has 256 values"},
        {"mixed recognisers", {FaceDescriptor(128, 0.1f), FaceDescriptor(512, 0.1f)}, "one recogniser (sizes 128 and 512)"},
        {"NaN", {FaceDescriptor(512, std::nanf(""))}, "not finite"},
        {"too many", std::vector<FaceDescriptor>(kMaxFaceDescriptors + 1, FaceDescriptor(128, 0.1f)), "at most 64"},
    };
    for (const auto& c : cases) {
        EnrolmentRow in = makeEnrolment("ref-bad", "K123456(7)", kNow, 13);
        in.faceDescriptors = c.faces;
        auto r = s->enrol(in, "system");
        ASSERT_FALSE(r.ok()) << c.what;
        EXPECT_EQ(r.error().code, "store.invalid") << c.what;
        EXPECT_NE(r.error().message.find(c.says), std::string::npos) << c.what << ": " << r.error().message;
        auto up = s->upsertEnrolment(in, kNow, "sync");
        ASSERT_FALSE(up.ok()) << c.what;
        EXPECT_EQ(up.error().code, "store.invalid") << c.what;
        auto got = s->findEnrolmentByReference("ref-bad");
        ASSERT_TRUE(got.ok());
        EXPECT_FALSE(got->has_value()) << c.what;
    }
    // The sizes of the two recognisers, and no face at all, are taken.
    for (std::size_t n : {std::size_t{128}, std::size_t{512}}) {
        EnrolmentRow in = makeEnrolment("ref-ok-" + std::to_string(n), "K12345" + std::to_string(n % 10) + "(1)", kNow, 14);
        in.faceDescriptors = std::vector<FaceDescriptor>(kMaxFaceDescriptors, FaceDescriptor(n, 0.25f));
        auto r = s->enrol(in, "system");
        ASSERT_TRUE(r.ok()) << n << ": " << r.error().message;
        auto got = s->findEnrolmentByReference(in.reference);
        ASSERT_TRUE(got.ok() && got->has_value()) << n;
        EXPECT_EQ((**got).faceDescriptors, in.faceDescriptors);
    }
    EnrolmentRow none = makeEnrolment("ref-noface", "K7654321(0)", kNow, 15);
    none.faceDescriptors.clear();
    EXPECT_TRUE(s->enrol(none, "system").ok());
}

TEST(StoreEnrolment, RoundTripsDescriptorsAndTemplates) {
    TempStore t("enrol-rt");
    auto s = t.open();
    ASSERT_TRUE(s);
    const EnrolmentRow in = makeEnrolment("ref-0001", "K123456(7)", kNow, 11);
    auto r = s->enrol(in, "system");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_GT(r->row.id, 0);
    EXPECT_FALSE(r->replacedReference);

    s.reset();
    s = t.open();
    auto got = s->findEnrolmentByReference("ref-0001");
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_TRUE(got->has_value());
    const EnrolmentRow& e = **got;
    EXPECT_EQ(e.reference, "ref-0001");
    EXPECT_EQ(e.documentHash, documentHash("K1234567"));
    EXPECT_EQ(e.documentMasked, in.documentMasked);
    EXPECT_EQ(e.residency, Residency::HongKongPermanent);
    EXPECT_EQ(e.channel, EnrolmentChannel::Machine);
    EXPECT_EQ(e.dateOfBirth, "1990-04-01");
    EXPECT_EQ(e.documentExpiry, "2031-04-01");
    EXPECT_EQ(e.enrolledAt, kNow);
    EXPECT_TRUE(e.active);
    ASSERT_EQ(e.faceDescriptors.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(e.faceDescriptors[i], in.faceDescriptors[i]);
    ASSERT_EQ(e.fingers.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(e.fingers[i].finger, in.fingers[i].finger);
        EXPECT_EQ(e.fingers[i].formatVersion, 1);
        EXPECT_EQ(e.fingers[i].libfprintVersion, "1.94.5");
        EXPECT_EQ(e.fingers[i].data, in.fingers[i].data);
    }

    auto byDoc = s->findActiveEnrolmentByDocumentHash(documentHash("k123456 (7)"), Biometrics::Without);
    ASSERT_TRUE(byDoc.ok());
    ASSERT_TRUE(byDoc->has_value());
    EXPECT_EQ((*byDoc)->reference, "ref-0001");
    EXPECT_TRUE((*byDoc)->faceDescriptors.empty());  // Without: not decrypted

    auto none = s->findEnrolmentByReference("nope");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
}

TEST(StoreEnrolment, RawFileHoldsNoPlaintextBiometricsNorDocumentNumber) {
    TempStore t("enrol-raw");
    const EnrolmentRow in = makeEnrolment("ref-raw", "M9876543", kNow, 21);
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(in, "system").ok());
    }  // checkpointed into the main file on close
    auto raw = readFile(t.db);
    auto wal = readFile(std::filesystem::path(t.db.string() + "-wal"));
    raw.insert(raw.end(), wal.begin(), wal.end());
    ASSERT_FALSE(raw.empty());
    // The test is able to see plaintext: the reference is stored in clear.
    const std::string ref = "ref-raw";
    ASSERT_TRUE(contains(raw, std::vector<uint8_t>(ref.begin(), ref.end())));
    for (const auto& d : in.faceDescriptors) {
        auto b = descriptorBytes(d);
        EXPECT_FALSE(contains(raw, std::vector<uint8_t>(b.begin(), b.begin() + 32)));
    }
    for (const auto& f : in.fingers)
        EXPECT_FALSE(contains(raw, std::vector<uint8_t>(f.data.begin(), f.data.begin() + 32)));
    const std::string number = "M9876543";
    EXPECT_FALSE(contains(raw, std::vector<uint8_t>(number.begin(), number.end())));
}

TEST(StoreEnrolment, WrongKeyIsRefusedAtOpenNotAtTheFirstTemplate) {
    TempStore t("enrol-wrongkey");
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-k", "K1111111"), "system").ok());
    }
    const auto otherKey = t.dir / "other.key";
    ASSERT_TRUE(Store::createKeyFile(otherKey).ok());
    auto s = Store::open(t.db, keyOpts(otherKey));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
    EXPECT_NE(s.error().message.find(otherKey.string()), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("wrong key"), std::string::npos) << s.error().message;
    // Without a key the non-biometric fields are still readable (kioskctl).
    auto noKey = Store::open(t.db);
    ASSERT_TRUE(noKey.ok()) << noKey.error().message;
    auto plain = (*noKey)->findEnrolmentByReference("ref-k", Biometrics::Without);
    ASSERT_TRUE(plain.ok());
    EXPECT_TRUE(plain->has_value());
}

TEST(StoreEnrolment, NoKeyConfiguredGivesNoKey) {
    TempStore t("enrol-nokey");
    auto s = Store::open(t.db);
    ASSERT_TRUE(s.ok());
    auto r = (*s)->enrol(makeEnrolment("ref-n", "K2222222"), "system");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "store.no_key");
}

TEST(StoreEnrolment, TamperedCiphertextIsDetected) {
    TempStore t("enrol-tamper");
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-t", "K3333333"), "system").ok());
    }
    // Flip one byte inside the face blob, and one in a finger template.
    flipBlobByte(t.db, "enrolments", "face_descriptors", "reference = 'ref-t'", 40);
    auto s = t.open();
    auto got = s->findEnrolmentByReference("ref-t");
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, "store.decrypt_failed");
}

TEST(StoreEnrolment, TruncatedOrEmptiedBlobIsAnErrorNotACrash) {
    TempStore t("enrol-trunc");
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-tr", "K3333335"), "system").ok());
    }
    for (const char* sql : {"UPDATE enrolments SET face_descriptors = substr(face_descriptors, 1, 20)",
                            "UPDATE enrolments SET face_descriptors = X''",
                            "UPDATE enrolments SET face_descriptors = X'01'"}) {
        rawExec(t.db, sql);
        auto s = t.open();
        auto got = s->findEnrolmentByReference("ref-tr");
        ASSERT_FALSE(got.ok()) << sql;
        EXPECT_EQ(got.error().code, "store.decrypt_failed") << sql;
    }
}

TEST(StoreEnrolment, TamperedFingerTemplateIsDetected) {
    TempStore t("enrol-tamper-f");
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-f", "K3333334"), "system").ok());
    }
    flipBlobByte(t.db, "enrolment_fingers", "template", "finger = 'left_index'", 100);
    auto s = t.open();
    auto got = s->findEnrolmentByReference("ref-f");
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, "store.decrypt_failed");
}

TEST(StoreEnrolment, SwappedBlobBetweenEnrolmentsIsDetectedByAad) {
    TempStore t("enrol-swap");
    {
        auto s = t.open();
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-a", "K4444444", kNow, 1), "system").ok());
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-b", "K5555555", kNow, 2), "system").ok());
    }
    rawExec(t.db, "UPDATE enrolments SET face_descriptors = (SELECT face_descriptors FROM enrolments WHERE "
                  "reference = 'ref-b') WHERE reference = 'ref-a'");
    auto s = t.open();
    auto got = s->findEnrolmentByReference("ref-a");
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code, "store.decrypt_failed");
    auto b = s->findEnrolmentByReference("ref-b");
    EXPECT_TRUE(b.ok());
}

TEST(StoreEnrolment, ReEnrolmentReplacesTheOldActiveOneWithAudit) {
    TempStore t("enrol-replace");
    auto s = t.open();
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-old", "K7777777", kNow, 1), "system").ok());
    auto r = s->enrol(makeEnrolment("ref-new", "K777777(7)", kNow + 3600, 2), "officer-42");
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->replacedReference);
    EXPECT_EQ(*r->replacedReference, "ref-old");

    auto old = s->findEnrolmentByReference("ref-old", Biometrics::Without);
    ASSERT_TRUE(old.ok() && old->has_value());
    EXPECT_FALSE((*old)->active);
    auto active = s->findActiveEnrolmentByDocumentHash(documentHash("K7777777"));
    ASSERT_TRUE(active.ok() && active->has_value());
    EXPECT_EQ((*active)->reference, "ref-new");
    EXPECT_EQ((*active)->faceDescriptors[0], makeDescriptor(2));

    auto audit = s->auditEntries();
    ASSERT_TRUE(audit.ok());
    int replaces = 0;
    for (const auto& a : *audit)
        if (a.action == "enrolment.replace") {
            ++replaces;
            EXPECT_EQ(a.actor, "officer-42");
            EXPECT_EQ(a.time, kNow + 3600);
            EXPECT_NE(a.detail.find("old=ref-old"), std::string::npos);
            EXPECT_NE(a.detail.find("new=ref-new"), std::string::npos);
            EXPECT_EQ(a.detail.find("K777777"), std::string::npos);  // no clear number
        }
    EXPECT_EQ(replaces, 1);
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM enrolments WHERE active = 1"), 1);
    EXPECT_TRUE(s->verifyAuditChain().ok());
}

TEST(StoreEnrolment, FailedReEnrolmentLeavesTheOldOneActive) {
    TempStore t("enrol-atomic");
    auto s = t.open();
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-1", "K8888888", kNow, 1), "system").ok());
    // Same reference again (unique): the whole replacement must roll back.
    auto bad = s->enrol(makeEnrolment("ref-1", "K8888888", kNow + 10, 2), "system");
    ASSERT_FALSE(bad.ok());
    auto active = s->findActiveEnrolmentByDocumentHash(documentHash("K8888888"), Biometrics::Without);
    ASSERT_TRUE(active.ok() && active->has_value());
    EXPECT_EQ((*active)->reference, "ref-1");
    EXPECT_TRUE((*active)->active);
}

TEST(StoreEnrolment, DeactivateAndReactivateAreAudited) {
    TempStore t("enrol-state");
    auto s = t.open();
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-s", "K9999999"), "system").ok());
    ASSERT_TRUE(s->setEnrolmentState("ref-s", EnrolmentState::Inactive, kNow + 5, "officer-1").ok());
    auto e = s->findEnrolmentByReference("ref-s", Biometrics::Without);
    ASSERT_TRUE(e.ok() && e->has_value());
    EXPECT_FALSE((*e)->active);
    auto a = s->findActiveEnrolmentByDocumentHash(documentHash("K9999999"), Biometrics::Without);
    ASSERT_TRUE(a.ok());
    EXPECT_FALSE(a->has_value());
    ASSERT_TRUE(s->setEnrolmentState("ref-s", EnrolmentState::Active, kNow + 6, "officer-1").ok());
    auto missing = s->setEnrolmentState("ref-zzz", EnrolmentState::Active, kNow, "officer-1");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, "store.not_found");
    auto audit = s->auditEntries();
    ASSERT_TRUE(audit.ok());
    ASSERT_EQ(audit->size(), 3u);
    EXPECT_EQ((*audit)[1].action, "enrolment.deactivate");
    EXPECT_EQ((*audit)[2].action, "enrolment.activate");
}

TEST(StoreEnrolment, RefusesClearDocumentNumberInHashColumn) {
    TempStore t("enrol-clear");
    auto s = t.open();
    auto row = makeEnrolment("ref-c", "K1231231");
    row.documentHash = "K1231231";
    auto r = s->enrol(row, "system");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "store.invalid");
}

}  // namespace
}  // namespace kiosk::store
