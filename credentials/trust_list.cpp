// Trust list; the JSON payload is read here (nlohmann exceptions are caught in this file).
#include "credentials/trust_list.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "credentials/cose.h"
#include "credentials/cwt.h"

namespace kiosk::credentials {
namespace {
core::Error badList(const std::string& why) { return core::makeError("trust.bad_signature", "trust list: " + why); }

core::Status writeFileAtomically(const std::filesystem::path& file, std::string_view bytes) {
    std::filesystem::path tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return core::makeError("io.write_failed", "cannot write " + tmp.string());
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) return core::makeError("io.write_failed", "cannot write " + tmp.string());
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return core::makeError("io.write_failed", "cannot replace " + file.string() + ": " + ec.message());
    return {};
}

core::Result<std::string> readFile(const std::filesystem::path& file, const std::string& code) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return core::makeError(code, "cannot read " + file.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

std::string keyPurposeName(KeyPurpose p) {
    switch (p) {
        case KeyPurpose::Any: return "any";
        case KeyPurpose::Crossing: return "crossing";
        case KeyPurpose::HealthCode: return "health_code";
    }
    return "any";
}

core::Result<TrustList> TrustList::fromKeys(std::vector<TrustedKey> keys, int64_t issuedAt, int64_t sequence) {
    TrustList t;
    for (const auto& k : keys) {
        if (k.kid.empty()) return badList("key without a kid");
        if (t.parsed_.count(k.kid)) return badList("duplicate kid");
        auto pk = PublicKey::fromPem(k.publicPem);
        if (!pk) return badList("key " + k.kid + ": not a PEM public key");
        t.parsed_.emplace(k.kid, std::move(pk).value());
    }
    t.keys_ = std::move(keys);
    t.issuedAt_ = issuedAt;
    t.sequence_ = sequence;
    return t;
}

const TrustedKey* TrustList::find(std::string_view kid) const {
    for (const auto& k : keys_)
        if (k.kid == kid) return &k;
    return nullptr;
}

core::Result<PublicKey> TrustList::publicKey(std::string_view kid) const {
    auto it = parsed_.find(kid);
    if (it == parsed_.end()) return core::makeError("qr.unknown_issuer", "kid not in the trust list");
    return it->second;
}

core::Result<std::string> TrustList::toSigned(const IssuerKeyPair& signer) const {
    nlohmann::json j;
    j["version"] = 1;
    j["issued_at"] = issuedAt_;
    j["sequence"] = sequence_;
    j["keys"] = nlohmann::json::array();
    for (const auto& k : keys_) {
        j["keys"].push_back({{"kid", toHex(k.kid)},
                             {"alg", algorithmName(k.alg)},
                             {"public_pem", k.publicPem},
                             {"issuer", k.issuer},
                             {"valid_from", k.validFrom},
                             {"valid_until", k.validUntil},
                             {"purpose", keyPurposeName(k.purpose)}});
    }
    KIOSK_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::fromPem(signer.privatePem));
    return signCoseSign1(j.dump(), key, signer.alg, signer.kid,
                         {{CborValue::integer(kCoseHeaderContentType), CborValue::text("application/json")}});
}

core::Result<TrustList> TrustList::fromSigned(std::string_view signedBytes, std::string_view signerPublicPem) {
    auto signerKey = PublicKey::fromPem(signerPublicPem);
    if (!signerKey) return core::makeError("trust.bad_signature", "trust-list signing key: not a PEM public key");
    CoseOptions opts;
    opts.requireTag = true;
    auto msg = parseCoseSign1(signedBytes, opts);
    if (!msg) return badList(msg.error().message);
    if (auto st = verifyCoseSign1(*msg, *signerKey, {}, opts); !st) return badList(st.error().message);
    try {
        const auto j = nlohmann::json::parse(*msg->payload);
        if (j.at("version").get<int>() != 1) return badList("unsupported version");
        std::vector<TrustedKey> keys;
        for (const auto& e : j.at("keys")) {
            TrustedKey k;
            auto kid = fromHex(e.at("kid").get<std::string>());
            if (!kid) return badList("kid is not hex");
            k.kid = *kid;
            const auto alg = algorithmFromName(e.at("alg").get<std::string>());
            if (!alg) return badList("unknown alg");
            k.alg = *alg;
            k.publicPem = e.at("public_pem").get<std::string>();
            k.issuer = e.value("issuer", "");
            k.validFrom = e.value("valid_from", int64_t{0});
            k.validUntil = e.value("valid_until", int64_t{0});
            const std::string purpose = e.value("purpose", "any");
            k.purpose = purpose == "crossing" ? KeyPurpose::Crossing
                        : purpose == "health_code" ? KeyPurpose::HealthCode
                                                   : KeyPurpose::Any;
            keys.push_back(std::move(k));
        }
        return fromKeys(std::move(keys), j.at("issued_at").get<int64_t>(), j.value("sequence", int64_t{1}));
    } catch (const std::exception& e) {
        return badList(std::string("payload: ") + e.what());
    }
}

core::Result<TrustList> TrustList::loadSignedFile(const std::filesystem::path& file, std::string_view signerPublicPem) {
    KIOSK_ASSIGN_OR_RETURN(std::string bytes, readFile(file, "trust.bad_signature"));
    return fromSigned(bytes, signerPublicPem);
}

core::Status TrustList::saveSignedFile(const std::filesystem::path& file, const IssuerKeyPair& signer) const {
    KIOSK_ASSIGN_OR_RETURN(std::string bytes, toSigned(signer));
    return writeFileAtomically(file, bytes);
}

core::Result<TrustCheck> TrustList::checkFreshness(int64_t nowUnix, int64_t& latestSeenUnix,
                                                   const TrustPolicy& policy) const {
    if (latestSeenUnix > 0 && nowUnix < latestSeenUnix - policy.clockSkewSeconds)
        return core::makeError("trust.clock_rollback", "clock is " + std::to_string(latestSeenUnix - nowUnix) +
                                                           " s behind the latest time seen");
    if (issuedAt_ > 0 && nowUnix < issuedAt_ - policy.clockSkewSeconds)
        return core::makeError("trust.clock_rollback", "clock is before the trust list's issue time");
    if (nowUnix > latestSeenUnix) latestSeenUnix = nowUnix;
    if (issuedAt_ <= 0 || keys_.empty()) return core::makeError("trust.stale", "no trust list loaded");
    TrustCheck c;
    c.ageSeconds = nowUnix - issuedAt_;
    if (c.ageSeconds > policy.offlineValiditySeconds)
        return core::makeError("trust.stale", "trust list is " + std::to_string(c.ageSeconds / 86400) +
                                                  " days old (offline validity " +
                                                  std::to_string(policy.offlineValiditySeconds / 86400) + " days)");
    if (c.ageSeconds >= policy.warningAfterSeconds) {
        c.freshness = TrustFreshness::StaleWarning;
        c.warning = core::makeError("trust.stale_warning", "trust list is " + std::to_string(c.ageSeconds / 86400) +
                                                               " days old; refresh it");
    }
    return c;
}

std::shared_ptr<const TrustList> TrustStore::current() const {
    std::lock_guard lock(mu_);
    return list_;
}

core::Status TrustStore::replace(TrustList next) {
    auto fresh = std::make_shared<const TrustList>(std::move(next));
    std::lock_guard lock(mu_);
    if (!list_->empty() && fresh->sequence() < list_->sequence())
        return core::makeError("trust.bad_signature", "trust list sequence " + std::to_string(fresh->sequence()) +
                                                          " is older than the current " +
                                                          std::to_string(list_->sequence()));
    list_ = std::move(fresh);
    return {};
}

}  // namespace kiosk::credentials
