// The reader's device side: creation, health, cancel, source-driven enrol/verify and the
// quality gate's NBIS minutiae count. Matching is in libfprint_match.cpp.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>

#include "devices/fingerprint/libfprint_impl.h"

namespace kiosk::devices::fingerprint {

LibfprintReader::LibfprintReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LibfprintReader::~LibfprintReader() = default;

core::Result<std::unique_ptr<LibfprintReader>> LibfprintReader::create(ReaderOptions options,
                                                                      std::shared_ptr<FingerImageSource> source) {
    auto impl = std::make_unique<Impl>();
    impl->opt = std::move(options);
    impl->source = std::move(source);
    if (impl->opt.backend == Backend::VirtualImage) {
        impl->dir = makePrivateDir(impl->opt.socketDir);
        if (impl->dir.empty()) return core::makeError(errc::kUnavailable, "cannot create the private socket folder");
        impl->ownDir = impl->opt.socketDir.empty();
        impl->sockPath = impl->dir + "/virtual_image.sock";
    }
    KIOSK_TRY(impl->open());
    return std::unique_ptr<LibfprintReader>(new LibfprintReader(std::move(impl)));
}

const ReaderOptions& LibfprintReader::options() const { return impl_->opt; }

FingerGuidance LibfprintReader::lastEnrolGuidance() const {
    std::lock_guard lock(impl_->statMu);
    return impl_->lastEnrolGuidance;
}

ReaderStats LibfprintReader::stats() const {
    std::lock_guard lock(impl_->statMu);
    return impl_->stats;
}

DeviceHealth LibfprintReader::health() const {
    DeviceHealth h;
    h.device = "fingerprint";
    {
        std::lock_guard lock(impl_->statMu);
        h.state = impl_->state;
        h.detail = impl_->detail;
    }
    if (impl_->source) {
        auto s = impl_->source->health();
        if (s.state != DeviceState::Ready) return s;
    }
    return h;
}

void LibfprintReader::cancel() {
    impl_->cancelled = true;
    impl_->cv.notify_all();
    if (impl_->source) impl_->source->cancel();
}

core::Status LibfprintReader::injectDeviceError(int code) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "error injection needs the virtual_image backend");
    std::lock_guard lock(impl_->mu);
    impl_->pendingInjectedError = code;
    return {};
}

core::Result<Assessment> LibfprintReader::assess(const FingerImage& input, Enhancement e) {
    Assessment a;
    if (impl_->opt.gate == QualityGate::Off) return a;
    Image g = resampleTo500(toGray(input.image), input.ppi);
    a.image = assessImage(g, impl_->opt.quality);
    a.guidance = a.image.guidance;
    // Refused or not, count the minutiae: a refused capture libfprint can use may still
    // be the best one after the re-captures (chooseEnrolCaptures).
    if (a.image.condition == FingerCondition::Empty) return a;
    Image img = enhance(g, e);
    int count = -1;
    std::string err;
    std::promise<void> done;
    struct Ctx {
        int* count;
        std::string* err;
        std::promise<void>* done;
    } c{&count, &err, &done};
    Runtime::get().post([&img, &c] {
        FpImage* fi = fp_image_new(img.width, img.height);
        gsize len = 0;
        auto* data = const_cast<guchar*>(fp_image_get_data(fi, &len));
        std::memcpy(data, img.pixels.data(), std::min<std::size_t>(len, img.pixels.size()));
        fp_image_detect_minutiae(
            fi, nullptr,
            [](GObject* src, GAsyncResult* res, gpointer ud) {
                auto* cc = static_cast<Ctx*>(ud);
                GError* e = nullptr;
                if (fp_image_detect_minutiae_finish(FP_IMAGE(src), res, &e)) {
                    GPtrArray* m = fp_image_get_minutiae(FP_IMAGE(src));
                    *cc->count = m ? static_cast<int>(m->len) : 0;
                } else {
                    *cc->err = gerrorText(e);
                    g_error_free(e);
                }
                g_object_unref(src);
                cc->done->set_value();
            },
            &c);
    });
    done.get_future().wait();
    if (count < 0) return core::makeError(errc::kFault, "minutiae detection failed: " + err);
    a.minutiae = count;
    if (a.guidance == FingerGuidance::Ok && count < impl_->opt.minMinutiae) a.guidance = FingerGuidance::PressHarder;
    return a;
}

core::Result<FingerEnrolment> LibfprintReader::enroll(const Progress& progress, core::Millis timeout) {
    if (impl_->opt.backend == Backend::Usb) {
        // The native reader captures by itself.
        std::lock_guard opLock(Runtime::get().opMutex());
        impl_->cancelled = false;
        impl_->onProgress = [&](int stage) {
            if (progress) progress(stage, 5);
        };
        auto r = impl_->runOp(true, nullptr, [](int) -> core::Result<Image> { return Image{}; }, timeout);
        impl_->onProgress = nullptr;
        if (!r.ok()) return r.error();
        if (r->error) {
            const std::string msg = gerrorText(r->error);
            g_error_free(r->error);
            return core::makeError(errc::kFault, "enrolment failed: " + msg);
        }
        guchar* data = nullptr;
        gsize len = 0;
        fp_print_serialize(r->print, &data, &len, nullptr);
        g_object_unref(r->print);
        FingerEnrolment out;
        out.print.assign(data, data + len);
        g_free(data);
        return out;
    }
    if (!impl_->source) return core::makeError(errc::kUnavailable, "no fingerprint image source configured");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<FingerImage> caps;
    std::vector<Assessment> assessed;
    int good = 0, refusals = 0;
    {
        std::lock_guard lock(impl_->statMu);
        impl_->lastEnrolGuidance = FingerGuidance::Ok;
    }
    // Re-capture refused images (with the gate's guidance) up to the retry budget; then
    // enrol from the best captures libfprint can use rather than refusing the finger.
    while (good < 5 && refusals <= impl_->opt.maxCaptureRetries * 5) {
        auto left = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return core::makeError(errc::kTimeout, "enrolment timed out");
        KIOSK_ASSIGN_OR_RETURN(auto cap, impl_->source->capture(left));
        if (!cap) return core::makeError(errc::kTimeout, "no finger presented for enrolment");
        KIOSK_ASSIGN_OR_RETURN(Assessment a, assess(*cap, impl_->opt.enrolEnhancement));
        if (a.guidance != FingerGuidance::Ok) {
            std::lock_guard lock(impl_->statMu);
            ++impl_->stats.qualityRefusals;
            impl_->lastEnrolGuidance = a.guidance;
            ++refusals;
        } else {
            ++good;
        }
        caps.push_back(std::move(*cap));
        assessed.push_back(a);
    }
    const auto pick = chooseEnrolCaptures(assessed, 5);
    if (pick.size() < 3) return core::makeError("finger.quality", "too many poor enrolment captures");
    std::vector<Image> chosen;
    for (auto i : pick) chosen.push_back(resampleTo500(toGray(caps[i].image), caps[i].ppi));
    auto left = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
    return enrolPrepared(std::move(chosen), progress, std::max(left, core::Millis(1000)));
}

core::Result<FingerVerify> LibfprintReader::verify(const std::vector<uint8_t>& print, core::Millis timeout) {
    if (impl_->opt.backend == Backend::Usb) {
        GError* err = nullptr;
        FpPrint* templ = fp_print_deserialize(print.data(), print.size(), &err);
        if (!templ) {
            g_clear_error(&err);
            return core::makeError(errc::kBadInput, "the enrolled print cannot be read");
        }
        std::lock_guard opLock(Runtime::get().opMutex());
        impl_->cancelled = false;
        Runtime::get().resetScores();
        auto r = impl_->runOp(false, templ, [](int) -> core::Result<Image> { return Image{}; }, timeout);
        g_object_unref(templ);
        if (!r.ok()) return r.error();
        FingerVerify out;
        for (int s : Runtime::get().scores()) out.score = std::max(out.score, s);
        if (r->error) {
            const bool retry = r->error->domain == FP_DEVICE_RETRY;
            const std::string msg = gerrorText(r->error);
            g_error_free(r->error);
            if (retry) {
                out.guidance = FingerGuidance::RemoveAndRetry;
                return out;
            }
            return core::makeError(errc::kFault, "verify failed: " + msg);
        }
        out.match = r->match;
        return out;
    }
    if (!impl_->source) return core::makeError(errc::kUnavailable, "no fingerprint image source configured");
    const auto start = std::chrono::steady_clock::now();
    KIOSK_ASSIGN_OR_RETURN(auto cap, impl_->source->capture(timeout));
    if (!cap) {
        FingerVerify out;
        out.guidance = FingerGuidance::PlaceFinger;
        return out;
    }
    auto left = timeout - std::chrono::duration_cast<core::Millis>(std::chrono::steady_clock::now() - start);
    return verifyImage(print, *cap, std::max(left, core::Millis(2000)));
}

}  // namespace kiosk::devices::fingerprint
