// kioskctl key / trust / token: issuer keys, signed trust lists, crossing and health-code
// tokens (text and QR PNG), and verification of any QR text (or QR image) with a verdict.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <zlib.h>

#include "core/clock.h"
#include "core/log.h"
#include "credentials/credentials.h"
#include "tools/command.h"

#if defined(KIOSK_HAVE_QRENCODE) || __has_include(<qrencode.h>)
#include <qrencode.h>
#define KIOSKCTL_QR_PNG 1
#endif
#if __has_include("devices/io/qr_decoder.h") && __has_include("devices/io/image_file.h")
#include "devices/io/image_file.h"
#include "devices/io/qr_decoder.h"
#define KIOSKCTL_QR_IMAGE 1
#endif

namespace kiosk::tools {
namespace {
namespace cr = kiosk::credentials;

int fail(const std::string& msg) {
    std::cerr << "kioskctl: " << msg << "\n";
    return 1;
}
int fail(const core::Error& e) { return fail(e.code + ": " + e.message); }

bool readFile(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}
bool writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    return static_cast<bool>(out);
}

// Every value of a repeated option.
std::vector<std::string> options(const Args& args, const std::string& name) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == name) out.push_back(args[i + 1]);
    return out;
}

// "--now" as unix seconds or ISO 8601; default: the system clock (tools may read it).
bool timeOption(const Args& args, const std::string& name, int64_t& out) {
    const std::string v = option(args, name);
    if (v.empty()) {
        out = core::toUnixSeconds(core::SystemClock().wallNow());
        return true;
    }
    if (v.find_first_not_of("0123456789") == std::string::npos) {
        out = std::stoll(v);
        return true;
    }
    core::WallTime t;
    if (!core::parseIsoTime(v, t)) return false;
    out = core::toUnixSeconds(t);
    return true;
}

std::string randomHex(int bytes) {
    std::random_device rd;
    std::string s;
    static const char* d = "0123456789abcdef";
    for (int i = 0; i < bytes; ++i) {
        const unsigned v = rd() & 0xFF;
        s += d[v >> 4];
        s += d[v & 15];
    }
    return s;
}

// Private key PEM + kid (+ alg from the key type unless given).
core::Result<cr::IssuerKeyPair> loadSigner(const Args& args, const std::string& keyOpt, const std::string& kidOpt) {
    const std::string path = option(args, keyOpt);
    cr::IssuerKeyPair kp;
    if (path.empty() || !readFile(path, kp.privatePem)) return core::makeError("tool.bad_args", keyOpt + ": cannot read private key PEM");
    kp.kid = option(args, kidOpt);
    if (kp.kid.empty()) return core::makeError("tool.bad_args", kidOpt + " is required");
    KIOSK_ASSIGN_OR_RETURN(cr::PrivateKey key, cr::PrivateKey::fromPem(kp.privatePem));
    const auto alg = key.naturalAlgorithm();
    if (!alg) return core::makeError("tool.bad_args", "unsupported key type");
    kp.alg = *alg;
    return kp;
}

// ---- minimal PNG (8-bit gray) with zlib ----
std::string pngChunk(const char* type, const std::string& data) {
    std::string c;
    const uint32_t n = static_cast<uint32_t>(data.size());
    c += {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
    std::string body = std::string(type, 4) + data;
    c += body;
    const uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    c += {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8), static_cast<char>(crc)};
    return c;
}

std::string encodePngGray(int w, int h, const std::vector<uint8_t>& px) {
    std::string raw;
    raw.reserve(static_cast<std::size_t>((w + 1) * h));
    for (int y = 0; y < h; ++y) {
        raw.push_back('\0');  // filter: none
        raw.append(reinterpret_cast<const char*>(&px[static_cast<std::size_t>(y * w)]), static_cast<std::size_t>(w));
    }
    std::string ihdr;
    for (uint32_t v : {static_cast<uint32_t>(w), static_cast<uint32_t>(h)})
        ihdr += {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
    ihdr += {8, 0, 0, 0, 0};  // depth 8, gray, deflate, no filter set, no interlace
    return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", cr::zlibCompress(raw)) +
           pngChunk("IEND", "");
}

#ifdef KIOSKCTL_QR_PNG
bool writeQrPng(const std::string& text, const std::string& path, int scale) {
    // Alphanumeric mode fits Base45 exactly (upper case, digits, " $%*+-./:").
    QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return false;
    const int quiet = 4, n = qr->width, side = (n + 2 * quiet) * scale;
    std::vector<uint8_t> px(static_cast<std::size_t>(side * side), 255);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            if (qr->data[y * n + x] & 1)
                for (int dy = 0; dy < scale; ++dy)
                    for (int dx = 0; dx < scale; ++dx)
                        px[static_cast<std::size_t>(((y + quiet) * scale + dy) * side + (x + quiet) * scale + dx)] = 0;
    QRcode_free(qr);
    return writeFile(path, encodePngGray(side, side, px));
}
#endif

int outputToken(const Args& args, const std::string& text) {
    std::cout << text << "\n";
    const std::string png = option(args, "--png");
    if (png.empty()) return 0;
#ifdef KIOSKCTL_QR_PNG
    if (!writeQrPng(text, png, std::stoi(option(args, "--scale", "6")))) return fail("cannot write " + png);
    std::cerr << "QR written to " << png << "\n";
    return 0;
#else
    return fail("built without libqrencode: --png unavailable");
#endif
}

// ---- commands ----
int keyCreate(const Args& args) {
    const auto alg = cr::algorithmFromName(option(args, "--alg", "ES256"));
    if (!alg || (*alg != cr::Algorithm::ES256 && *alg != cr::Algorithm::EdDSA))
        return fail("--alg must be ES256 or EdDSA");
    const std::string kid = option(args, "--kid"), out = option(args, "--out");
    if (kid.empty() || out.empty()) return fail("--kid and --out are required");
    auto kp = cr::generateIssuerKey(*alg, kid);
    if (!kp) return fail(kp.error());
    if (!writeFile(out + ".key.pem", kp->privatePem) || !writeFile(out + ".pub.pem", kp->publicPem))
        return fail("cannot write " + out + ".key.pem / .pub.pem");
    std::cout << "kid " << kid << " (" << cr::algorithmName(*alg) << "): " << out << ".key.pem, " << out << ".pub.pem\n";
    return 0;
}

// --issuer kid=K,pem=FILE[,issuer=HK][,purpose=crossing|health_code|any][,from=unix][,until=unix]
core::Result<cr::TrustedKey> parseIssuerSpec(const std::string& spec) {
    cr::TrustedKey k;
    std::string pemPath;
    std::stringstream ss(spec);
    std::string part;
    while (std::getline(ss, part, ',')) {
        const auto eq = part.find('=');
        if (eq == std::string::npos) return core::makeError("tool.bad_args", "--issuer: '" + part + "' is not key=value");
        const std::string key = part.substr(0, eq), v = part.substr(eq + 1);
        if (key == "kid") k.kid = v;
        else if (key == "pem") pemPath = v;
        else if (key == "issuer") k.issuer = v;
        else if (key == "from") k.validFrom = std::stoll(v);
        else if (key == "until") k.validUntil = std::stoll(v);
        else if (key == "purpose")
            k.purpose = v == "crossing" ? cr::KeyPurpose::Crossing : v == "health_code" ? cr::KeyPurpose::HealthCode : cr::KeyPurpose::Any;
        else return core::makeError("tool.bad_args", "--issuer: unknown field " + key);
    }
    if (k.kid.empty() || pemPath.empty() || !readFile(pemPath, k.publicPem))
        return core::makeError("tool.bad_args", "--issuer needs kid= and a readable pem=");
    KIOSK_ASSIGN_OR_RETURN(cr::PublicKey pk, cr::PublicKey::fromPem(k.publicPem));
    const auto alg = pk.naturalAlgorithm();
    if (!alg) return core::makeError("tool.bad_args", "--issuer: unsupported key type");
    k.alg = *alg;
    return k;
}

int trustMake(const Args& args) {
    auto signer = loadSigner(args, "--signer", "--signer-kid");
    if (!signer) return fail(signer.error());
    std::vector<cr::TrustedKey> keys;
    for (const auto& spec : options(args, "--issuer")) {
        auto k = parseIssuerSpec(spec);
        if (!k) return fail(k.error());
        keys.push_back(std::move(k).value());
    }
    if (keys.empty()) return fail("at least one --issuer is required");
    int64_t issuedAt;
    if (!timeOption(args, "--issued-at", issuedAt)) return fail("--issued-at: not a time");
    auto list = cr::TrustList::fromKeys(std::move(keys), issuedAt, std::stoll(option(args, "--sequence", "1")));
    if (!list) return fail(list.error());
    const std::string out = option(args, "--out");
    if (out.empty()) return fail("--out is required");
    if (auto st = list->saveSignedFile(out, *signer); !st) return fail(st.error());
    std::cout << "trust list with " << list->keys().size() << " key(s), issued " << core::formatIsoUtc(core::fromUnixSeconds(issuedAt))
              << ", sequence " << list->sequence() << ": " << out << "\n";
    return 0;
}

core::Result<cr::TrustList> loadTrust(const Args& args) {
    std::string signerPem;
    if (!readFile(option(args, "--trust-signer"), signerPem))
        return core::makeError("tool.bad_args", "--trust-signer: cannot read the trust-list signer's public PEM");
    return cr::TrustList::loadSignedFile(option(args, "--trust"), signerPem);
}

int trustShow(const Args& args) {
    auto list = loadTrust(args);
    if (!list) return fail(list.error());
    int64_t now;
    if (!timeOption(args, "--now", now)) return fail("--now: not a time");
    std::cout << "issued " << core::formatIsoUtc(core::fromUnixSeconds(list->issuedAt())) << ", sequence " << list->sequence() << "\n";
    for (const auto& k : list->keys())
        std::cout << "  kid " << k.kid << "  " << cr::algorithmName(k.alg) << "  issuer " << (k.issuer.empty() ? "-" : k.issuer)
                  << "  purpose " << cr::keyPurposeName(k.purpose) << "  valid " << (k.validFrom ? std::to_string(k.validFrom) : "-")
                  << ".." << (k.validUntil ? std::to_string(k.validUntil) : "-") << "\n";
    int64_t seen = 0;
    auto fresh = list->checkFreshness(now, seen);
    if (!fresh) {
        std::cout << "verdict: " << fresh.error().code << " (" << fresh.error().message << ")\n";
        return 3;
    }
    std::cout << "verdict: " << (fresh->warning ? fresh->warning->code : "fresh") << " (age " << fresh->ageSeconds / 86400 << " days)\n";
    return 0;
}

int tokenCrossing(const Args& args) {
    auto signer = loadSigner(args, "--key", "--kid");
    if (!signer) return fail(signer.error());
    cr::CrossingClaims c;
    c.issuer = option(args, "--iss", "HK");
    c.subject = option(args, "--sub");
    if (c.subject.empty()) return fail("--sub (enrolment reference) is required");
    if (!timeOption(args, "--iat", c.issuedAt)) return fail("--iat: not a time");
    c.expiresAt = c.issuedAt + std::stoll(option(args, "--ttl", "30"));
    c.tokenId = option(args, "--cti", randomHex(16));
    if (!option(args, "--doc").empty()) c.documentType = option(args, "--doc");
    if (!option(args, "--dob").empty()) c.dateOfBirth = option(args, "--dob");
    auto text = cr::issueCrossingQr(c, *signer);
    if (!text) return fail(text.error());
    return outputToken(args, *text);
}

int tokenHealth(const Args& args) {
    auto signer = loadSigner(args, "--key", "--kid");
    if (!signer) return fail(signer.error());
    cr::HealthCodeClaims h;
    h.issuer = option(args, "--iss", "HK-DH");
    h.subject = option(args, "--sub");
    if (h.subject.empty()) return fail("--sub (enrolment reference) is required");
    const auto colour = cr::healthColourFromName(option(args, "--colour", "green"));
    if (!colour) return fail("--colour must be green, amber or red");
    h.colour = *colour;
    if (!timeOption(args, "--iat", h.issuedAt)) return fail("--iat: not a time");
    if (!option(args, "--ttl").empty()) h.expiresAt = h.issuedAt + std::stoll(option(args, "--ttl"));
    h.tokenId = option(args, "--cti", randomHex(16));
    auto text = cr::issueHealthCodeToken(h, *signer);
    if (!text) return fail(text.error());
    return outputToken(args, *text);
}

int tokenVerify(const Args& args) {
    std::string text = option(args, "--text");
    if (text.empty() && !option(args, "--file").empty()) {
        if (!readFile(option(args, "--file"), text)) return fail("--file: cannot read");
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    }
    if (text.empty() && !option(args, "--image").empty()) {
#ifdef KIOSKCTL_QR_IMAGE
        auto img = devices::io::loadImageFile(option(args, "--image"), devices::io::ColorMode::Gray);
        if (!img) return fail(img.error());
        auto texts = devices::io::decodeQr(*img);
        if (!texts) return fail(texts.error());
        if (texts->empty()) return fail("no QR code found in the image");
        text = texts->front();
#else
        return fail("built without devices/io: --image unavailable");
#endif
    }
    if (text.empty()) return fail("give --text, --file or --image");
    int64_t now;
    if (!timeOption(args, "--now", now)) return fail("--now: not a time");
    std::cout << "text sha256/16: " << core::hashForLog(text) << " (" << text.size() << " chars)\n";
    auto verdict = [](const core::Error* e) {
        std::cout << "verdict: " << (e ? e->code + " (" + e->message + ")" : std::string("ok")) << "\n";
        return e ? 3 : 0;
    };
    if (text.rfind("HC1:", 0) == 0) {
        const std::string certPath = option(args, "--cert");
        auto cert = certPath.empty() ? cr::decodeHc1(text) : core::Result<cr::Hc1Certificate>(core::makeError("", ""));
        const auto caPaths = options(args, "--ca");
        if (!certPath.empty()) {
            std::string der;
            if (!readFile(certPath, der)) return fail("--cert: cannot read (DER X.509)");
            cr::Hc1Options o;
            for (const auto& p : caPaths) {
                std::string ca;
                if (!readFile(p, ca)) return fail("--ca " + p + ": cannot read (DER X.509)");
                o.signingCaDers.push_back(std::move(ca));
            }
            // Without --ca the DSC given is taken as trusted (as from a DSC list), and said so.
            if (caPaths.empty()) o.signerTrust = cr::Hc1SignerTrust::SignerListed;
            cert = cr::verifyHc1(text, der, now, o);
        }
        if (!cert) return verdict(&cert.error());
        std::cout << "HC1 issuer " << cert->issuer << ", type " << cr::healthCertificateTypeName(cert->type) << ", event "
                  << cert->eventDate << ", dob " << cert->dateOfBirth << "\n  " << cert->hcertJson << "\n";
        if (certPath.empty()) std::cout << "(signature NOT checked: give --cert)\n";
        else if (caPaths.empty()) std::cout << "(chain NOT checked: the signer certificate was taken as trusted; give --ca)\n";
        return verdict(nullptr);
    }
    auto trust = loadTrust(args);
    if (!trust) return fail(trust.error());
    if (text.rfind(cr::kHealthCodePrefix, 0) == 0) {
        auto h = cr::verifyHealthCode(text, *trust, now);
        if (!h) return verdict(&h.error());
        std::cout << "health code: iss " << h->issuer << ", sub " << h->subject << ", colour " << cr::healthColourName(h->colour)
                  << ", iat " << core::formatIsoUtc(core::fromUnixSeconds(h->issuedAt)) << ", cti " << h->tokenId << ", kid "
                  << h->kid << "\n";
        return verdict(nullptr);
    }
    auto c = cr::verifyCrossingQr(text, *trust, now);
    if (!c) return verdict(&c.error());
    std::cout << "crossing: iss " << c->issuer << ", sub " << c->subject << ", iat "
              << core::formatIsoUtc(core::fromUnixSeconds(c->issuedAt)) << ", exp "
              << core::formatIsoUtc(core::fromUnixSeconds(c->expiresAt)) << ", cti " << c->tokenId << ", kid " << c->kid
              << ", doc " << c->documentType.value_or("-") << ", dob " << c->dateOfBirth.value_or("-") << "\n";
    return verdict(nullptr);
}

}  // namespace

KIOSKCTL_COMMAND({"key", "create", "--alg ES256|EdDSA --kid <kid> --out <prefix>",
                  "issuer key pair: <prefix>.key.pem (PKCS#8) and <prefix>.pub.pem", keyCreate});
KIOSKCTL_COMMAND({"trust", "make",
                  "--signer <key.pem> --signer-kid <kid> --issuer kid=K,pem=P[,issuer=HK,purpose=crossing,from=T,until=T]... "
                  "[--issued-at T] [--sequence N] --out <file>",
                  "make and sign a trust list (COSE_Sign1 over JSON)", trustMake});
KIOSKCTL_COMMAND({"trust", "show", "--trust <file> --trust-signer <pub.pem> [--now T]",
                  "verify a trust list's signature, list its keys and its freshness", trustShow});
KIOSKCTL_COMMAND({"token", "crossing",
                  "--key <key.pem> --kid <kid> --sub <enrolment> [--iss HK] [--iat T] [--ttl 30] [--cti hex] [--doc T] "
                  "[--dob YYYY-MM-DD] [--png out.png [--scale 6]]",
                  "issue a crossing QR (HKMO1:...), optionally as a PNG", tokenCrossing});
KIOSKCTL_COMMAND({"token", "health",
                  "--key <key.pem> --kid <kid> --sub <enrolment> --colour green|amber|red [--iat T] [--ttl S] [--png out.png [--scale 6]]",
                  "issue a health-code token (HKHC1:...)", tokenHealth});
KIOSKCTL_COMMAND({"token", "verify",
                  "(--text T | --file F | --image PNG) [--trust <file> --trust-signer <pub.pem>] [--cert <der> [--ca <der>]...] [--now T]",
                  "decode and verify HKMO1/HKHC1/HC1 text; prints the claims and the verdict", tokenVerify});

}  // namespace kiosk::tools
