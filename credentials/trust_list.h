#pragma once
// Trust list: issuer keys (kid -> public key, validity window), signed by a trust-list
// signing key whose public key is configured. Offline validity 30 days, warning from
// day 23; refuses a clock set back (the caller persists the latest time seen).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "credentials/keys.h"

namespace kiosk::credentials {

enum class KeyPurpose { Any, Crossing, HealthCode };
std::string keyPurposeName(KeyPurpose p);  // "any", "crossing", "health_code"

struct TrustedKey {
    std::string kid;
    Algorithm alg = Algorithm::ES256;
    std::string publicPem;
    std::string issuer;              // e.g. "HK", "MO"; informational
    int64_t validFrom = 0;           // unix seconds; 0 = no lower bound
    int64_t validUntil = 0;          // unix seconds; 0 = no upper bound
    KeyPurpose purpose = KeyPurpose::Any;
};

struct TrustPolicy {
    int64_t offlineValiditySeconds = 30 * 86400;  // past this: trust.stale
    int64_t warningAfterSeconds = 23 * 86400;     // from this: trust.stale_warning
    int64_t clockSkewSeconds = 30;                // tolerated clock step back
};

enum class TrustFreshness { Fresh, StaleWarning };
struct TrustCheck {
    TrustFreshness freshness = TrustFreshness::Fresh;
    int64_t ageSeconds = 0;
    std::optional<core::Error> warning;  // trust.stale_warning when StaleWarning
};

class TrustList {
public:
    TrustList() = default;

    // issuedAt: when the list was made (its 30-day offline validity runs from here).
    static core::Result<TrustList> fromKeys(std::vector<TrustedKey> keys, int64_t issuedAt, int64_t sequence = 1);
    // The signed form: a tagged COSE_Sign1 whose payload is the list as JSON.
    // trust.bad_signature when the signature or the structure is wrong.
    static core::Result<TrustList> fromSigned(std::string_view signedBytes, std::string_view signerPublicPem);
    static core::Result<TrustList> loadSignedFile(const std::filesystem::path& file, std::string_view signerPublicPem);
    core::Result<std::string> toSigned(const IssuerKeyPair& signer) const;
    // Written to a temporary file then renamed (atomic on one filesystem).
    core::Status saveSignedFile(const std::filesystem::path& file, const IssuerKeyPair& signer) const;

    int64_t issuedAt() const { return issuedAt_; }
    int64_t sequence() const { return sequence_; }
    const std::vector<TrustedKey>& keys() const { return keys_; }
    bool empty() const { return keys_.empty(); }
    const TrustedKey* find(std::string_view kid) const;
    // Parsed key (cached); qr.unknown_issuer when absent.
    core::Result<PublicKey> publicKey(std::string_view kid) const;

    // Freshness and clock-rollback check. latestSeenUnix is the high-water mark the
    // caller persists; it is raised to nowUnix. Errors: trust.clock_rollback, trust.stale.
    core::Result<TrustCheck> checkFreshness(int64_t nowUnix, int64_t& latestSeenUnix,
                                            const TrustPolicy& policy = {}) const;

private:
    std::vector<TrustedKey> keys_;
    std::map<std::string, PublicKey, std::less<>> parsed_;
    int64_t issuedAt_ = 0;
    int64_t sequence_ = 0;
};

// Holds the current list; replace() swaps it atomically (readers keep their snapshot).
// A list older (lower sequence) than the current one is refused (trust.bad_signature).
class TrustStore {
public:
    std::shared_ptr<const TrustList> current() const;
    core::Status replace(TrustList next);

private:
    mutable std::mutex mu_;
    std::shared_ptr<const TrustList> list_ = std::make_shared<TrustList>();
};

}  // namespace kiosk::credentials
