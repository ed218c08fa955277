#include <gtest/gtest.h>

#include "ui/officer_pin.h"

namespace kiosk::ui {
namespace {

TEST(UiOfficerPin, HashVerifiesOnlyTheRightPin) {
    auto h = hashOfficerPin("482913", 2000);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(h->rfind("pbkdf2-sha256$2000$", 0), 0u) << *h;
    EXPECT_TRUE(verifyOfficerPin("482913", *h));
    EXPECT_FALSE(verifyOfficerPin("482914", *h));
    EXPECT_FALSE(verifyOfficerPin("", *h));
    EXPECT_FALSE(verifyOfficerPin("4829130", *h));
}

TEST(UiOfficerPin, SaltMakesHashesDifferent) {
    auto a = hashOfficerPin("1234", 1000), b = hashOfficerPin("1234", 1000);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_NE(*a, *b);
    EXPECT_TRUE(verifyOfficerPin("1234", *a));
    EXPECT_TRUE(verifyOfficerPin("1234", *b));
}

TEST(UiOfficerPin, KnownVectorIsPbkdf2HmacSha256) {
    // PBKDF2-HMAC-SHA256("password", "saltsalt", 1000, 32) computed independently
    // (python3 hashlib.pbkdf2_hmac).
    auto h = hashOfficerPinWithSalt("password", "saltsalt", 1000);
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(*h, "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=");
}

TEST(UiOfficerPin, MalformedOrTamperedHashesNeverVerify) {
    auto h = hashOfficerPinWithSalt("2468", "0123456789abcdef", 1000);
    ASSERT_TRUE(h.ok());
    ASSERT_TRUE(verifyOfficerPin("2468", *h));
    std::string tampered = *h;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(verifyOfficerPin("2468", tampered));
    std::string otherIter = *h;
    otherIter.replace(otherIter.find("$1000$"), 6, "$1001$");
    EXPECT_FALSE(verifyOfficerPin("2468", otherIter));
    for (const char* bad : {"", "2468", "pbkdf2-sha256$x$a$b", "md5$1000$c2FsdA==$c2FsdA==", "pbkdf2-sha256$10$c2FsdHNhbHQ=$AAAA",
                            "pbkdf2-sha256$1000$!!!!$AAAA"})
        EXPECT_FALSE(verifyOfficerPin("2468", bad)) << bad;
    EXPECT_FALSE(hashOfficerPin("12").ok());  // too short
}

}  // namespace
}  // namespace kiosk::ui
