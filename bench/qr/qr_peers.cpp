#include "bench/qr/qr_peers.h"


#include <filesystem>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/wechat_qrcode.hpp>

namespace kiosk::bench::qr {

namespace io = devices::io;

Input makeInput(const cv::Mat& bgr) {
    Input in;
    in.bgr = bgr;
    cv::cvtColor(bgr, in.gray, cv::COLOR_BGR2GRAY);
    in.image.width = bgr.cols;
    in.image.height = bgr.rows;
    in.image.format = devices::PixelFormat::Bgr8;
    cv::Mat c = bgr.isContinuous() ? bgr : bgr.clone();
    in.image.pixels.assign(c.data, c.data + c.total() * 3);
    return in;
}

Peer kioskPeer(double budgetMs, const std::string& name) {
    Peer p;
    p.name = name;
    p.does = budgetMs > 0 ? "decodes; the passes an " + std::to_string(static_cast<int>(budgetMs)) +
                                " ms CPU budget allows, merged (several codes wanted); the first pass always runs"
                          : "decodes; all passes, merged (no budget)";
    p.run = [budgetMs](const Input& in) {
        io::QrDecodeOptions o;
        o.ambiguity = io::Ambiguity::ReturnAll;
        o.budgetMs = budgetMs;
        std::vector<Hit> hits;
        auto r = io::decodeQrCodes(in.image, o);
        if (!r.ok()) return hits;
        for (const auto& c : *r) {
            Hit h;
            h.text = c.text;
            for (const auto& pt : c.corners) h.quad.emplace_back(static_cast<float>(pt.x), static_cast<float>(pt.y));
            hits.push_back(std::move(h));
        }
        return hits;
    };
    return p;
}

Peer wechatPeer(const std::string& modelDir) {
    Peer p;
    p.name = "OpenCV 4.6 wechat_qrcode";
    namespace fs = std::filesystem;
    const fs::path d(modelDir);
    const bool models = !modelDir.empty() && fs::exists(d / "detect.prototxt") && fs::exists(d / "detect.caffemodel") &&
                        fs::exists(d / "sr.prototxt") && fs::exists(d / "sr.caffemodel");
    std::shared_ptr<cv::wechat_qrcode::WeChatQRCode> w;
    if (models) {
        w = std::make_shared<cv::wechat_qrcode::WeChatQRCode>((d / "detect.prototxt").string(), (d / "detect.caffemodel").string(),
                                                              (d / "sr.prototxt").string(), (d / "sr.caffemodel").string());
        p.does = "decodes; CNN detector and super-resolution models loaded";
    } else {
        w = std::make_shared<cv::wechat_qrcode::WeChatQRCode>();
        p.does = "decodes; WITHOUT its CNN models (Debian ships none): traditional detector, no super-resolution";
    }
    p.run = [w](const Input& in) {
        std::vector<Hit> hits;
        std::vector<cv::Mat> points;
        auto texts = w->detectAndDecode(in.bgr, points);
        for (std::size_t i = 0; i < texts.size(); ++i) {
            Hit h;
            h.text = texts[i];
            if (i < points.size() && points[i].rows >= 4) {
                cv::Mat m;
                points[i].convertTo(m, CV_32F);
                for (int k = 0; k < 4; ++k) h.quad.emplace_back(m.at<float>(k, 0), m.at<float>(k, 1));
            }
            hits.push_back(std::move(h));
        }
        return hits;
    };
    return p;
}

Peer opencvDetectorPeer() {
    Peer p;
    p.name = "OpenCV 4.6 QRCodeDetector";
    p.does = "detection only, no decoder in this build (Debian's OpenCV has no quirc)";
    p.decodes = false;
    auto det = std::make_shared<cv::QRCodeDetector>();
    p.run = [det](const Input& in) {
        std::vector<Hit> hits;
        std::vector<cv::Point2f> pts;
        std::vector<std::string> texts;
        if (!det->detectAndDecodeMulti(in.gray, texts, pts)) return hits;
        for (std::size_t i = 0; i + 3 < pts.size(); i += 4) {
            Hit h;
            h.text = i / 4 < texts.size() ? texts[i / 4] : std::string();
            h.decoded = !h.text.empty();
            h.quad.assign(pts.begin() + static_cast<long>(i), pts.begin() + static_cast<long>(i) + 4);
            hits.push_back(std::move(h));
        }
        return hits;
    };
    return p;
}

}  // namespace kiosk::bench::qr
