// EU DCC test cases (../shared/data/credentials/dcc): every EXPECTED* flag among verify,
// decode, expiration, base45, compression, unprefix (and picture decode when devices/io
// is built) is reproduced, except the upstream issues listed in known_issues.csv.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "credentials/credentials.h"
#include "tests/support/test_support.h"
#ifdef KIOSK_HAVE_DEVICES_IO
#include "devices/io/image_file.h"
#include "devices/io/qr_decoder.h"
#endif

namespace kiosk::credentials {
namespace {

std::string unbase64(const std::string& in) {
    std::string out;
    int val = 0, bits = -8;
    for (unsigned char c : in) {
        int d;
        if (c >= 'A' && c <= 'Z') d = c - 'A';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
        else if (c >= '0' && c <= '9') d = c - '0' + 52;
        else if (c == '+' || c == '-') d = 62;
        else if (c == '/' || c == '_') d = 63;
        else continue;
        val = (val << 6) | d;
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((val >> bits) & 0xFF));
            bits -= 8;
        }
    }
    return out;
}

// "2021-05-06T18:00:00Z", "...+02:00", "...+0000", "...12:26:07.390079Z"
int64_t parseClock(const std::string& s) {
    int y, mo, d, h, mi, se;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &se) != 6) return 0;
    using namespace std::chrono;
    const auto days = sys_days{year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)}};
    int64_t t = duration_cast<seconds>(days.time_since_epoch()).count() + h * 3600 + mi * 60 + se;
    std::size_t p = 19;
    while (p < s.size() && (s[p] == '.' || std::isdigit(static_cast<unsigned char>(s[p])))) ++p;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        const int sign = s[p] == '+' ? 1 : -1;
        std::string off = s.substr(p + 1);
        off.erase(std::remove(off.begin(), off.end(), ':'), off.end());
        const int oh = std::stoi(off.substr(0, 2)), om = std::stoi(off.substr(2, 2));
        t -= sign * (oh * 3600 + om * 60);
    }
    return t;
}

struct KnownIssue {
    std::string test, country, set;
};

std::vector<KnownIssue> readKnownIssues(const std::filesystem::path& file) {
    std::vector<KnownIssue> out;
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        KnownIssue k;
        std::getline(ss, k.test, ',');
        std::getline(ss, k.country, ',');
        std::getline(ss, k.set, ',');
        out.push_back(k);
    }
    return out;
}

bool isKnownIssue(const std::vector<KnownIssue>& issues, const std::string& test, const std::string& country,
                  const std::string& set) {
    for (const auto& k : issues)
        if (k.test == test && k.country == country && (k.set.empty() || k.set == set)) return true;
    return false;
}

TEST(DccDataset, EveryCaseReproducesItsExpectedFlags) {
    KIOSK_REQUIRE_SHARED_DATA(dir);
    const auto root = dir / "credentials/dcc";
    const auto issues = readKnownIssues(root / "known_issues.csv");
    std::map<std::string, int> checked;
    int skippedKnown = 0, cases = 0;
    for (const auto& countryDir : std::filesystem::directory_iterator(root)) {
        if (!countryDir.is_directory()) continue;
        const std::string country = countryDir.path().filename();
        const auto raw = countryDir.path() / "2DCode/raw";
        if (!std::filesystem::exists(raw)) continue;
        for (const auto& f : std::filesystem::directory_iterator(raw)) {
            if (f.path().extension() != ".json") continue;
            const std::string set = f.path().stem();
            std::ifstream in(f.path());
            const auto j = nlohmann::json::parse(in);
            const auto& ex = j.at("EXPECTEDRESULTS");
            const std::string where = country + "/" + set;
            ++cases;
            auto has = [&](const char* k) { return ex.contains(k) && ex.at(k).is_boolean(); };
            auto str = [&](const char* k) { return j.contains(k) && j.at(k).is_string() ? j.at(k).get<std::string>() : std::string(); };
            const std::string prefixed = str("PREFIX");
            const std::string certDer = j.at("TESTCTX").contains("CERTIFICATE") ? unbase64(j.at("TESTCTX").at("CERTIFICATE").get<std::string>()) : "";
            const int64_t clock = parseClock(j.at("TESTCTX").value("VALIDATIONCLOCK", ""));
            Hc1Options noExpiry;
            noExpiry.checkExpiry = false;

            if (has("EXPECTEDUNPREFIX")) {
                EXPECT_EQ(hc1Unprefix(prefixed).ok(), ex.at("EXPECTEDUNPREFIX").get<bool>()) << where;
                ++checked["unprefix"];
            }
            if (has("EXPECTEDB45DECODE")) {
                const std::string b45 = !str("BASE45").empty() ? str("BASE45") : hc1Unprefix(prefixed).valueOr("");
                EXPECT_EQ(base45Decode(b45).ok(), ex.at("EXPECTEDB45DECODE").get<bool>()) << where;
                ++checked["base45"];
            }
            if (has("EXPECTEDCOMPRESSION")) {
                std::string compressed = fromHex(str("COMPRESSED")).valueOr("");
                if (compressed.empty()) compressed = base45Decode(hc1Unprefix(prefixed).valueOr("")).valueOr("");
                EXPECT_EQ(zlibDecompress(compressed, 64 * 1024).ok(), ex.at("EXPECTEDCOMPRESSION").get<bool>()) << where;
                ++checked["compression"];
            }
            if (has("EXPECTEDDECODE")) {
                EXPECT_EQ(decodeHc1(prefixed).ok(), ex.at("EXPECTEDDECODE").get<bool>())
                    << where << ": " << (decodeHc1(prefixed).ok() ? "" : decodeHc1(prefixed).error().message);
                ++checked["decode"];
            }
            if (has("EXPECTEDVERIFY")) {
                if (isKnownIssue(issues, "test_verification_check", country, set)) {
                    ++skippedKnown;
                } else {
                    const auto r = verifyHc1(prefixed, certDer, clock, noExpiry);
                    EXPECT_EQ(r.ok(), ex.at("EXPECTEDVERIFY").get<bool>()) << where << ": " << (r.ok() ? "" : r.error().message);
                    if (!r.ok()) {
                        EXPECT_TRUE(r.error().code == "hc.bad_signature" || r.error().code == "hc.malformed");
                    }
                    ++checked["verify"];
                }
            }
            if (has("EXPECTEDEXPIRATIONCHECK")) {
                if (isKnownIssue(issues, "test_expiration_check", country, set)) {
                    ++skippedKnown;
                } else {
                    const auto cert = decodeHc1(prefixed);
                    ASSERT_TRUE(cert.ok()) << where;
                    const auto st = checkHc1Expiry(*cert, clock);
                    EXPECT_EQ(st.ok(), ex.at("EXPECTEDEXPIRATIONCHECK").get<bool>()) << where;
                    if (!st.ok()) {
                        EXPECT_EQ(st.error().code, "hc.expired");
                    }
                    ++checked["expiration"];
                }
            }
#ifdef KIOSK_HAVE_DEVICES_IO
            if (has("EXPECTEDPICTUREDECODE") && !str("2DCODE").empty()) {
                const auto png = kiosk::testing::tempDir("dcc-png") / (country + "-" + set + ".png");
                std::ofstream(png, std::ios::binary) << unbase64(str("2DCODE"));
                bool decoded = false;
                if (auto img = devices::io::loadImageFile(png, devices::io::ColorMode::Gray); img.ok()) {
                    auto texts = devices::io::decodeQr(*img);
                    decoded = texts.ok() && !texts->empty();
                    if (decoded && ex.at("EXPECTEDPICTUREDECODE").get<bool>() && !prefixed.empty()) {
                        EXPECT_EQ(texts->front(), prefixed) << where;
                    }
                }
                EXPECT_EQ(decoded, ex.at("EXPECTEDPICTUREDECODE").get<bool>()) << where;
                ++checked["picture"];
            }
#endif
        }
    }
    std::string summary;
    for (const auto& [k, n] : checked) summary += k + "=" + std::to_string(n) + " ";
    std::cout << "[ DCC ] " << cases << " cases; checks: " << summary << "; known upstream issues skipped: " << skippedKnown
              << "\n";
    EXPECT_GE(cases, 50);
    EXPECT_GE(checked["verify"], 20);
    EXPECT_GE(checked["expiration"], 10);
}

// PS256 (RSA-PSS, MGF1-SHA256, salt 32) from the DCC data: CO1 (RSA-2048), CO2 (RSA-3072), CH.
TEST(DccDataset, Ps256CertificatesVerifyAndExposeHealthData) {
    KIOSK_REQUIRE_SHARED_DATA(dir);
    for (const char* rel : {"common/2DCode/raw/CO1.json", "common/2DCode/raw/CO2.json", "CH/2DCode/raw/1.json"}) {
        std::ifstream in(dir / "credentials/dcc" / rel);
        const auto j = nlohmann::json::parse(in);
        const std::string text = j.at("PREFIX");
        const std::string cert = unbase64(j.at("TESTCTX").at("CERTIFICATE").get<std::string>());
        Hc1Options o;
        o.checkExpiry = false;
        const auto r = verifyHc1(text, cert, 0, o);
        ASSERT_TRUE(r.ok()) << rel << ": " << r.error().message;
        const auto msg = parseCoseSign1(zlibDecompress(base45Decode(text.substr(4)).value(), 65536).value(),
                                        CoseOptions{.requireProtectedAlg = false, .rejectDuplicateLabels = false});
        EXPECT_EQ(msg->algId(true), -37) << rel;
        EXPECT_NE(r->type, HealthCertificateType::Unknown) << rel;
        EXPECT_FALSE(r->eventDate.empty()) << rel;
        EXPECT_FALSE(r->dateOfBirth.empty()) << rel;
        // Flip one byte of the signature: refused.
        auto cose = zlibDecompress(base45Decode(text.substr(4)).value(), 65536).value();
        cose[cose.size() - 5] ^= 0x01;
        EXPECT_EQ(verifyHc1("HC1:" + base45Encode(zlibCompress(cose)), cert, 0, o).error().code, "hc.bad_signature") << rel;
    }
}

}  // namespace
}  // namespace kiosk::credentials
