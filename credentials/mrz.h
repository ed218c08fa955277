#pragma once
// ICAO 9303 machine readable zone: TD1 (3 x 30, ID cards) and TD3 (2 x 44, passports),
// every check digit (weights 7-3-1; 0-9, A=10..Z=35, '<'=0) and the composite.
// Errors: code `mrz.invalid`, the message names the field ("document number check digit").
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::credentials {

enum class MrzFormat { TD1, TD3 };

struct MrzData {
    MrzFormat format = MrzFormat::TD3;
    std::string documentType;    // "P", "ID", "I", "AC", ... ('<' stripped)
    std::string issuingState;    // 3 letters, '<' stripped ("D" for Germany)
    std::string documentNumber;  // '<' stripped; TD1 long numbers joined from the optional field
    std::string dateOfBirth;     // YYYY-MM-DD ("" when the MRZ has "<<<<<<")
    std::string sex;             // "M", "F" or "X" ('<' = unspecified)
    std::string expiryDate;      // YYYY-MM-DD
    std::string nationality;
    std::string surname;
    std::string givenNames;      // words joined by single spaces
    std::string optionalData;    // TD3 personal number / TD1 optional data 1 (+ 2)
    std::string birthDateRaw;    // YYMMDD as printed
    std::string expiryDateRaw;   // YYMMDD as printed
};

int mrzCheckDigit(std::string_view field);  // -1 when a character is not allowed

// nowUnix picks the century of the birth date (the latest year not after now); 0 uses
// a fixed pivot (YY > 30 -> 19YY). Expiry is always 20YY.
// Lines may carry trailing CR/whitespace; lowercase is refused.
core::Result<MrzData> parseMrz(const std::vector<std::string>& lines, int64_t nowUnix = 0);

}  // namespace kiosk::credentials
