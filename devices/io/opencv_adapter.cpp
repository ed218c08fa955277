// The one file that includes OpenCV in kiosk::devices_io: image files and the camera.
// OpenCV exceptions are caught here and turned into core::Error.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <system_error>

#include "core/log.h"
#include "devices/io/image_file.h"
#include "devices/io/opencv_camera.h"
#include "devices/io/qr_image_set.h"

namespace kiosk::devices::io {

namespace {

cv::Mat viewOf(const Image& img) {
    // A header over the Image's pixels (no copy); the Image must outlive the Mat.
    return cv::Mat(img.height, img.width, img.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                   const_cast<uint8_t*>(img.pixels.data()), img.stride());
}

Image fromMat(const cv::Mat& m) {
    cv::Mat src = m;
    if (src.depth() != CV_8U) src.convertTo(src, CV_8U);
    if (src.channels() == 4) cv::cvtColor(src, src, cv::COLOR_BGRA2BGR);
    if (src.channels() == 2) cv::extractChannel(src, src, 0);
    Image out;
    out.width = src.cols;
    out.height = src.rows;
    out.format = src.channels() == 1 ? PixelFormat::Gray8 : PixelFormat::Bgr8;
    out.pixels.resize(out.stride() * static_cast<std::size_t>(out.height));
    for (int y = 0; y < src.rows; ++y) {
        std::memcpy(out.pixels.data() + out.stride() * y, src.ptr(y), out.stride());
    }
    return out;
}

}  // namespace

core::Result<Image> loadImageFile(const std::filesystem::path& path, ColorMode mode) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return core::makeError("image.not_found", "no image file at " + path.string());
    }
    try {
        int flags = mode == ColorMode::Gray  ? cv::IMREAD_GRAYSCALE
                    : mode == ColorMode::Bgr ? cv::IMREAD_COLOR
                                             : cv::IMREAD_ANYCOLOR;
        cv::Mat m = cv::imread(path.string(), flags);
        if (m.empty()) return core::makeError("image.unreadable", "cannot decode image " + path.string());
        return fromMat(m);
    } catch (const cv::Exception& e) {
        return core::makeError("image.unreadable", path.string() + ": " + e.what());
    }
}

core::Status saveImageFile(const std::filesystem::path& path, const Image& image) {
    if (image.empty() || image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) {
        return core::makeError("image.empty", "refusing to write an empty image to " + path.string());
    }
    try {
        if (!cv::imwrite(path.string(), viewOf(image))) {
            return core::makeError("image.write_failed", "cannot write " + path.string());
        }
    } catch (const cv::Exception& e) {
        return core::makeError("image.write_failed", path.string() + ": " + e.what());
    }
    return {};
}

Image convertImage(const Image& image, PixelFormat format) {
    if (image.format == format || image.empty()) return image;
    cv::Mat out;
    cv::cvtColor(viewOf(image), out, format == PixelFormat::Gray8 ? cv::COLOR_BGR2GRAY : cv::COLOR_GRAY2BGR);
    return fromMat(out);
}

// ---------------------------------------------------------------------------------- camera

core::Result<CameraConfig> CameraConfig::fromConfig(const core::ConfigView& cfg) {
    CameraConfig c;
    KIOSK_ASSIGN_OR_RETURN(c.source, cfg.stringOr("source", c.source));
    if (c.source.empty()) return cfg.bad("source", "must not be empty");
    KIOSK_ASSIGN_OR_RETURN(auto w, cfg.integerOr("width", c.width, 0, 8192));
    KIOSK_ASSIGN_OR_RETURN(auto h, cfg.integerOr("height", c.height, 0, 8192));
    if ((w == 0) != (h == 0)) return cfg.bad("width", "width and height must both be set or both be 0");
    c.width = static_cast<int>(w);
    c.height = static_cast<int>(h);
    KIOSK_ASSIGN_OR_RETURN(c.fps, cfg.numberOr("fps", c.fps, 1, 240));
    KIOSK_ASSIGN_OR_RETURN(auto stale, cfg.integerOr("stale_ms", c.staleAfter.count(), 50, 60000));
    c.staleAfter = core::Millis(stale);
    KIOSK_ASSIGN_OR_RETURN(auto fmt, cfg.oneOf("format", {"bgr", "gray"}, "bgr"));
    c.format = fmt == "gray" ? PixelFormat::Gray8 : PixelFormat::Bgr8;
    KIOSK_ASSIGN_OR_RETURN(bool loop, cfg.booleanOr("loop", false));
    c.atEnd = loop ? EndOfStream::Loop : EndOfStream::Lost;
    KIOSK_ASSIGN_OR_RETURN(c.name, cfg.stringOr("name", c.name));
    return c;
}

CameraSourceKind cameraSourceKind(const std::string& source) {
    std::error_code ec;
    if (source.rfind("/dev/", 0) == 0) return CameraSourceKind::Device;
    if (!source.empty() && std::all_of(source.begin(), source.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return CameraSourceKind::Device;
    }
    if (std::filesystem::is_directory(source, ec)) return CameraSourceKind::ImageFolder;
    return CameraSourceKind::VideoFile;
}

struct OpenCvCamera::Impl {
    Impl(CameraConfig c, core::Clock& k) : cfg(std::move(c)), clock(k) {}
    CameraConfig cfg;
    core::Clock& clock;
    CameraSourceKind kind = CameraSourceKind::Device;
    cv::VideoCapture cap;
    std::vector<std::filesystem::path> files;
    std::size_t nextFile = 0;

    mutable std::mutex mu;
    // Capture thread (live devices and custom readers).
    bool threaded = false;
    FrameReader reader;
    std::thread capture;
    std::atomic<bool> stopping{false};
    std::condition_variable cv;
    cv::Mat latest;
    uint64_t latestSeq = 0, deliveredSeq = 0;
    bool ended = false;

    uint64_t seq = 0;
    uint64_t framesRead = 0;
    uint64_t lastHash = 0;
    bool haveHash = false;
    double lastPosMs = -1;
    core::MonoTime lastFresh{};
    core::MonoTime nextDue{};
    DeviceHealth health;

    enum class Read { Ok, Failed, End };

    Read readRaw(cv::Mat& out) {
        if (reader) {
            Image img;
            ReadResult r = reader(img);
            if (r != ReadResult::Frame) return r == ReadResult::End ? Read::End : Read::Failed;
            if (img.empty()) return Read::Failed;
            out = cv::Mat(img.height, img.width, img.format == PixelFormat::Gray8 ? CV_8UC1 : CV_8UC3,
                          img.pixels.data(), img.stride()).clone();
            return Read::Ok;
        }
        if (kind == CameraSourceKind::ImageFolder) {
            if (nextFile >= files.size()) return Read::End;
            out = cv::imread(files[nextFile++].string(), cv::IMREAD_COLOR);
            return out.empty() ? Read::Failed : Read::Ok;
        }
        if (!cap.isOpened()) return Read::Failed;
        if (!cap.read(out) || out.empty()) return kind == CameraSourceKind::VideoFile ? Read::End : Read::Failed;
        return Read::Ok;
    }

    void rewind() {
        if (kind == CameraSourceKind::ImageFolder) nextFile = 0;
        else cap.set(cv::CAP_PROP_POS_FRAMES, 0);
        lastPosMs = -1;
    }

    // Sampled FNV-1a over the frame: a live sensor never gives two identical frames.
    static uint64_t frameHash(const cv::Mat& m) {
        uint64_t hash = 1469598103934665603ull;
        for (int y = 0; y < m.rows; y += 3) {
            const uint8_t* p = m.ptr<uint8_t>(y);
            const std::size_t n = m.cols * m.elemSize();
            for (std::size_t i = (y % 7); i < n; i += 5) {
                hash ^= p[i];
                hash *= 1099511628211ull;
            }
        }
        return hash;
    }

    core::Error lost(const std::string& why) {
        health.state = DeviceState::Lost;
        health.detail = why;
        core::logError("device.lost", {{"device", cfg.name}, {"detail", why}});
        return core::makeError(errc::kLost, cfg.name + ": " + why);
    }

    Frame makeFrame(cv::Mat& m) {
        if (cfg.width > 0 && cfg.height > 0 && (m.cols != cfg.width || m.rows != cfg.height)) {
            cv::resize(m, m, cv::Size(cfg.width, cfg.height), 0, 0, cv::INTER_AREA);
        }
        if (cfg.format == PixelFormat::Gray8 && m.channels() != 1) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
        if (cfg.format == PixelFormat::Bgr8 && m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
        Frame f;
        f.image = fromMat(m);
        f.capturedAt = clock.monoNow();
        f.sequence = ++seq;
        return f;
    }

    // Capture thread: read continuously, keep the newest fresh frame.
    void captureLoop() {
        while (!stopping) {
            cv::Mat m;
            Read r;
            try {
                r = readRaw(m);
            } catch (...) {
                r = Read::Failed;
            }
            std::unique_lock lock(mu);
            if (r == Read::End) {
                ended = true;
                cv.notify_all();
                return;
            }
            if (r == Read::Failed) {
                lock.unlock();
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            ++framesRead;
            const uint64_t h = frameHash(m);
            double pos = reader ? -1 : cap.get(cv::CAP_PROP_POS_MSEC);
            bool fresh = !haveHash || h != lastHash;
            if (pos > 0 && lastPosMs > 0 && pos <= lastPosMs) fresh = false;  // stalled timestamp
            lastHash = h;
            haveHash = true;
            if (pos > 0) lastPosMs = pos;
            if (fresh) {
                latest = std::move(m);
                ++latestSeq;
                lastFresh = clock.monoNow();
                cv.notify_all();
            }
        }
    }

    // Needs mu held (through lock).
    core::Result<Frame> grabThreaded(std::unique_lock<std::mutex>& lock, core::Millis timeout) {
        const auto deadline = clock.monoNow() + timeout;
        for (;;) {
            if (health.state == DeviceState::Lost) return core::makeError(errc::kLost, cfg.name + ": " + health.detail);
            if (latestSeq > deliveredSeq) {
                deliveredSeq = latestSeq;
                cv::Mat m = latest.clone();
                if (health.state != DeviceState::Ready) {
                    health.state = DeviceState::Ready;
                    health.detail.clear();
                }
                Frame f = makeFrame(m);
                // Numbered at capture: a gap tells the consumer how many went stale unread.
                f.sequence = deliveredSeq;
                return f;
            }
            const auto now = clock.monoNow();
            if (ended) return lost("end of stream");
            if (now - lastFresh >= cfg.staleAfter) {
                return lost(framesRead > 0 ? "no fresh frame for " + std::to_string(cfg.staleAfter.count()) +
                                                 " ms (identical frames, stalled timestamps or a blocked read)"
                                           : "no frame for " + std::to_string(cfg.staleAfter.count()) + " ms");
            }
            if (now >= deadline) return core::makeError(errc::kTimeout, cfg.name + ": no fresh frame within the timeout");
            auto wait = std::min(deadline - now, cfg.staleAfter - (now - lastFresh));
            cv.wait_for(lock, std::chrono::duration_cast<std::chrono::milliseconds>(wait) + std::chrono::milliseconds(1));
        }
    }

    core::Result<Frame> grab(core::Millis timeout) {
        if (health.state == DeviceState::Lost) return core::makeError(errc::kLost, cfg.name + ": " + health.detail);
        const auto deadline = clock.monoNow() + timeout;
        const auto period = std::chrono::duration_cast<core::Millis>(std::chrono::duration<double, std::milli>(1000.0 / cfg.fps));
        for (;;) {
            auto now = clock.monoNow();
            if (kind != CameraSourceKind::Device) {
                // Files and folders are paced at the configured frame rate.
                if (nextDue > deadline) {
                    if (deadline > now) clock.sleepFor(std::chrono::duration_cast<core::Millis>(deadline - now));
                    return core::makeError(errc::kTimeout, cfg.name + ": no frame within the timeout");
                }
                if (nextDue > now) clock.sleepFor(std::chrono::duration_cast<core::Millis>(nextDue - now));
                now = clock.monoNow();
                nextDue = std::max(nextDue, now) + period;
            }
            cv::Mat m;
            Read r = readRaw(m);
            if (r == Read::End) {
                if (cfg.atEnd == EndOfStream::Loop && framesRead > 0) {
                    rewind();
                    continue;
                }
                return lost("end of stream");
            }
            if (r == Read::Ok) {
                ++framesRead;
                const uint64_t h = frameHash(m);
                double pos = kind == CameraSourceKind::ImageFolder ? -1 : cap.get(cv::CAP_PROP_POS_MSEC);
                bool fresh = !haveHash || h != lastHash;
                if (pos > 0 && lastPosMs > 0 && pos <= lastPosMs && kind == CameraSourceKind::Device) fresh = false;
                lastHash = h;
                haveHash = true;
                if (pos > 0) lastPosMs = pos;
                if (fresh) {
                    lastFresh = now;
                    if (health.state != DeviceState::Ready) {
                        health.state = DeviceState::Ready;
                        health.detail.clear();
                    }
                    return makeFrame(m);
                }
            }
            if (now - lastFresh >= cfg.staleAfter) {
                return lost(r == Read::Ok ? "stale stream: identical frames or stalled timestamps for " +
                                                std::to_string(cfg.staleAfter.count()) + " ms"
                                          : "no frame for " + std::to_string(cfg.staleAfter.count()) + " ms");
            }
            if (clock.monoNow() >= deadline) {
                return core::makeError(errc::kTimeout, cfg.name + ": no fresh frame within the timeout");
            }
            if (r == Read::Failed && kind == CameraSourceKind::Device) clock.sleepFor(core::Millis(10));
        }
    }
};

OpenCvCamera::OpenCvCamera(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenCvCamera::~OpenCvCamera() {
    impl_->stopping = true;
    if (impl_->capture.joinable()) {
        // A V4L2 read returns within its own select timeout; a custom reader must return.
        impl_->capture.join();
    }
}

core::Result<std::unique_ptr<OpenCvCamera>> OpenCvCamera::open(const CameraConfig& config, core::Clock& clock) {
    auto impl = std::make_unique<Impl>(config, clock);
    impl->health.device = config.name;
    impl->kind = cameraSourceKind(config.source);
    try {
        switch (impl->kind) {
            case CameraSourceKind::ImageFolder: {
                static const std::vector<std::string> exts = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"};
                for (const auto& e : std::filesystem::directory_iterator(config.source)) {
                    std::string ext = e.path().extension().string();
                    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
                    if (e.is_regular_file() && std::find(exts.begin(), exts.end(), ext) != exts.end()) {
                        impl->files.push_back(e.path());
                    }
                }
                std::sort(impl->files.begin(), impl->files.end());
                if (impl->files.empty()) return core::makeError(errc::kLost, config.name + ": no images in " + config.source);
                break;
            }
            case CameraSourceKind::VideoFile:
                if (!std::filesystem::is_regular_file(config.source)) {
                    return core::makeError(errc::kLost, config.name + ": no video file " + config.source);
                }
                if (!impl->cap.open(config.source, cv::CAP_ANY) || !impl->cap.isOpened()) {
                    return core::makeError(errc::kLost, config.name + ": cannot open video " + config.source);
                }
                break;
            case CameraSourceKind::Device: {
                bool ok = config.source.rfind("/dev/", 0) == 0 ? impl->cap.open(config.source, cv::CAP_V4L2)
                                                                : impl->cap.open(std::stoi(config.source), cv::CAP_V4L2);
                if (!ok || !impl->cap.isOpened()) {
                    return core::makeError(errc::kLost, config.name + ": cannot open camera " + config.source);
                }
                if (config.width > 0) {
                    impl->cap.set(cv::CAP_PROP_FRAME_WIDTH, config.width);
                    impl->cap.set(cv::CAP_PROP_FRAME_HEIGHT, config.height);
                }
                impl->cap.set(cv::CAP_PROP_FPS, config.fps);
                impl->cap.set(cv::CAP_PROP_BUFFERSIZE, 1);
                break;
            }
        }
    } catch (const std::exception& e) {
        return core::makeError(errc::kLost, config.name + ": " + e.what());
    }
    impl->lastFresh = clock.monoNow();
    impl->nextDue = clock.monoNow();
    impl->threaded = impl->kind == CameraSourceKind::Device;
    core::logInfo("device.opened", {{"device", config.name}, {"source_kind", static_cast<int>(impl->kind)}});
    std::unique_ptr<OpenCvCamera> cam(new OpenCvCamera(std::move(impl)));
    if (cam->impl_->threaded) {
        Impl* p = cam->impl_.get();
        p->capture = std::thread([p] { p->captureLoop(); });
    }
    return cam;
}

core::Result<std::unique_ptr<OpenCvCamera>> OpenCvCamera::openReader(const CameraConfig& config, core::Clock& clock,
                                                                     FrameReader reader) {
    if (!reader) return core::makeError(errc::kLost, config.name + ": no frame reader");
    auto impl = std::make_unique<Impl>(config, clock);
    impl->health.device = config.name;
    impl->kind = CameraSourceKind::Device;
    impl->reader = std::move(reader);
    impl->threaded = true;
    impl->lastFresh = clock.monoNow();
    std::unique_ptr<OpenCvCamera> cam(new OpenCvCamera(std::move(impl)));
    Impl* p = cam->impl_.get();
    p->capture = std::thread([p] { p->captureLoop(); });
    return cam;
}

core::Result<Frame> OpenCvCamera::grab(core::Millis timeout) {
    std::unique_lock lock(impl_->mu);
    try {
        if (impl_->threaded) return impl_->grabThreaded(lock, timeout);
        return impl_->grab(timeout);
    } catch (const std::exception& e) {
        return impl_->lost(std::string("capture failed: ") + e.what());
    }
}

DeviceHealth OpenCvCamera::health() const {
    std::lock_guard lock(impl_->mu);
    return impl_->health;
}

const CameraConfig& OpenCvCamera::config() const { return impl_->cfg; }

uint64_t OpenCvCamera::framesRead() const {
    std::lock_guard lock(impl_->mu);
    return impl_->framesRead;
}

}  // namespace kiosk::devices::io
