#include "credentials/mrz.h"

#include <chrono>

namespace kiosk::credentials {
namespace {

core::Error invalid(const std::string& what) { return core::makeError("mrz.invalid", "MRZ " + what); }

int charValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    if (c == '<') return 0;
    return -1;
}

std::string stripFiller(std::string_view s) {
    std::string out(s);
    while (!out.empty() && out.back() == '<') out.pop_back();
    while (!out.empty() && out.front() == '<') out.erase(out.begin());
    return out;
}

core::Status checkField(std::string_view field, char check, const std::string& name) {
    const int expected = mrzCheckDigit(field);
    if (check == '<' && expected == 0 && field.find_first_not_of('<') == std::string_view::npos) return {};
    if (check < '0' || check > '9') return invalid(name + " check digit is not a digit");
    if (expected != check - '0') return invalid(name + " check digit does not match");
    return {};
}

bool allDigits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

int yearOf(int64_t unix) {
    using namespace std::chrono;
    const auto days = sys_days{} + std::chrono::days(unix / 86400);
    return static_cast<int>(year_month_day(floor<std::chrono::days>(days)).year());
}

// YYMMDD -> YYYY-MM-DD; birth: century from now (or pivot); expiry: 20YY.
core::Result<std::string> mrzDate(std::string_view raw, bool birth, int64_t nowUnix, const std::string& name) {
    if (raw == "<<<<<<" && birth) return std::string();
    if (!allDigits(raw)) return invalid(name + " is not YYMMDD digits");
    const int yy = (raw[0] - '0') * 10 + (raw[1] - '0');
    const int mm = (raw[2] - '0') * 10 + (raw[3] - '0');
    const int dd = (raw[4] - '0') * 10 + (raw[5] - '0');
    if (mm < 1 || mm > 12) return invalid(name + " month out of range");
    int year;
    if (!birth) {
        year = 2000 + yy;
    } else if (nowUnix > 0) {
        const int nowYear = yearOf(nowUnix);
        year = 2000 + yy <= nowYear ? 2000 + yy : 1900 + yy;
    } else {
        year = yy > 30 ? 1900 + yy : 2000 + yy;
    }
    using namespace std::chrono;
    const year_month_day ymd{std::chrono::year(year), month(static_cast<unsigned>(mm)), day(static_cast<unsigned>(dd))};
    if (!ymd.ok()) return invalid(name + " day out of range");
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, mm, dd);
    return std::string(buf);
}

void splitNames(std::string_view field, MrzData& d) {
    const auto sep = field.find("<<");
    std::string_view primary = sep == std::string_view::npos ? field : field.substr(0, sep);
    std::string_view secondary = sep == std::string_view::npos ? std::string_view{} : field.substr(sep + 2);
    auto words = [](std::string_view s) {
        std::string out;
        std::string cur;
        for (char c : s) {
            if (c == '<') {
                if (!cur.empty()) out += (out.empty() ? "" : " ") + cur;
                cur.clear();
            } else {
                cur.push_back(c);
            }
        }
        if (!cur.empty()) out += (out.empty() ? "" : " ") + cur;
        return out;
    };
    d.surname = words(primary);
    d.givenNames = words(secondary);
}

core::Status checkCharset(const std::string& line, int index) {
    for (std::size_t i = 0; i < line.size(); ++i)
        if (charValue(line[i]) < 0)
            return invalid("line " + std::to_string(index + 1) + " has a character outside A-Z 0-9 < at column " +
                           std::to_string(i + 1));
    return {};
}

core::Status commonFields(MrzData& d, std::string_view dob, char dobCheck, std::string_view sex, std::string_view exp,
                          char expCheck, std::string_view nationality, int64_t nowUnix) {
    KIOSK_TRY(checkField(dob, dobCheck, "date of birth"));
    KIOSK_ASSIGN_OR_RETURN(d.dateOfBirth, mrzDate(dob, true, nowUnix, "date of birth"));
    if (sex != "M" && sex != "F" && sex != "X" && sex != "<") return invalid("sex is not M, F, X or <");
    d.sex = sex == "<" ? "X" : std::string(sex);
    KIOSK_TRY(checkField(exp, expCheck, "expiry date"));
    KIOSK_ASSIGN_OR_RETURN(d.expiryDate, mrzDate(exp, false, nowUnix, "expiry date"));
    d.nationality = stripFiller(nationality);
    if (d.nationality.empty()) return invalid("nationality is empty");
    d.birthDateRaw = std::string(dob);
    d.expiryDateRaw = std::string(exp);
    return {};
}

core::Result<MrzData> parseTd3(const std::vector<std::string>& l, int64_t nowUnix) {
    MrzData d;
    d.format = MrzFormat::TD3;
    const std::string& a = l[0];
    const std::string& b = l[1];
    if (a[0] != 'P' && a[0] != 'V') return invalid("document type must start with P or V for TD3");
    d.documentType = stripFiller(a.substr(0, 2));
    d.issuingState = stripFiller(a.substr(2, 3));
    if (d.issuingState.empty()) return invalid("issuing state is empty");
    splitNames(std::string_view(a).substr(5, 39), d);
    if (d.surname.empty()) return invalid("name (primary identifier) is empty");
    KIOSK_TRY(checkField(b.substr(0, 9), b[9], "document number"));
    d.documentNumber = stripFiller(b.substr(0, 9));
    if (d.documentNumber.empty()) return invalid("document number is empty");
    KIOSK_TRY(commonFields(d, std::string_view(b).substr(13, 6), b[19], std::string_view(b).substr(20, 1),
                           std::string_view(b).substr(21, 6), b[27], std::string_view(b).substr(10, 3), nowUnix));
    KIOSK_TRY(checkField(b.substr(28, 14), b[42], "personal number"));
    d.optionalData = stripFiller(b.substr(28, 14));
    const std::string composite = b.substr(0, 10) + b.substr(13, 7) + b.substr(21, 22);
    KIOSK_TRY(checkField(composite, b[43], "composite"));
    return d;
}

core::Result<MrzData> parseTd1(const std::vector<std::string>& l, int64_t nowUnix) {
    MrzData d;
    d.format = MrzFormat::TD1;
    const std::string& a = l[0];
    const std::string& b = l[1];
    const std::string& c = l[2];
    if (a[0] != 'I' && a[0] != 'A' && a[0] != 'C') return invalid("document type must start with I, A or C for TD1");
    d.documentType = stripFiller(a.substr(0, 2));
    d.issuingState = stripFiller(a.substr(2, 3));
    if (d.issuingState.empty()) return invalid("issuing state is empty");
    std::string optional1 = a.substr(15, 15);
    if (a[14] == '<' && a[13] != '<') {
        // Long document number: continues in optional data 1, its check digit last before '<'.
        const auto end = optional1.find('<');
        const std::string tail = optional1.substr(0, end);
        if (tail.size() < 2) return invalid("document number check digit missing (long number)");
        const std::string number = a.substr(5, 9) + tail.substr(0, tail.size() - 1);
        KIOSK_TRY(checkField(number, tail.back(), "document number"));
        d.documentNumber = stripFiller(number);
        optional1 = end == std::string::npos ? std::string() : optional1.substr(end);
    } else {
        KIOSK_TRY(checkField(a.substr(5, 9), a[14], "document number"));
        d.documentNumber = stripFiller(a.substr(5, 9));
    }
    if (d.documentNumber.empty()) return invalid("document number is empty");
    KIOSK_TRY(commonFields(d, std::string_view(b).substr(0, 6), b[6], std::string_view(b).substr(7, 1),
                           std::string_view(b).substr(8, 6), b[14], std::string_view(b).substr(15, 3), nowUnix));
    const std::string opt1 = stripFiller(optional1), opt2 = stripFiller(b.substr(18, 11));
    d.optionalData = opt2.empty() ? opt1 : opt1.empty() ? opt2 : opt1 + " " + opt2;
    const std::string composite = a.substr(5, 25) + b.substr(0, 7) + b.substr(8, 7) + b.substr(18, 11);
    KIOSK_TRY(checkField(composite, b[29], "composite"));
    splitNames(c, d);
    if (d.surname.empty()) return invalid("name (primary identifier) is empty");
    return d;
}

}  // namespace

int mrzCheckDigit(std::string_view field) {
    static constexpr int kWeights[3] = {7, 3, 1};
    int sum = 0;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const int v = charValue(field[i]);
        if (v < 0) return -1;
        sum += v * kWeights[i % 3];
    }
    return sum % 10;
}

core::Result<MrzData> parseMrz(const std::vector<std::string>& input, int64_t nowUnix) {
    std::vector<std::string> lines;
    for (const auto& raw : input) {
        std::string s = raw;
        while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
        if (!s.empty()) lines.push_back(std::move(s));
    }
    for (std::size_t i = 0; i < lines.size(); ++i) KIOSK_TRY(checkCharset(lines[i], static_cast<int>(i)));
    if (lines.size() == 2) {
        for (std::size_t i = 0; i < 2; ++i)
            if (lines[i].size() != 44)
                return invalid("line " + std::to_string(i + 1) + " length " + std::to_string(lines[i].size()) +
                               " (TD3 lines are 44 characters)");
        return parseTd3(lines, nowUnix);
    }
    if (lines.size() == 3) {
        for (std::size_t i = 0; i < 3; ++i)
            if (lines[i].size() != 30)
                return invalid("line " + std::to_string(i + 1) + " length " + std::to_string(lines[i].size()) +
                               " (TD1 lines are 30 characters)");
        return parseTd1(lines, nowUnix);
    }
    return invalid("line count " + std::to_string(lines.size()) + " (TD1 has 3 lines, TD3 has 2)");
}

}  // namespace kiosk::credentials
