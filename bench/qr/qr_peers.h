#pragma once
// The decoders bench_qr compares, each behind one signature: a frame in, the codes it
// reports (text, when it decodes one, and where) out.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "devices/io/qr_decoder.h"

namespace kiosk::bench::qr {

struct Hit {
    std::string text;              // empty for a detection without a decode
    std::vector<cv::Point2f> quad;  // corners (4, or zbar's outline points)
    bool decoded = true;
};

struct Input {
    cv::Mat bgr, gray;
    devices::Image image;  // Bgr8, as the camera driver delivers it
};
Input makeInput(const cv::Mat& bgr);

struct Peer {
    std::string name;
    std::string does;  // what it really does in this build (the table's label)
    std::function<std::vector<Hit>(const Input&)> run;
    bool decodes = true;  // false: detection only (its reads are 0; detections reported aside)
};

// The kiosk's decoder as the lane runs it (budget in CPU ms, 0 = all passes).
Peer kioskPeer(double budgetMs, const std::string& name);
Peer zxingPlainPeer();
Peer zbarPeer();
// wechat_qrcode: with the CNN detector / super-resolution models when the four files are
// in modelDir, else its traditional detector; `does` says which.
Peer wechatPeer(const std::string& modelDir);
Peer opencvDetectorPeer();

}  // namespace kiosk::bench::qr
