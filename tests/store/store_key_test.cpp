// The biometric key rules (issue 16, defect 2): a missing key is never silently remade
// beside data sealed with the old one, a wrong key is refused at open, a key file others
// can read is refused, and a run can keep its key in memory only.
#include <sys/stat.h>

#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;
namespace fs = std::filesystem;

unsigned modeOf(const fs::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0u;
}

StoreOptions makeMissing(const fs::path& key) {
    StoreOptions o;
    o.keyFile = key;
    o.missingKey = MissingKey::CreateForUnkeyedStore;
    return o;
}

TEST(StoreKey, Defect2_MissingKeyBesideASealedStoreIsRefusedNotRemade) {
    TempStore t("key-missing");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-m", "K3333333"), "system").ok());
    }
    ASSERT_TRUE(fs::remove(t.key));
    auto s = Store::open(t.db, makeMissing(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
    EXPECT_NE(s.error().message.find(t.key.string()), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("missing"), std::string::npos) << s.error().message;
    EXPECT_FALSE(fs::exists(t.key)) << "a new key was made beside the sealed data";
}

TEST(StoreKey, Defect2_MissingKeyIsRefusedOnceTheStoreHasUsedAKeyEvenWithoutTemplates) {
    TempStore t("key-missing-check");
    { ASSERT_TRUE(t.open()); }  // opened with a key: the key-check value is written
    ASSERT_TRUE(fs::remove(t.key));
    auto s = Store::open(t.db, makeMissing(t.key));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
    EXPECT_FALSE(fs::exists(t.key));
}

TEST(StoreKey, MissingKeyForANewStoreIsMadeOwnerOnlyInAnOwnerOnlyFolder) {
    auto dir = kiosk::testing::tempDir("store-key-new");
    const fs::path key = dir / "keys/sub/biometrics.key";
    auto s = Store::open(dir / "kiosk.db", makeMissing(key));
    ASSERT_TRUE(s.ok()) << s.error().message;
    ASSERT_TRUE(fs::exists(key));
    EXPECT_EQ(modeOf(key), 0600u);
    EXPECT_EQ(modeOf(dir / "keys/sub"), 0700u);
    EXPECT_EQ(readFile(key).size(), kKeyBytes);
    ASSERT_TRUE((*s)->enrol(makeEnrolment("ref-n", "K4444444"), "system").ok());
}

TEST(StoreKey, MissingKeyIsRefusedByDefault) {
    auto dir = kiosk::testing::tempDir("store-key-refuse");
    auto s = Store::open(dir / "kiosk.db", keyOpts(dir / "none.key"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
    EXPECT_FALSE(fs::exists(dir / "none.key"));
}

TEST(StoreKey, Defect2_WrongKeyIsRefusedAlsoForAStoreWrittenBeforeTheKeyCheck) {
    TempStore t("key-wrong-legacy");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        ASSERT_TRUE(s->enrol(makeEnrolment("ref-w", "K5555555"), "system").ok());
    }
    // As a schema-3 store has it: no key-check value, only sealed templates.
    rawExec(t.db, "DELETE FROM meta WHERE key = 'key.check'");
    const fs::path other = t.dir / "other.key";
    ASSERT_TRUE(Store::createKeyFile(other).ok());
    auto wrong = Store::open(t.db, keyOpts(other));
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, "store.bad_key");
    EXPECT_NE(wrong.error().message.find(other.string()), std::string::npos) << wrong.error().message;
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM meta WHERE key = 'key.check'"), 0);
    // The right key opens it, decrypts, and the check value is written for next time.
    auto right = t.open();
    ASSERT_TRUE(right);
    auto got = right->findEnrolmentByReference("ref-w");
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM meta WHERE key = 'key.check'"), 1);
}

TEST(StoreKey, KeyFileWithAnyGroupOrOtherPermissionIsRefused) {
    TempStore t("key-mode");
    { ASSERT_TRUE(t.open()); }
    for (unsigned mode : {0644u, 0640u, 0604u, 0660u, 0606u, 0610u}) {
        ASSERT_EQ(::chmod(t.key.c_str(), mode), 0);
        auto s = Store::open(t.db, keyOpts(t.key));
        ASSERT_FALSE(s.ok()) << std::oct << mode;
        EXPECT_EQ(s.error().code, "store.bad_key") << std::oct << mode;
        EXPECT_NE(s.error().message.find("chmod 600 " + t.key.string()), std::string::npos) << s.error().message;
    }
    for (unsigned mode : {0600u, 0400u}) {
        ASSERT_EQ(::chmod(t.key.c_str(), mode), 0);
        auto s = Store::open(t.db, keyOpts(t.key));
        EXPECT_TRUE(s.ok()) << std::oct << mode << " " << (s.ok() ? "" : s.error().message);
    }
}

TEST(StoreKey, KeyThatIsAFolderIsRefused) {
    auto dir = kiosk::testing::tempDir("store-key-dir");
    fs::create_directories(dir / "k.key");
    ::chmod((dir / "k.key").c_str(), 0700);
    auto s = Store::open(dir / "kiosk.db", keyOpts(dir / "k.key"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store.bad_key");
}

TEST(StoreKey, InMemoryKeySealsAndOpensWithoutAnyKeyFile) {
    auto dir = kiosk::testing::tempDir("store-key-mem");
    auto key = Store::generateKey();
    ASSERT_TRUE(key.ok());
    StoreOptions o;
    o.keyBytes = *key;
    auto s = Store::open(dir / "kiosk.db", o);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto in = makeEnrolment("ref-mem", "K6666666");
    ASSERT_TRUE((*s)->enrol(in, "system").ok());
    auto got = (*s)->findEnrolmentByReference("ref-mem");
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->faceDescriptors, in.faceDescriptors);
    s->reset();
    // Only the database (and its WAL files) is on disk.
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_EQ(e.path().filename().string().rfind("kiosk.db", 0), 0u) << e.path();
    // Another key is refused for that store.
    auto other = Store::generateKey();
    StoreOptions o2;
    o2.keyBytes = *other;
    auto again = Store::open(dir / "kiosk.db", o2);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "store.bad_key");
}

TEST(StoreKey, DefaultKeyFileIsNeverBesideTheData) {
    const fs::path k = defaultKeyFile();
    EXPECT_TRUE(k.is_absolute()) << k;
    EXPECT_EQ(k.filename(), "biometrics.key");
    EXPECT_EQ(k.parent_path().filename(), "kiosk") << k;
    EXPECT_EQ(defaultKeyFile("journal.key").filename(), "journal.key");
}

}  // namespace
}  // namespace kiosk::store
