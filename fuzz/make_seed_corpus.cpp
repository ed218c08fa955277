// Writes the small seed corpora under fuzz/corpus/<target>/ from data made here (our own
// keys and tokens, ICAO 9303 specimen MRZs, RFC 9285 example strings).
// Build: see scripts/fuzz (target make_seed_corpus); run: make_seed_corpus <fuzz/corpus>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "credentials/credentials.h"

using namespace kiosk::credentials;
namespace fs = std::filesystem;

static void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_seed_corpus <corpus-dir>\n";
        return 2;
    }
    const fs::path root = argv[1];
    const int64_t now = 1795000000;
    // base45
    for (const char* s : {"BB8", "%69 VD92EX0", "UJCLQE7W581", "QED8WEX0", "FGW", "GGW", "A", "00", ""})
        put(root / "base45", std::string("s_") + std::to_string(std::hash<std::string>{}(s) % 100000), s);
    // cbor
    put(root / "cbor", "map_int_keys", cborEncode(CborValue::map({{CborValue::integer(1), CborValue::text("HK")},
                                                                  {CborValue::integer(-260), CborValue::bytes("\x01\x02")}})));
    put(root / "cbor", "indefinite", std::string("\x9f\x01\x7f\x61\x61\x61\x62\xff\xbf\x01\x02\xff\xff", 13));
    put(root / "cbor", "tags_floats", cborEncode(CborValue::tag(18, CborValue::array({CborValue::floating(1.5),
                                                                                       CborValue::boolean(true),
                                                                                       CborValue::null()}))) +
                                          std::string());
    put(root / "cbor", "half_float", std::string("\xf9\x3c\x00", 3));
    // tokens
    auto es = generateIssuerKey(Algorithm::ES256, "hk-es-1").value();
    auto ed = generateIssuerKey(Algorithm::EdDSA, "mo-ed-1").value();
    CrossingClaims c;
    c.issuer = "HK";
    c.subject = "enr-0001";
    c.issuedAt = now;
    c.expiresAt = now + 30;
    c.tokenId = "0011223344556677";
    c.documentType = "HKID";
    c.dateOfBirth = "1990-04-01";
    int i = 0;
    for (const auto* k : {&es, &ed}) {
        const auto qr = issueCrossingQr(c, *k).value();
        put(root / "qr_text", "crossing_" + std::to_string(i), qr);
        const auto cose = zlibDecompress(base45Decode(qr.substr(6)).value(), 4096).value();
        put(root / "cose", "crossing_" + std::to_string(i), cose);
        put(root / "cbor", "cose_" + std::to_string(i), cose);
        HealthCodeClaims h{"HK", "enr-0001", HealthColour::Amber, now, std::nullopt, "aa55", ""};
        put(root / "qr_text", "healthcode_" + std::to_string(i), issueHealthCodeToken(h, *k).value());
        ++i;
    }
    // An HC1-shaped certificate signed with our own key (claim -260 -> {1: {...}}).
    CwtClaims w;
    w.iss = "XX";
    w.iat = now;
    w.exp = now + 86400 * 365;
    w.privateClaims.emplace_back(
        CborValue::integer(-260),
        CborValue::map({{CborValue::integer(1),
                         CborValue::map({{CborValue::text("ver"), CborValue::text("1.3.0")},
                                         {CborValue::text("dob"), CborValue::text("1990-04-01")},
                                         {CborValue::text("v"),
                                          CborValue::array({CborValue::map({{CborValue::text("dt"), CborValue::text("2021-06-01")},
                                                                            {CborValue::text("dn"), CborValue::integer(2)},
                                                                            {CborValue::text("sd"), CborValue::integer(2)}})})}})}}));
    const auto hc = signCoseSign1(encodeCwtClaims(w), PrivateKey::fromPem(es.privatePem).value(), Algorithm::ES256, "12345678").value();
    put(root / "qr_text", "hc1", "HC1:" + base45Encode(zlibCompress(hc)));
    put(root / "cose", "hc1", hc);
    // MRZ: ICAO 9303 specimens (TD3 passport, TD1 card)
    put(root / "mrz", "td3", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10");
    put(root / "mrz", "td1",
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    std::cout << "seed corpus written to " << root << "\n";
    return 0;
}
