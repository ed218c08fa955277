#pragma once
// Internal to the libfprint adapter: the reader's libfprint device, the virtual_image
// socket it feeds, and one libfprint operation fed with images (runOp / runIdentify).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>

#include "core/log.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/fingerprint/libfprint_runtime.h"

namespace kiosk::devices::fingerprint {

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
    FpPrint* opScanned = nullptr;  // identify: the probe's own print (its minutiae)
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
        FpPrint* scanned = nullptr; // identify: the probe's print (caller unrefs)
        GError* error = nullptr;    // libfprint error (caller frees)
    };
    using NextImage = std::function<core::Result<Image>(int index)>;

    static void identifyDone(GObject* src, GAsyncResult* res, gpointer self) {
        auto* impl = static_cast<Impl*>(self);
        FpPrint* match = nullptr;
        FpPrint* scanned = nullptr;
        GError* err = nullptr;
        fp_device_identify_finish(FP_DEVICE(src), res, &match, &scanned, &err);
        std::lock_guard lock(impl->mu);
        impl->opPrint = match;
        impl->opScanned = scanned;
        impl->opMatch = match != nullptr;
        impl->opError = err;
        impl->opDone = true;
        impl->cv.notify_all();
    }

    struct GalleryScores {
        std::vector<int> scores;       // per gallery print; 0 = not scored (stopped early)
        int best = 0;
        bool tooFewMinutiae = false;   // libfprint refused the probe (every score 0)
        Minutiae probe;                // the probe's minutiae as libfprint found them
    };
    // Scores a prepared probe against single-impression prints; stops once a score reaches
    // stopAt (INT_MAX: score everything). See libfprint_match.cpp.
    core::Result<GalleryScores> scoreGallery(const std::vector<FpPrint*>& gallery, const Image& img, int stopAt,
                                             core::Millis timeout);

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
            opScanned = nullptr;
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
            if (opScanned) g_object_unref(opScanned);
            opError = nullptr;
            opPrint = nullptr;
            opScanned = nullptr;
            if (!feedError.ok()) return feedError.error();
            return core::makeError(errc::kTimeout, "no fingerprint within the timeout");
        }
        OpResult r{opMatch, opPrint, opScanned, opError};
        opPrint = nullptr;
        opScanned = nullptr;
        opError = nullptr;
        return r;
    }
};

}  // namespace kiosk::devices::fingerprint
