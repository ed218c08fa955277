#include "devices/fingerprint/libfprint_reader.h"

namespace kiosk::devices::fingerprint {

namespace {
core::Result<Enhancement> parseEnhancement(const core::ConfigView& cfg, const std::string& key,
                                           const std::string& v) {
    if (v == "none") return Enhancement::None;
    if (v == "stretch") return Enhancement::Stretch;
    if (v == "clahe") return Enhancement::Clahe;
    if (v == "gabor") return Enhancement::Gabor;
    return cfg.bad(key, "must be one of none, stretch, clahe, gabor");
}
}  // namespace

const std::vector<std::string>& readerConfigKeys() {
    static const std::vector<std::string> k = {"backend",         "driver",          "min_minutiae", "enhancement",
                                               "verify_variants", "match_threshold", "socket_dir",      "matcher"};
    return k;
}

core::Result<ReaderOptions> readerOptionsFromConfig(const core::ConfigView& cfg) {
    KIOSK_TRY(cfg.onlyKeys(readerConfigKeys(), "docs/fingerprint.md"));
    ReaderOptions o;
    KIOSK_ASSIGN_OR_RETURN(std::string backend, cfg.oneOf("backend", {"virtual_image", "usb"}, "virtual_image"));
    o.backend = backend == "usb" ? Backend::Usb : Backend::VirtualImage;
    KIOSK_ASSIGN_OR_RETURN(o.usbDriver, cfg.stringOr("driver", ""));
    KIOSK_ASSIGN_OR_RETURN(int64_t mm, cfg.integerOr("min_minutiae", o.minMinutiae, 0, 200));
    o.minMinutiae = static_cast<int>(mm);
    KIOSK_ASSIGN_OR_RETURN(std::string enr, cfg.stringOr("enhancement", toString(o.enrolEnhancement)));
    KIOSK_ASSIGN_OR_RETURN(o.enrolEnhancement, parseEnhancement(cfg, "enhancement", enr));
    if (cfg.has("verify_variants")) {
        const auto& arr = cfg.json().at("verify_variants");
        if (!arr.is_array() || arr.empty()) return cfg.bad("verify_variants", "must be a non-empty array");
        o.verifyVariants.clear();
        for (const auto& v : arr) {
            if (!v.is_string()) return cfg.bad("verify_variants", "entries must be strings");
            KIOSK_ASSIGN_OR_RETURN(Enhancement e, parseEnhancement(cfg, "verify_variants", v.get<std::string>()));
            o.verifyVariants.push_back(e);
        }
    }
    KIOSK_ASSIGN_OR_RETURN(std::string matcher,
                           cfg.oneOf("matcher", {"bozorth3", "bozorth3+mcc"}, toString(o.matcher)));
    o.matcher = matcher == "bozorth3+mcc" ? Matcher::Bozorth3Mcc : Matcher::Bozorth3;
    // The threshold belongs to the matcher's score: its calibrated default unless given.
    KIOSK_ASSIGN_OR_RETURN(int64_t th,
                           cfg.integerOr("match_threshold", defaultThreshold(o.matcher), kLibfprintThreshold, 1000));
    o.matchThreshold = static_cast<int>(th);
    KIOSK_ASSIGN_OR_RETURN(o.socketDir, cfg.stringOr("socket_dir", ""));
    return o;
}

core::Result<std::unique_ptr<FingerprintReader>> makeFingerprintReader(const core::ConfigView& cfg,
                                                                       std::shared_ptr<FingerImageSource> source) {
    KIOSK_ASSIGN_OR_RETURN(ReaderOptions o, readerOptionsFromConfig(cfg));
    if (o.backend == Backend::VirtualImage && !source)
        return core::makeError(errc::kUnavailable, "fingerprint backend virtual_image needs an image source");
    KIOSK_ASSIGN_OR_RETURN(auto r, LibfprintReader::create(std::move(o), std::move(source)));
    return std::unique_ptr<FingerprintReader>(std::move(r));
}

}  // namespace kiosk::devices::fingerprint
