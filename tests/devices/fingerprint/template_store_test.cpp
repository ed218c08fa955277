// A libfprint print round-trips through the kiosk's encrypted store (AES-256-GCM, key
// file), and a key that does not decrypt gives a clear error. Needs kiosk::store.
#ifdef KIOSK_HAVE_STORE
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "kiosk/store/store.h"
#include "tests/support/test_support.h"

namespace fp = kiosk::devices::fingerprint;
namespace store = kiosk::store;
using namespace std::chrono_literals;

TEST(FingerTemplateStore, RoundTripThroughEncryptedStoreAndWrongKeyIsClearError) {
    auto sensor = std::make_shared<fp::SimFingerSensor>();
    auto reader = fp::LibfprintReader::create(fp::ReaderOptions{}, sensor);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    fp::FingerSynth synth(77);
    for (int k = 0; k < 5; ++k) sensor->present(synth.impression(0, k));
    auto enrolled = (*reader)->enroll({}, 30s);
    ASSERT_TRUE(enrolled.ok()) << enrolled.error().message;

    const auto dir = kiosk::testing::tempDir("fp_store");
    ASSERT_TRUE(store::Store::createKeyFile(dir / "bio.key").ok());
    ASSERT_TRUE(store::Store::createKeyFile(dir / "other.key").ok());
    {
        store::StoreOptions o;
        o.keyFile = dir / "bio.key";
        auto db = store::Store::open(dir / "kiosk.db", o);
        ASSERT_TRUE(db.ok()) << db.error().message;
        store::EnrolmentRow row;
        row.reference = "ref-fp-1";
        row.documentHash = store::documentHash("K1234567");
        row.documentMasked = "K1*****7";
        row.dateOfBirth = "1980-01-01";
        row.documentExpiry = "2035-01-01";
        row.enrolledAt = 1800000000;
        row.fingers.push_back({"right_index", 1, "1.94.5", enrolled->print});
        auto r = (*db)->enrol(row, "test");
        ASSERT_TRUE(r.ok()) << r.error().message;
    }
    // The plaintext print does not appear in the database file.
    {
        std::ifstream f(dir / "kiosk.db", std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        const std::string needle(enrolled->print.begin() + 100, enrolled->print.begin() + 164);
        EXPECT_EQ(bytes.find(needle), std::string::npos);
    }
    {
        store::StoreOptions o;
        o.keyFile = dir / "bio.key";
        auto db = store::Store::open(dir / "kiosk.db", o);
        ASSERT_TRUE(db.ok());
        auto row = (*db)->findEnrolmentByReference("ref-fp-1");
        ASSERT_TRUE(row.ok()) << row.error().message;
        ASSERT_TRUE(row->has_value());
        ASSERT_EQ((*row)->fingers.size(), 1u);
        EXPECT_EQ((*row)->fingers[0].data, enrolled->print);
        // and the decrypted print still verifies the finger through libfprint
        sensor->present(synth.impression(0, 6));
        auto v = (*reader)->verify((*row)->fingers[0].data, 10s);
        ASSERT_TRUE(v.ok()) << v.error().message;
        EXPECT_TRUE(v->match);
    }
    {
        store::StoreOptions o;
        o.keyFile = dir / "other.key";
        // A wrong key is refused when the store opens (issue 16), naming the key file.
        auto db = store::Store::open(dir / "kiosk.db", o);
        ASSERT_FALSE(db.ok());
        EXPECT_EQ(db.error().code, "store.bad_key");
        EXPECT_NE(db.error().message.find("other.key"), std::string::npos) << db.error().message;
    }
}
#endif
