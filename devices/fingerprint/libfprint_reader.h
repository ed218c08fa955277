#pragma once
// The one adapter that owns libfprint (and glib). libfprint runs on its own thread with
// its own GMainContext + GMainLoop; this class offers a synchronous-with-timeout
// interface on top (enrol with per-stage progress, verify with the bozorth score, cancel).
//
// Backends (chosen by configuration, see makeFingerprintReader):
//  - VirtualImage: image sensors. libfprint's `virtual_image` driver listens on a unix
//    socket in a private 0700 directory; captures from a FingerImageSource are quality
//    gated, resampled to 500 ppi, enhanced and written to that socket only while libfprint
//    waits for a finger. The simulated reader is this backend + SimFingerSensor.
//  - Usb: any USB reader libfprint supports natively (optionally a named driver).
//    No such device: errc::kUnavailable, not a crash.
//
// Device errors (TOO_HOT, protocol, removed) recreate the libfprint context and retry the
// operation once, so a lane transaction is not lost; a lost image source mid-verify gives
// errc::kLost.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "devices/fingerprint.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/finger_decision.h"
#include "devices/fingerprint/finger_quality.h"
#include "devices/fingerprint/mcc_matcher.h"

namespace kiosk::devices::fingerprint {

enum class Backend { VirtualImage, Usb };
enum class QualityGate { On, Off };  // Off: plain libfprint (benchmark baseline)

// libfprint's NBIS refuses a probe with fewer minutiae than this (bozorth scores it 0).
inline constexpr int kNbisMinMinutiae = 10;

struct ReaderOptions {
    Backend backend = Backend::VirtualImage;
    std::string usbDriver;         // Usb: restrict to this libfprint driver id ("" = any)
    // Quality gate: captures with fewer NBIS minutiae are refused (guidance PressHarder)
    // before matching. bozorth3 gives 0 below 10 minutiae; 12 leaves a margin (see
    // docs/fingerprint.md).
    int minMinutiae = 12;
    QualityGate gate = QualityGate::On;
    QualityThresholds quality;
    // The lane's one decision threshold on the bozorth score: the best score over the
    // verify variants and the print's impressions must reach it. Calibrated on impostor
    // transactions of all seven development sets together (docs/fingerprint.md); never
    // below libfprint's own 40.
    // With Matcher::Bozorth3Mcc the threshold is on the fused score (set both together:
    // defaultThreshold(matcher)).
    Matcher matcher = kDefaultMatcher;
    int matchThreshold = defaultThreshold(kDefaultMatcher);
    int mccWeight = kMccWeight;
    // Enhancement applied to enrolment images, and the variants a probe is matched with
    // (in order; the first match wins, each is a full libfprint verify). Default: the
    // measured best combination on FVC2000 DB1_B (docs/benchmarks.md).
    Enhancement enrolEnhancement = Enhancement::Clahe;
    // Further 5-stage libfprint enrolments of the same captures, prepared with these
    // enhancements; their minutiae sets are merged into the one print (5 impressions per
    // variant), which gives bozorth more chances to find the genuine finger.
    std::vector<Enhancement> extraEnrolVariants = {Enhancement::Gabor};
    std::vector<Enhancement> verifyVariants = {Enhancement::Clahe, Enhancement::Gabor};
    int maxCaptureRetries = 3;     // enrol: re-captures per stage after a quality refusal
    int recoverRetries = 1;        // device errors: recreate context and retry this often
    std::string socketDir;         // "" = a fresh 0700 dir under $XDG_RUNTIME_DIR or /tmp
};

// What libfprint says about one image (quality gate). minutiae is counted for every
// capture that is not empty, refused or not.
struct Assessment {
    ImageQuality image;
    int minutiae = 0;              // NBIS minutiae in the enhanced 500 ppi image
    FingerGuidance guidance = FingerGuidance::Ok;
};

// Counters for health and benchmarks.
struct ReaderStats {
    uint64_t verifies = 0;          // libfprint verify operations
    uint64_t enrolments = 0;
    uint64_t recoveries = 0;        // context recreated after a device error
    uint64_t qualityRefusals = 0;
};

class LibfprintReader final : public FingerprintReader {
public:
    // VirtualImage needs a source; Usb ignores it (may be null).
    static core::Result<std::unique_ptr<LibfprintReader>> create(ReaderOptions options,
                                                                  std::shared_ptr<FingerImageSource> source);
    ~LibfprintReader() override;
    LibfprintReader(const LibfprintReader&) = delete;
    LibfprintReader& operator=(const LibfprintReader&) = delete;

    // FingerprintReader: images come from the source (VirtualImage) or the USB sensor.
    core::Result<FingerEnrolment> enroll(const Progress& progress, core::Millis timeout) override;
    core::Result<FingerVerify> verify(const std::vector<uint8_t>& print, core::Millis timeout) override;
    void cancel() override;
    FingerGuidance lastEnrolGuidance() const override;
    DeviceHealth health() const override;

    // Direct image entry points (VirtualImage only; used by the source path, the
    // benchmark and kioskctl): the same gate/enhancement/libfprint path without a source.
    core::Result<FingerEnrolment> enrollImages(const std::vector<FingerImage>& images, const Progress& progress,
                                               core::Millis timeout);
    core::Result<FingerVerify> verifyImage(const std::vector<uint8_t>& print, const FingerImage& probe,
                                           core::Millis timeout);
    // Analysis/benchmark: the bozorth score of one probe (prepared with `e`) against every
    // impression of every print, through libfprint's identify (the real matcher; one more
    // minutiae detection after each impression scoring >= 40). out[print][impression].
    // All zero when libfprint finds too few minutiae in the probe. No quality gate.
    // probeMinutiae (optional): the minutiae libfprint found in the probe (MCC).
    core::Result<std::vector<std::vector<int>>> impressionScores(const std::vector<std::vector<uint8_t>>& prints,
                                                                 const FingerImage& probe, Enhancement e,
                                                                 core::Millis timeout, Minutiae* probeMinutiae = nullptr);
    // Quality gate only (NBIS minutiae through libfprint's public FpImage API).
    core::Result<Assessment> assess(const FingerImage& image, Enhancement e);

    // Test hook: makes the virtual_image driver report a fatal device error with this
    // FpDeviceError code (e.g. 0x101 = TOO_HOT) on the operation running now or next.
    core::Status injectDeviceError(int fpDeviceErrorCode);
    ReaderStats stats() const;
    const ReaderOptions& options() const;

    struct Impl;

private:
    explicit LibfprintReader(std::unique_ptr<Impl> impl);
    // 3..5 chosen 500 ppi captures -> libfprint enrolment(s) -> one (merged) print.
    core::Result<FingerEnrolment> enrolPrepared(std::vector<Image> chosen, const Progress& progress,
                                                core::Millis timeout);
    std::unique_ptr<Impl> impl_;
};

// Which captures an enrolment uses (indices, at most `want`): the gate's accepted ones in
// order, then refused ones that show a finger's ridges (not refusedBeforeMatching) and that
// libfprint can still use (>= kNbisMinMinutiae), most minutiae first.
std::vector<std::size_t> chooseEnrolCaptures(const std::vector<Assessment>& assessed, std::size_t want);

// Merges fp_print_serialize blobs of NBIS prints into one blob holding all their
// minutiae sets (metadata of the first). The result deserialises with fp_print_deserialize.
core::Result<std::vector<uint8_t>> mergePrints(const std::vector<std::vector<uint8_t>>& prints);
// Number of minutiae sets (impressions) in a print blob.
core::Result<int> printImpressions(const std::vector<uint8_t>& print);
// One print blob per minutiae set (impression), same metadata: lets libfprint's identify
// report a bozorth score per impression (its verify stops at the first score >= 40).
core::Result<std::vector<std::vector<uint8_t>>> splitPrint(const std::vector<uint8_t>& print);

// The minutiae of each impression of a print blob (bozorth3's xyt columns: pixels, NIST
// orientation, direction in radians), for the MCC matcher. Errors: not an NBIS print,
// columns of different lengths.
core::Result<std::vector<Minutiae>> printMinutiae(const std::vector<uint8_t>& print);

// libfprint FpDeviceError codes the tests inject (stable values of libfprint's enum).
inline constexpr int kFpErrorProto = 5;
inline constexpr int kFpErrorRemoved = 0x100;
inline constexpr int kFpErrorTooHot = 0x101;

// From configuration, e.g. {"backend": "virtual_image", "min_minutiae": 12,
// "enhancement": "clahe", "verify_variants": ["clahe", "gabor"]} or
// {"backend": "usb", "driver": "synaptics"}. Errors name the key; a key not in
// readerConfigKeys() (the table in docs/fingerprint.md) is config.unknown_key.
const std::vector<std::string>& readerConfigKeys();
core::Result<ReaderOptions> readerOptionsFromConfig(const core::ConfigView& cfg);
core::Result<std::unique_ptr<FingerprintReader>> makeFingerprintReader(const core::ConfigView& cfg,
                                                                       std::shared_ptr<FingerImageSource> source);

}  // namespace kiosk::devices::fingerprint
