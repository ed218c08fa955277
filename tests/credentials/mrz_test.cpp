#include <gtest/gtest.h>

#include "credentials/mrz.h"

namespace kiosk::credentials {
namespace {

// ICAO 9303 specimens (Part 4 TD3, Part 5 TD1).
const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
const std::vector<std::string> kTd1 = {"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                                       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
constexpr int64_t kMrzNow = 1795000000;  // 2026

std::vector<std::string> withChar(std::vector<std::string> l, std::size_t line, std::size_t col, char c) {
    l[line][col] = c;
    return l;
}
char otherDigit(char c) { return c == '9' ? '0' : static_cast<char>(c + 1); }

void expectInvalid(const std::vector<std::string>& lines, const std::string& field) {
    const auto r = parseMrz(lines, kMrzNow);
    ASSERT_FALSE(r.ok()) << "expected failure naming " << field;
    EXPECT_EQ(r.error().code, "mrz.invalid");
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
}

TEST(Mrz, CheckDigitWeights) {
    EXPECT_EQ(mrzCheckDigit("L898902C3"), 6);
    EXPECT_EQ(mrzCheckDigit("740812"), 2);
    EXPECT_EQ(mrzCheckDigit("120415"), 9);
    EXPECT_EQ(mrzCheckDigit("D23145890"), 7);
    EXPECT_EQ(mrzCheckDigit("<<<<<<"), 0);
    EXPECT_EQ(mrzCheckDigit("AZ<"), (10 * 7 + 35 * 3 + 0) % 10);
    EXPECT_EQ(mrzCheckDigit("a"), -1);
}

TEST(Mrz, Td3Specimen) {
    const auto r = parseMrz(kTd3, kMrzNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->format, MrzFormat::TD3);
    EXPECT_EQ(r->documentType, "P");
    EXPECT_EQ(r->issuingState, "UTO");
    EXPECT_EQ(r->documentNumber, "L898902C3");
    EXPECT_EQ(r->dateOfBirth, "1974-08-12");
    EXPECT_EQ(r->sex, "F");
    EXPECT_EQ(r->expiryDate, "2012-04-15");
    EXPECT_EQ(r->nationality, "UTO");
    EXPECT_EQ(r->surname, "ERIKSSON");
    EXPECT_EQ(r->givenNames, "ANNA MARIA");
    EXPECT_EQ(r->optionalData, "ZE184226B");
}

TEST(Mrz, Td1Specimen) {
    const auto r = parseMrz(kTd1, kMrzNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->format, MrzFormat::TD1);
    EXPECT_EQ(r->documentType, "I");
    EXPECT_EQ(r->documentNumber, "D23145890");
    EXPECT_EQ(r->dateOfBirth, "1974-08-12");
    EXPECT_EQ(r->expiryDate, "2012-04-15");
    EXPECT_EQ(r->surname, "ERIKSSON");
    EXPECT_EQ(r->givenNames, "ANNA MARIA");
}

TEST(Mrz, Td3EveryCheckDigitFailure) {
    expectInvalid(withChar(kTd3, 1, 9, otherDigit(kTd3[1][9])), "document number check digit");
    expectInvalid(withChar(kTd3, 1, 19, otherDigit(kTd3[1][19])), "date of birth check digit");
    expectInvalid(withChar(kTd3, 1, 27, otherDigit(kTd3[1][27])), "expiry date check digit");
    expectInvalid(withChar(kTd3, 1, 42, '5'), "personal number check digit");
    expectInvalid(withChar(kTd3, 1, 43, otherDigit(kTd3[1][43])), "composite check digit");
    // A changed data character (not the check digit) is caught too.
    expectInvalid(withChar(kTd3, 1, 0, 'M'), "document number check digit");
}

TEST(Mrz, Td1EveryCheckDigitFailure) {
    expectInvalid(withChar(kTd1, 0, 14, otherDigit(kTd1[0][14])), "document number check digit");
    expectInvalid(withChar(kTd1, 1, 6, otherDigit(kTd1[1][6])), "date of birth check digit");
    expectInvalid(withChar(kTd1, 1, 14, otherDigit(kTd1[1][14])), "expiry date check digit");
    expectInvalid(withChar(kTd1, 1, 29, otherDigit(kTd1[1][29])), "composite check digit");
    expectInvalid(withChar(kTd1, 0, 20, 'X'), "composite check digit");  // optional data is in the composite
}

TEST(Mrz, OtherFieldErrorsNameTheField) {
    expectInvalid(withChar(kTd3, 1, 20, 'Q'), "sex");
    expectInvalid({kTd3[0]}, "line count");
    expectInvalid({kTd3[0], kTd3[1].substr(0, 43)}, "line 2 length");
    expectInvalid(withChar(kTd3, 0, 7, 'e'), "line 1 has a character");
    expectInvalid(withChar(kTd3, 0, 0, 'X'), "document type");
    // Month 13 with a matching check digit.
    auto bad = kTd3;
    bad[1].replace(13, 7, "741312" + std::to_string(mrzCheckDigit("741312")));
    bad[1][43] = static_cast<char>('0' + mrzCheckDigit(bad[1].substr(0, 10) + bad[1].substr(13, 7) + bad[1].substr(21, 22)));
    expectInvalid(bad, "date of birth month");
}

TEST(Mrz, Td1LongDocumentNumber) {
    // ICAO 9303-5 long number: 12 characters, '<' at the check position, rest + check in optional data.
    std::string l1 = "I<UTOD23145890<7349<<<<<<<<<<<";
    const std::string number = "D23145890734";
    l1[18] = static_cast<char>('0' + mrzCheckDigit(number));
    std::string l2 = "3407127M9507122UTO<<<<<<<<<<<0";
    const std::string composite = l1.substr(5, 25) + l2.substr(0, 7) + l2.substr(8, 7) + l2.substr(18, 11);
    l2[29] = static_cast<char>('0' + mrzCheckDigit(composite));
    const auto r = parseMrz({l1, l2, "STEVENSON<<PETER<JOHN<<<<<<<<<"}, kMrzNow);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->documentNumber, number);
    EXPECT_EQ(r->dateOfBirth, "1934-07-12");
    EXPECT_EQ(r->sex, "M");
    EXPECT_EQ(r->givenNames, "PETER JOHN");
}

TEST(Mrz, BirthCenturyFollowsNow) {
    auto young = kTd3;
    young[1].replace(13, 7, "150101" + std::to_string(mrzCheckDigit("150101")));
    young[1][43] = static_cast<char>('0' + mrzCheckDigit(young[1].substr(0, 10) + young[1].substr(13, 7) + young[1].substr(21, 22)));
    EXPECT_EQ(parseMrz(young, kMrzNow)->dateOfBirth, "2015-01-01");
    EXPECT_EQ(parseMrz(young, 946684800 /* 2000 */)->dateOfBirth, "1915-01-01");
    // Trailing CR / spaces from a reader are tolerated.
    EXPECT_TRUE(parseMrz({kTd3[0] + "\r", kTd3[1] + " "}, kMrzNow).ok());
}

}  // namespace
}  // namespace kiosk::credentials
