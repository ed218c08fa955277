// The only file that includes libfprint and glib. See libfprint_reader.h.
#include "devices/fingerprint/libfprint_reader.h"

#include <fprint.h>
#include <glib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "core/log.h"

namespace kiosk::devices::fingerprint {
namespace {

// ---------------------------------------------------------------------------------
// Process-wide libfprint thread: owns glib's global default main context and runs a
// GMainLoop on it. libfprint's enumeration and *_sync helpers iterate the global default
// context, so every libfprint call of every reader is made on this one thread.
class Runtime {
public:
    static Runtime& get() {
        static Runtime* rt = new Runtime();  // never destroyed: the loop thread lives until exit
        return *rt;
    }

    // Runs f on the loop thread and waits for it.
    void call(const std::function<void()>& f) {
        if (std::this_thread::get_id() == threadId_) {
            f();
            return;
        }
        std::promise<void> done;
        auto* job = new Job{f, &done};
        g_main_context_invoke_full(nullptr, G_PRIORITY_DEFAULT, &Runtime::runJob, job, nullptr);
        done.get_future().wait();
    }
    // Runs f on the loop thread later.
    void post(std::function<void()> f) {
        auto* job = new Job{std::move(f), nullptr};
        g_main_context_invoke_full(nullptr, G_PRIORITY_DEFAULT, &Runtime::runJob, job, nullptr);
    }

    // Scores logged by libfprint's bozorth matcher ("score %d/%d") since the last reset.
    void resetScores() {
        std::lock_guard lock(scoreMu_);
        scores_.clear();
    }
    std::vector<int> scores() {
        std::lock_guard lock(scoreMu_);
        return scores_;
    }

    // Serialises device operations process-wide, so the logged scores belong to the
    // operation that reads them.
    std::mutex& opMutex() { return opMu_; }

private:
    struct Job {
        std::function<void()> f;
        std::promise<void>* done;
    };
    static gboolean runJob(gpointer data) {
        auto* job = static_cast<Job*>(data);
        try {
            job->f();
        } catch (...) {
        }
        if (job->done) job->done->set_value();
        delete job;
        return G_SOURCE_REMOVE;
    }
    static void logHandler(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer self) {
        int score = 0, threshold = 0;
        if (message && std::sscanf(message, "score %d/%d", &score, &threshold) == 2) {
            auto* rt = static_cast<Runtime*>(self);
            std::lock_guard lock(rt->scoreMu_);
            rt->scores_.push_back(score);
        }
        if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
            g_log_default_handler(domain, level, message, nullptr);
    }

    Runtime() {
        g_log_set_handler("libfprint-print", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL),
                          &Runtime::logHandler, this);
        std::promise<void> started;
        thread_ = std::thread([this, &started] {
            threadId_ = std::this_thread::get_id();
            GMainContext* ctx = g_main_context_default();
            g_main_context_acquire(ctx);
            loop_ = g_main_loop_new(ctx, FALSE);
            started.set_value();
            g_main_loop_run(loop_);
        });
        started.get_future().wait();
        thread_.detach();
    }

    std::thread thread_;
    std::thread::id threadId_;
    GMainLoop* loop_ = nullptr;
    std::mutex scoreMu_;
    std::vector<int> scores_;
    std::mutex opMu_;
};

std::string gerrorText(const GError* e) { return e && e->message ? e->message : "unknown error"; }

std::string makePrivateDir(const std::string& wanted) {
    if (!wanted.empty()) {
        std::filesystem::create_directories(wanted);
        ::chmod(wanted.c_str(), 0700);
        return wanted;
    }
    const char* rt = std::getenv("XDG_RUNTIME_DIR");
    std::string base = (rt && *rt && std::filesystem::is_directory(rt)) ? rt : "/tmp";
    std::string tmpl = base + "/kiosk-fp-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) return "";
    return std::string(buf.data());  // mkdtemp creates it 0700
}

}  // namespace

// ---------------------------------------------------------------------------------
struct LibfprintReader::Impl {
    ReaderOptions opt;
    std::shared_ptr<FingerImageSource> source;
    std::string dir, sockPath;
    bool ownDir = false;

    // libfprint objects: touched only on the runtime thread.
    FpContext* ctx = nullptr;
    FpDevice* dev = nullptr;
    GCancellable* cancellable = nullptr;

    // client side of the virtual_image socket (written from the caller's thread)
    int clientFd = -1;

    std::mutex mu;
    std::condition_variable cv;
    uint64_t needCount = 0;     // times the device started waiting for a finger
    bool opDone = true;
    GError* opError = nullptr;
    FpPrint* opPrint = nullptr;
    bool opMatch = false;
    int enrolStage = 0;
    int enrolRetries = 0;
    std::function<void(int)> onProgress;
    int pendingInjectedError = 0;
    std::atomic<bool> cancelled{false};

    mutable std::mutex statMu;
    ReaderStats stats;
    FingerGuidance lastEnrolGuidance = FingerGuidance::Ok;  // under statMu
    DeviceState state = DeviceState::Ready;
    std::string detail = "ready";

    ~Impl() {
        Runtime::get().call([this] { destroyContext(); });
        if (clientFd >= 0) ::close(clientFd);
        if (ownDir && !dir.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    }

    void setState(DeviceState s, std::string d) {
        std::lock_guard lock(statMu);
        state = s;
        detail = std::move(d);
    }

    // --- runtime thread -------------------------------------------------------
    static void onNotify(GObject* obj, GParamSpec* pspec, gpointer self) {
        auto* impl = static_cast<Impl*>(self);
        bool needed = false;
        if (std::strcmp(pspec->name, "finger-status") == 0) {
            needed = (fp_device_get_finger_status(FP_DEVICE(obj)) & FP_FINGER_STATUS_NEEDED) != 0;
        } else {
            // image device state, by nick (the enum differs between libfprint versions)
            gint v = 0;
            g_object_get(obj, pspec->name, &v, nullptr);
            if (G_IS_PARAM_SPEC_ENUM(pspec)) {
                GEnumValue* ev = g_enum_get_value(G_PARAM_SPEC_ENUM(pspec)->enum_class, v);
                needed = ev && std::strcmp(ev->value_nick, "await-finger-on") == 0;
            }
        }
        if (needed) {
            std::lock_guard lock(impl->mu);
            ++impl->needCount;
            impl->cv.notify_all();
        }
    }

    void destroyContext() {
        if (dev) {
            g_signal_handlers_disconnect_by_data(dev, this);
            if (fp_device_is_open(dev)) {
                g_autoptr(GError) err = nullptr;
                fp_device_close_sync(dev, nullptr, &err);
            }
            g_object_unref(dev);
            dev = nullptr;
        }
        if (ctx) {
            g_object_unref(ctx);
            ctx = nullptr;
        }
    }

    core::Status createContext() {
        static std::mutex envMu;
        std::lock_guard envLock(envMu);
        if (opt.backend == Backend::VirtualImage) {
            ::setenv("FP_VIRTUAL_IMAGE", sockPath.c_str(), 1);
            ::setenv("FP_DRIVERS_WHITELIST", "virtual_image", 1);
        } else {
            ::unsetenv("FP_VIRTUAL_IMAGE");
            if (opt.usbDriver.empty())
                ::unsetenv("FP_DRIVERS_WHITELIST");
            else
                ::setenv("FP_DRIVERS_WHITELIST", opt.usbDriver.c_str(), 1);
        }
        ctx = fp_context_new();
        GPtrArray* devices = fp_context_get_devices(ctx);
        for (guint i = 0; devices && i < devices->len; ++i) {
            auto* d = FP_DEVICE(g_ptr_array_index(devices, i));
            const std::string driver = fp_device_get_driver(d);
            const bool virt = driver.rfind("virtual", 0) == 0;
            if ((opt.backend == Backend::VirtualImage && driver == "virtual_image") ||
                (opt.backend == Backend::Usb && !virt && (opt.usbDriver.empty() || driver == opt.usbDriver))) {
                dev = FP_DEVICE(g_object_ref(d));
                break;
            }
        }
        ::unsetenv("FP_VIRTUAL_IMAGE");
        ::unsetenv("FP_DRIVERS_WHITELIST");
        if (!dev) {
            destroyContext();
            return core::makeError(errc::kUnavailable,
                                   opt.backend == Backend::Usb
                                       ? "no USB fingerprint reader supported by libfprint is connected" +
                                             (opt.usbDriver.empty() ? std::string() : " (driver " + opt.usbDriver + ")")
                                       : "libfprint virtual_image device not available");
        }
        // "Waiting for a finger": the image device state when there is one (exactly one
        // notification per wait), else the public finger-status flag.
        if (g_object_class_find_property(G_OBJECT_GET_CLASS(dev), "fpi-image-device-state"))
            g_signal_connect(dev, "notify::fpi-image-device-state", G_CALLBACK(&Impl::onNotify), this);
        else
            g_signal_connect(dev, "notify::finger-status", G_CALLBACK(&Impl::onNotify), this);
        g_autoptr(GError) err = nullptr;
        if (!fp_device_open_sync(dev, nullptr, &err)) {
            const std::string msg = gerrorText(err);
            destroyContext();
            return core::makeError(errc::kUnavailable, "cannot open fingerprint device: " + msg);
        }
        return {};
    }

    // --- caller side ----------------------------------------------------------
    core::Status connectClient() {
        if (opt.backend != Backend::VirtualImage) return {};
        if (clientFd >= 0) ::close(clientFd);
        clientFd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (clientFd < 0) return core::makeError(errc::kFault, "socket(): " + std::string(std::strerror(errno)));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (sockPath.size() >= sizeof(addr.sun_path)) return core::makeError(errc::kFault, "socket path too long");
        std::strcpy(addr.sun_path, sockPath.c_str());
        if (::connect(clientFd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            const std::string e = std::strerror(errno);
            ::close(clientFd);
            clientFd = -1;
            return core::makeError(errc::kLost, "cannot connect to the virtual_image socket: " + e);
        }
        return {};
    }

    core::Status open() {
        core::Status st;
        Runtime::get().call([&] { st = createContext(); });
        if (!st.ok()) return st;
        return connectClient();
    }

    core::Status recover(const std::string& why) {
        {
            std::lock_guard lock(statMu);
            ++stats.recoveries;
            state = DeviceState::Degraded;
            detail = "recovering: " + why;
        }
        core::logWarn("finger.device_recover", {{"reason", why}});
        Runtime::get().call([&] { destroyContext(); });
        auto st = open();
        if (st.ok())
            setState(DeviceState::Ready, "ready (recovered)");
        else
            setState(DeviceState::Fault, st.error().message);
        return st;
    }

    bool writeAll(const void* data, std::size_t n) {
        const auto* p = static_cast<const uint8_t*>(data);
        while (n > 0) {
            ssize_t w = ::send(clientFd, p, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR) continue;
                return false;
            }
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        return true;
    }

    core::Status sendImage(const Image& img) {
        int32_t hdr[2] = {img.width, img.height};
        if (!writeAll(hdr, sizeof hdr) || !writeAll(img.pixels.data(), img.pixels.size()))
            return core::makeError(errc::kLost, "virtual_image socket closed");
        return {};
    }
    core::Status sendCommand(int32_t a, int32_t b) {
        int32_t hdr[2] = {a, b};
        if (!writeAll(hdr, sizeof hdr)) return core::makeError(errc::kLost, "virtual_image socket closed");
        return {};
    }

    static void verifyDone(GObject* src, GAsyncResult* res, gpointer self) {
        auto* impl = static_cast<Impl*>(self);
        gboolean match = FALSE;
        GError* err = nullptr;
        fp_device_verify_finish(FP_DEVICE(src), res, &match, nullptr, &err);
        std::lock_guard lock(impl->mu);
        impl->opMatch = match;
        impl->opError = err;
        impl->opDone = true;
        impl->cv.notify_all();
    }
    static void enrollDone(GObject* src, GAsyncResult* res, gpointer self) {
        auto* impl = static_cast<Impl*>(self);
        GError* err = nullptr;
        FpPrint* p = fp_device_enroll_finish(FP_DEVICE(src), res, &err);
        std::lock_guard lock(impl->mu);
        impl->opPrint = p;
        impl->opError = err;
        impl->opDone = true;
        impl->cv.notify_all();
    }
    static void enrollProgress(FpDevice*, gint completed, FpPrint*, gpointer self, GError* error) {
        auto* impl = static_cast<Impl*>(self);
        std::function<void(int)> cb;
        {
            std::lock_guard lock(impl->mu);
            if (error) {
                ++impl->enrolRetries;
            } else {
                impl->enrolStage = completed;
                cb = impl->onProgress;
            }
        }
        if (cb) cb(completed);
    }

    // One libfprint operation fed with images. next(i) gives the i-th image to send
    // (nullopt: stop with the error it set). Returns the libfprint result or an error.
    struct OpResult {
        bool match = false;
        FpPrint* print = nullptr;   // enrol (caller unrefs)
        GError* error = nullptr;    // libfprint error (caller frees)
    };
    using NextImage = std::function<core::Result<Image>(int index)>;

    static void identifyDone(GObject* src, GAsyncResult* res, gpointer self) {
        auto* impl = static_cast<Impl*>(self);
        FpPrint* match = nullptr;
        GError* err = nullptr;
        fp_device_identify_finish(FP_DEVICE(src), res, &match, nullptr, &err);
        std::lock_guard lock(impl->mu);
        impl->opPrint = match;
        impl->opMatch = match != nullptr;
        impl->opError = err;
        impl->opDone = true;
        impl->cv.notify_all();
    }

    core::Result<OpResult> runIdentify(GPtrArray* gallery, const NextImage& next, core::Millis timeout) {
        return runOp([&] {
            fp_device_identify(dev, gallery, cancellable, nullptr, nullptr, nullptr, &Impl::identifyDone, this);
        }, next, timeout);
    }

    core::Result<OpResult> runOp(bool enrol, FpPrint* templ, const NextImage& next, core::Millis timeout) {
        return runOp([&] {
            if (enrol) {
                FpPrint* tmpl = fp_print_new(dev);
                fp_device_enroll(dev, tmpl, cancellable, &Impl::enrollProgress, this, nullptr, &Impl::enrollDone,
                                 this);
            } else {
                fp_device_verify(dev, templ, cancellable, nullptr, nullptr, nullptr, &Impl::verifyDone, this);
            }
        }, next, timeout);
    }

    core::Result<OpResult> runOp(const std::function<void()>& start, const NextImage& next, core::Millis timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        uint64_t n0;
        {
            std::lock_guard lock(mu);
            opDone = false;
            opError = nullptr;
            opPrint = nullptr;
            opMatch = false;
            enrolStage = 0;
            enrolRetries = 0;
            n0 = needCount;
        }
        Runtime::get().call([&] {
            g_clear_object(&cancellable);
            cancellable = g_cancellable_new();
            start();
        });
        core::Status feedError;
        int sent = 0;
        std::unique_lock lock(mu);
        while (!opDone) {
            // A USB reader captures by itself: nothing to feed, only wait for the result.
            const bool feeds = opt.backend == Backend::VirtualImage;
            if (!cv.wait_until(lock, deadline,
                               [&] { return opDone || (feeds && needCount > n0 + sent) || cancelled; }))
                break;
            if (opDone) break;
            if (cancelled) {
                feedError = core::makeError("device.cancelled", "cancelled");
                break;
            }
            const int injected = pendingInjectedError;
            pendingInjectedError = 0;
            lock.unlock();
            core::Status st;
            if (injected != 0) {
                st = sendCommand(-2, injected);
            } else {
                auto img = next(sent);
                if (!img.ok())
                    st = img.error();
                else
                    st = sendImage(img.value());
            }
            lock.lock();
            ++sent;
            if (!st.ok()) {
                feedError = st;
                break;
            }
        }
        if (!opDone) {
            // timeout, cancel or feed error: cancel the libfprint operation and wait for it
            lock.unlock();
            Runtime::get().call([&] { g_cancellable_cancel(cancellable); });
            lock.lock();
            cv.wait_for(lock, std::chrono::seconds(5), [&] { return opDone; });
            if (!opDone) {
                setState(DeviceState::Fault, "libfprint did not finish a cancelled operation");
                return core::makeError(errc::kFault, "libfprint operation wedged");
            }
            if (opError) g_error_free(opError);
            if (opPrint) g_object_unref(opPrint);
            opError = nullptr;
            opPrint = nullptr;
            if (!feedError.ok()) return feedError.error();
            return core::makeError(errc::kTimeout, "no fingerprint within the timeout");
        }
        OpResult r{opMatch, opPrint, opError};
        opPrint = nullptr;
        opError = nullptr;
        return r;
    }
};

// ---------------------------------------------------------------------------------

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
    Image g = resampleTo500(toGray(input.image), input.ppi);
    a.image = assessImage(g, impl_->opt.quality);
    if (a.image.guidance != FingerGuidance::Ok) {
        a.guidance = a.image.guidance;
        return a;
    }
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
    if (count < impl_->opt.minMinutiae) a.guidance = FingerGuidance::PressHarder;
    return a;
}

namespace {
// Prepared (500 ppi, enhanced) image or a quality refusal.
struct Prepared {
    Image image;
    FingerGuidance guidance = FingerGuidance::Ok;
};
}  // namespace

namespace {
// One 5-stage libfprint enrolment fed with prepared images; returns the serialised print.
core::Result<std::vector<uint8_t>> enrolOnce(LibfprintReader::Impl& impl, const std::vector<Image>& ready,
                                             const FingerprintReader::Progress& progress, core::Millis timeout);
}  // namespace

core::Result<FingerEnrolment> LibfprintReader::enrollImages(const std::vector<FingerImage>& images,
                                                            const Progress& progress, core::Millis timeout) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "image enrolment needs the virtual_image backend");
    // Gate every capture first; refused ones are skipped.
    std::vector<Image> accepted;
    for (const auto& fi : images) {
        KIOSK_ASSIGN_OR_RETURN(Assessment a, assess(fi, impl_->opt.enrolEnhancement));
        if (a.guidance != FingerGuidance::Ok) {
            std::lock_guard lock(impl_->statMu);
            ++impl_->stats.qualityRefusals;
            impl_->lastEnrolGuidance = a.guidance;
            continue;
        }
        accepted.push_back(resampleTo500(toGray(fi.image), fi.ppi));
    }
    if (accepted.size() < 3)
        return core::makeError("finger.quality", "fewer than 3 enrolment captures passed the quality gate");
    // libfprint's image enrolment has 5 stages; with 3-4 usable captures the best ones are
    // repeated (enroll() re-captures instead, this only matters for fixed image sets).
    for (std::size_t i = 0; accepted.size() < 5; ++i) accepted.push_back(accepted[i]);
    std::vector<Enhancement> variants{impl_->opt.enrolEnhancement};
    for (auto e : impl_->opt.extraEnrolVariants)
        if (e != impl_->opt.enrolEnhancement) variants.push_back(e);
    std::vector<std::vector<uint8_t>> prints;
    for (std::size_t v = 0; v < variants.size(); ++v) {
        std::vector<Image> ready;
        for (const auto& img : accepted) ready.push_back(enhance(img, variants[v]));
        KIOSK_ASSIGN_OR_RETURN(auto blob, enrolOnce(*impl_, ready, v == 0 ? progress : Progress{}, timeout));
        prints.push_back(std::move(blob));
    }
    FingerEnrolment out;
    if (prints.size() == 1) {
        out.print = std::move(prints.front());
    } else {
        KIOSK_ASSIGN_OR_RETURN(out.print, mergePrints(prints));
    }
    std::lock_guard lock(impl_->statMu);
    ++impl_->stats.enrolments;
    return out;
}

namespace {
core::Result<std::vector<uint8_t>> enrolOnce(LibfprintReader::Impl& implRef, const std::vector<Image>& ready,
                                             const FingerprintReader::Progress& progress, core::Millis timeout) {
    auto* impl = &implRef;
    std::size_t next = 0;
    auto provider = [&](int) -> core::Result<Image> {
        if (next >= ready.size()) return core::makeError("finger.quality", "not enough usable enrolment images");
        return ready[next++];
    };
    for (int round = 0;; ++round) {
        next = 0;
        std::lock_guard opLock(Runtime::get().opMutex());
        impl->cancelled = false;
        {
            std::lock_guard lock(impl->mu);
            impl->onProgress = [&](int stage) {
                if (progress) progress(stage, 5);
            };
        }
        auto r = impl->runOp(true, nullptr, provider, timeout);
        {
            std::lock_guard lock(impl->mu);
            impl->onProgress = nullptr;
        }
        if (!r.ok()) return r.error();
        LibfprintReader::Impl::OpResult op = r.value();
        if (op.error) {
            const bool deviceError = op.error->domain == FP_DEVICE_ERROR;
            const std::string msg = gerrorText(op.error);
            g_error_free(op.error);
            if (op.print) g_object_unref(op.print);
            if (deviceError && round < impl->opt.recoverRetries) {
                KIOSK_TRY(impl->recover(msg));
                continue;
            }
            return core::makeError(errc::kFault, "enrolment failed: " + msg);
        }
        guchar* data = nullptr;
        gsize len = 0;
        GError* err = nullptr;
        bool ok = fp_print_serialize(op.print, &data, &len, &err);
        g_object_unref(op.print);
        if (!ok) {
            const std::string msg = gerrorText(err);
            g_clear_error(&err);
            return core::makeError(errc::kFault, "cannot serialise the print: " + msg);
        }
        std::vector<uint8_t> out(data, data + len);
        g_free(data);
        return out;
    }
}
}  // namespace

core::Result<FingerVerify> LibfprintReader::verifyImage(const std::vector<uint8_t>& print, const FingerImage& probe,
                                                        core::Millis timeout) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "image verify needs the virtual_image backend");
    FingerVerify out;
    const Image gray = resampleTo500(toGray(probe.image), probe.ppi);
    const auto& variants = impl_->opt.verifyVariants.empty() ? std::vector<Enhancement>{Enhancement::Stretch}
                                                             : impl_->opt.verifyVariants;
    // Quality gate on the first variant.
    KIOSK_ASSIGN_OR_RETURN(Assessment a, assess(probe, variants.front()));
    if (a.guidance != FingerGuidance::Ok) {
        std::lock_guard lock(impl_->statMu);
        ++impl_->stats.qualityRefusals;
        out.guidance = a.guidance;
        return out;
    }
    GError* err = nullptr;
    FpPrint* templ = fp_print_deserialize(print.data(), print.size(), &err);
    if (!templ) {
        const std::string msg = gerrorText(err);
        g_clear_error(&err);
        return core::makeError(errc::kBadInput, "the enrolled print cannot be read: " + msg);
    }
    struct Unref {
        FpPrint* p;
        ~Unref() { g_object_unref(p); }
    } unref{templ};

    for (Enhancement e : variants) {
        const Image img = enhance(gray, e);
        for (int round = 0;; ++round) {
            std::lock_guard opLock(Runtime::get().opMutex());
            impl_->cancelled = false;
            Runtime::get().resetScores();
            auto r = impl_->runOp(false, templ, [&](int) -> core::Result<Image> { return img; }, timeout);
            if (!r.ok()) return r.error();
            Impl::OpResult op = r.value();
            {
                std::lock_guard lock(impl_->statMu);
                ++impl_->stats.verifies;
            }
            for (int s : Runtime::get().scores()) out.score = std::max(out.score, s);
            if (op.error) {
                const bool retry = op.error->domain == FP_DEVICE_RETRY;
                const std::string msg = gerrorText(op.error);
                g_error_free(op.error);
                if (retry) {
                    out.guidance = FingerGuidance::RemoveAndRetry;
                    break;
                }
                if (round < impl_->opt.recoverRetries) {
                    KIOSK_TRY(impl_->recover(msg));
                    continue;
                }
                return core::makeError(errc::kFault, "verify failed: " + msg);
            }
            if (op.match) {
                out.match = true;
                out.guidance = FingerGuidance::Ok;
                return out;
            }
            break;
        }
    }
    if (out.guidance == FingerGuidance::RemoveAndRetry && out.score > 0) out.guidance = FingerGuidance::Ok;
    return out;
}

core::Result<std::vector<int>> LibfprintReader::scoreAgainst(const std::vector<std::vector<uint8_t>>& prints,
                                                             const FingerImage& probe, Enhancement e,
                                                             core::Millis timeout) {
    if (impl_->opt.backend != Backend::VirtualImage)
        return core::makeError(errc::kFault, "scoring needs the virtual_image backend");
    std::vector<FpPrint*> templ;
    std::vector<int> impressions;
    struct Cleanup {
        std::vector<FpPrint*>& t;
        ~Cleanup() {
            for (auto* p : t) g_object_unref(p);
        }
    } cleanup{templ};
    for (const auto& blob : prints) {
        GError* err = nullptr;
        FpPrint* p = fp_print_deserialize(blob.data(), blob.size(), &err);
        if (!p) {
            g_clear_error(&err);
            return core::makeError(errc::kBadInput, "an enrolled print cannot be read");
        }
        templ.push_back(p);
        auto n = printImpressions(blob);
        impressions.push_back(n.ok() && n.value() > 0 ? n.value() : 5);
    }
    const Image img = enhance(resampleTo500(toGray(probe.image), probe.ppi), e);
    std::vector<int> best(prints.size(), 0);
    std::size_t from = 0;
    while (from < templ.size()) {
        GPtrArray* gallery = g_ptr_array_new();
        for (std::size_t i = from; i < templ.size(); ++i) g_ptr_array_add(gallery, templ[i]);
        std::lock_guard opLock(Runtime::get().opMutex());
        impl_->cancelled = false;
        Runtime::get().resetScores();
        auto r = impl_->runIdentify(gallery, [&](int) -> core::Result<Image> { return img; }, timeout);
        g_ptr_array_unref(gallery);
        if (!r.ok()) return r.error();
        Impl::OpResult op = r.value();
        if (op.error) {
            const bool retry = op.error->domain == FP_DEVICE_RETRY;
            const std::string msg = gerrorText(op.error);
            g_error_free(op.error);
            if (retry) return best;  // too few minutiae: every score 0
            KIOSK_TRY(impl_->recover(msg));
            continue;
        }
        // Scores come in gallery order, one per impression, stopping at the first >= 40.
        const auto scores = Runtime::get().scores();
        std::size_t si = 0, t = from;
        std::size_t matched = templ.size();
        for (; t < templ.size() && si < scores.size(); ++t) {
            for (int k = 0; k < impressions[t] && si < scores.size(); ++k) {
                const int sc = scores[si++];
                best[t] = std::max(best[t], sc);
                if (sc >= 40) {
                    matched = t;
                    break;
                }
            }
            if (matched == t) break;
        }
        if (op.print) g_object_unref(op.print);
        if (!op.match || matched >= templ.size()) break;
        from = matched + 1;
    }
    return best;
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
    std::vector<FingerImage> good;
    int refusals = 0;
    {
        std::lock_guard lock(impl_->statMu);
        impl_->lastEnrolGuidance = FingerGuidance::Ok;
    }
    while (good.size() < 5) {
        auto left = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return core::makeError(errc::kTimeout, "enrolment timed out");
        KIOSK_ASSIGN_OR_RETURN(auto cap, impl_->source->capture(left));
        if (!cap) return core::makeError(errc::kTimeout, "no finger presented for enrolment");
        KIOSK_ASSIGN_OR_RETURN(Assessment a, assess(*cap, impl_->opt.enrolEnhancement));
        if (a.guidance != FingerGuidance::Ok) {
            {
                std::lock_guard lock(impl_->statMu);
                ++impl_->stats.qualityRefusals;
                impl_->lastEnrolGuidance = a.guidance;
            }
            if (++refusals > impl_->opt.maxCaptureRetries * 5)
                return core::makeError("finger.quality", "too many poor enrolment captures");
            continue;
        }
        good.push_back(std::move(*cap));
    }
    auto left = std::chrono::duration_cast<core::Millis>(deadline - std::chrono::steady_clock::now());
    return enrollImages(good, progress, std::max(left, core::Millis(1000)));
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

// ---------------------------------------------------------------------------------

core::Result<std::vector<uint8_t>> mergePrints(const std::vector<std::vector<uint8_t>>& prints) {
    if (prints.empty()) return core::makeError(errc::kBadInput, "no print to merge");
    static const GVariantType* kType = G_VARIANT_TYPE("(issbymsmsia{sv}v)");
    std::vector<GVariant*> values;
    struct Unref {
        std::vector<GVariant*>& v;
        ~Unref() {
            for (auto* x : v) g_variant_unref(x);
        }
    } unref{values};
    GVariantBuilder sets;
    g_variant_builder_init(&sets, G_VARIANT_TYPE("a(aiaiai)"));
    int count = 0;
    for (const auto& p : prints) {
        if (p.size() < 4 || std::memcmp(p.data(), "FP3", 3) != 0) {
            g_variant_builder_clear(&sets);
            return core::makeError(errc::kBadInput, "not a libfprint print");
        }
        GBytes* bytes = g_bytes_new(p.data() + 3, p.size() - 3);
        GVariant* raw = g_variant_new_from_bytes(kType, bytes, FALSE);
        g_bytes_unref(bytes);
        GVariant* v = g_variant_get_normal_form(raw);
        g_variant_unref(g_variant_ref_sink(raw));
        values.push_back(g_variant_ref_sink(v));
        GVariant* boxed = g_variant_get_child_value(v, 9);
        GVariant* inner = g_variant_get_variant(boxed);     // (a(aiaiai)) for NBIS prints
        if (!g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
            g_variant_unref(inner);
            g_variant_unref(boxed);
            g_variant_builder_clear(&sets);
            return core::makeError(errc::kBadInput, "only NBIS (image device) prints can be merged");
        }
        GVariant* arr = g_variant_get_child_value(inner, 0);  // a(aiaiai)
        for (gsize i = 0; i < g_variant_n_children(arr); ++i) {
            GVariant* set = g_variant_get_child_value(arr, i);
            g_variant_builder_add_value(&sets, set);
            g_variant_unref(set);
            ++count;
        }
        g_variant_unref(arr);
        g_variant_unref(inner);
        g_variant_unref(boxed);
    }
    GVariantBuilder nested;
    g_variant_builder_init(&nested, G_VARIANT_TYPE("(a(aiaiai))"));
    g_variant_builder_add_value(&nested, g_variant_builder_end(&sets));
    GVariant* data = g_variant_builder_end(&nested);
    GVariantBuilder b;
    g_variant_builder_init(&b, kType);
    for (gsize i = 0; i < 9; ++i) {
        GVariant* c = g_variant_get_child_value(values[0], i);
        g_variant_builder_add_value(&b, c);
        g_variant_unref(c);
    }
    g_variant_builder_add_value(&b, g_variant_new_variant(data));
    GVariant* result = g_variant_ref_sink(g_variant_builder_end(&b));
    std::vector<uint8_t> out(3 + g_variant_get_size(result));
    std::memcpy(out.data(), "FP3", 3);
    g_variant_get_data(result);  // serialise into aligned memory first (out + 3 is unaligned)
    g_variant_store(result, out.data() + 3);
    g_variant_unref(result);
    // Check through libfprint itself.
    GError* err = nullptr;
    FpPrint* check = fp_print_deserialize(out.data(), out.size(), &err);
    if (!check) {
        const std::string msg = gerrorText(err);
        g_clear_error(&err);
        return core::makeError(errc::kFault, "merged print does not deserialise: " + msg);
    }
    g_object_unref(check);
    (void)count;
    return out;
}

core::Result<int> printImpressions(const std::vector<uint8_t>& print) {
    if (print.size() < 4 || std::memcmp(print.data(), "FP3", 3) != 0)
        return core::makeError(errc::kBadInput, "not a libfprint print");
    GBytes* bytes = g_bytes_new(print.data() + 3, print.size() - 3);
    GVariant* raw = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("(issbymsmsia{sv}v)"), bytes, FALSE));
    g_bytes_unref(bytes);
    GVariant* v = g_variant_get_normal_form(raw);
    g_variant_unref(raw);
    g_variant_ref_sink(v);
    int n = 0;
    {
        GVariant* boxed = g_variant_get_child_value(v, 9);
        GVariant* inner = g_variant_get_variant(boxed);
        if (g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
            GVariant* arr = g_variant_get_child_value(inner, 0);
            n = static_cast<int>(g_variant_n_children(arr));
            g_variant_unref(arr);
        }
        g_variant_unref(inner);
        g_variant_unref(boxed);
    }
    g_variant_unref(v);
    return n;
}

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

core::Result<ReaderOptions> readerOptionsFromConfig(const core::ConfigView& cfg) {
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
