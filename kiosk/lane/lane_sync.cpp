#include "kiosk/lane/lane_sync.h"

#include <string_view>

#include "core/log.h"
#include "kiosk/lane/lane_services.h"
#include "policies/policy_config.h"

namespace kiosk::lane {

core::Status acceptSignedTrustList(const std::vector<uint8_t>& signedList, const std::string& signerPublicPem,
                                   credentials::TrustStore& trust, store::Store& store, int64_t nowUnix) {
    const std::string_view bytes(reinterpret_cast<const char*>(signedList.data()), signedList.size());
    auto list = credentials::TrustList::fromSigned(bytes, signerPublicPem);
    if (!list.ok()) {
        core::logError("lane.trust_list_refused", {{"code", list.error().code}});
        return list.error();
    }
    const int64_t sequence = list->sequence();
    KIOSK_TRY(trust.replace(std::move(*list)));
    store::TrustState state;
    state.signedList = signedList;
    state.fetchedAt = nowUnix;
    KIOSK_TRY(store.saveTrustState(state));
    core::logInfo("lane.trust_list_replaced", {{"sequence", sequence}});
    return {};
}

core::Result<credentials::TrustList> newestTrustList(std::optional<credentials::TrustList> fromFile,
                                                    store::Store& store, const std::string& signerPublicPem) {
    std::optional<credentials::TrustList> kept;
    auto state = store.loadTrustState();
    if (!state.ok()) return state.error();
    if (*state && !(*state)->signedList.empty()) {
        const auto& b = (*state)->signedList;
        auto list = credentials::TrustList::fromSigned(
            std::string_view(reinterpret_cast<const char*>(b.data()), b.size()), signerPublicPem);
        // A list signed by another key (the signer was changed) is ignored, not fatal.
        if (list.ok()) kept = std::move(*list);
        else core::logWarn("lane.kept_trust_list_ignored", {{"code", list.error().code}});
    }
    if (fromFile && (!kept || fromFile->sequence() >= kept->sequence())) return std::move(*fromFile);
    if (kept) return std::move(*kept);
    return credentials::TrustList{};
}

core::Status acceptHealthRules(const core::Json& healthCode, LaneServices& services) {
    const core::Json wrapped{{"health_code", healthCode}};
    auto parsed = policies::loadPolicyConfig(core::ConfigView(wrapped, ""));
    if (!parsed.ok()) {
        core::logError("lane.health_rules_refused", {{"code", parsed.error().code}, {"why", parsed.error().message}});
        return parsed.error();
    }
    if (auto st = services.replaceHealthRules(parsed->healthRules); !st.ok()) {
        core::logWarn("lane.health_rules_refused", {{"code", st.error().code}});
        return st;
    }
    core::logInfo("lane.health_rules_replaced", {{"sets", parsed->healthRules.size()}});
    return {};
}

}  // namespace kiosk::lane
