#include "devices/fingerprint/finger_image_source.h"

#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "devices/fingerprint/finger_cv.h"

namespace kiosk::devices::fingerprint {

core::Result<Image> loadGrayImage(const std::filesystem::path& file) {
    cv::Mat m;
    try {
        m = cv::imread(file.string(), cv::IMREAD_GRAYSCALE);
    } catch (const cv::Exception& e) {
        return core::makeError(errc::kBadInput, "cannot read fingerprint image " + file.string() + ": " + e.what());
    }
    if (m.empty()) return core::makeError(errc::kBadInput, "cannot read fingerprint image " + file.string());
    return detail::fromMat(m);
}

core::Status saveGrayPng(const Image& image, const std::filesystem::path& file) {
    try {
        cv::Mat m = detail::toMat(image);
        if (!cv::imwrite(file.string(), m)) return core::makeError("io.write_failed", "cannot write " + file.string());
    } catch (const cv::Exception& e) {
        return core::makeError("io.write_failed", "cannot write " + file.string() + ": " + e.what());
    }
    return {};
}

void SimFingerSensor::present(Image image, int ppi) {
    std::lock_guard lock(mu_);
    queue_.push_back(FingerImage{std::move(image), ppi});
}

core::Status SimFingerSensor::presentFile(const std::filesystem::path& file, int ppi) {
    KIOSK_ASSIGN_OR_RETURN(Image img, loadGrayImage(file));
    present(std::move(img), ppi);
    return {};
}

void SimFingerSensor::clear() {
    std::lock_guard lock(mu_);
    queue_.clear();
}

std::size_t SimFingerSensor::pending() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

std::size_t SimFingerSensor::captured() const {
    std::lock_guard lock(mu_);
    return captured_;
}

void SimFingerSensor::cancel() { cancelled_ = true; }

core::Result<std::optional<FingerImage>> SimFingerSensor::capture(core::Millis timeout) {
    cancelled_ = false;
    if (faults_.lost) return core::makeError(errc::kLost, "fingerprint sensor lost");
    auto waitOut = [&] {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!cancelled_ && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(std::min<core::Millis>(core::Millis(10), timeout));
    };
    if (faults_.timeout) {
        waitOut();
        return core::makeError(errc::kTimeout, "fingerprint sensor did not answer");
    }
    std::unique_lock lock(mu_);
    if (faults_.noInput || queue_.empty()) {
        lock.unlock();
        waitOut();
        return std::optional<FingerImage>{};
    }
    FingerImage img = std::move(queue_.front());
    queue_.pop_front();
    ++captured_;
    return std::optional<FingerImage>(std::move(img));
}

DeviceHealth SimFingerSensor::health() const {
    DeviceHealth h{"fingerprint", DeviceState::Ready, "simulated sensor"};
    if (faults_.lost) {
        h.state = DeviceState::Lost;
        h.detail = "simulated sensor lost";
    } else if (faults_.timeout) {
        h.state = DeviceState::Fault;
        h.detail = "simulated sensor not answering";
    }
    return h;
}

}  // namespace kiosk::devices::fingerprint
