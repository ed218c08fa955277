#include "bench/qr/qr_photo_set.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <opencv2/imgproc.hpp>

namespace kiosk::bench::qr {

namespace fs = std::filesystem;

std::vector<Photo> loadPhotos(const fs::path& root, std::string& error) {
    std::vector<Photo> out;
    if (!fs::is_directory(root)) return out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        const auto ext = e.path().extension().string();
        if (ext != ".jpg" && ext != ".png") continue;
        auto labels = e.path();
        labels.replace_extension(".txt");
        if (!fs::exists(labels)) continue;
        std::ifstream in(labels);
        std::vector<float> nums;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#' || line.rfind("SETS", 0) == 0) continue;
            std::istringstream ls(line);
            float v = 0;
            while (ls >> v) nums.push_back(v);
        }
        if (nums.size() % 8 != 0) {
            error = labels.string() + ": corner numbers are not groups of 8";
            return {};
        }
        Photo p;
        p.category = e.path().parent_path().filename().string();
        p.file = e.path();
        for (std::size_t i = 0; i < nums.size(); i += 8) {
            std::vector<cv::Point2f> poly;
            for (int k = 0; k < 4; ++k) poly.emplace_back(nums[i + 2 * k], nums[i + 2 * k + 1]);
            p.codes.push_back(std::move(poly));
        }
        out.push_back(std::move(p));
    }
    std::sort(out.begin(), out.end(), [](const Photo& a, const Photo& b) {
        return a.category != b.category ? a.category < b.category : a.file < b.file;
    });
    return out;
}

namespace {

bool inside(const std::vector<cv::Point2f>& poly, cv::Point2f p) {
    return cv::pointPolygonTest(poly, p, false) >= 0;
}

cv::Point2f centre(const std::vector<cv::Point2f>& q) {
    cv::Point2f c(0, 0);
    for (const auto& p : q) c += p;
    return q.empty() ? c : c * (1.0f / static_cast<float>(q.size()));
}

// Which labelled polygon a result falls in, -1 for none.
int match(const Hit& h, const std::vector<std::vector<cv::Point2f>>& codes) {
    if (h.quad.empty()) return -1;
    const cv::Point2f c = centre(h.quad);
    for (std::size_t i = 0; i < codes.size(); ++i)
        if (inside(codes[i], c)) return static_cast<int>(i);
    for (std::size_t i = 0; i < codes.size(); ++i)
        for (const auto& p : h.quad)
            if (inside(codes[i], p)) return static_cast<int>(i);
    return -1;
}

}  // namespace

Score score(const std::vector<Hit>& hits, const std::vector<std::vector<cv::Point2f>>& codes) {
    Score s;
    std::vector<char> read(codes.size(), 0), det(codes.size(), 0);
    for (const auto& h : hits) {
        const int m = match(h, codes);
        if (m < 0) {
            if (h.decoded) ++s.falsePositives;
            continue;
        }
        det[static_cast<std::size_t>(m)] = 1;
        if (h.decoded) read[static_cast<std::size_t>(m)] = 1;
    }
    for (std::size_t i = 0; i < codes.size(); ++i) {
        s.read += read[i];
        s.detected += det[i];
    }
    return s;
}

namespace {

// A lane-like background: a soft vertical gradient (ceiling light) with low-contrast
// blobs (people, kiosk housing) and sensor noise; the same for every frame index.
cv::Mat background(int index) {
    cv::Mat bg(720, 1280, CV_8UC3);
    for (int y = 0; y < bg.rows; ++y) bg.row(y).setTo(cv::Scalar(70 + y / 9, 80 + y / 10, 90 + y / 12));
    cv::RNG rng(static_cast<uint64_t>(1000 + index));
    for (int i = 0; i < 12; ++i) {
        cv::ellipse(bg, cv::Point(rng.uniform(0, 1280), rng.uniform(0, 720)), cv::Size(rng.uniform(40, 260), rng.uniform(40, 200)),
                    rng.uniform(0, 180), 0, 360, cv::Scalar(rng.uniform(30, 200), rng.uniform(30, 200), rng.uniform(30, 200)), -1);
    }
    cv::GaussianBlur(bg, bg, cv::Size(0, 0), 6);
    cv::Mat noise(bg.size(), CV_8UC3);
    rng.fill(noise, cv::RNG::NORMAL, 0, 3);
    bg += noise;
    return bg;
}

}  // namespace

LaneFrame laneFrame(const cv::Mat& photo, const std::vector<std::vector<cv::Point2f>>& codes, int index) {
    LaneFrame f;
    f.bgr = background(index);
    // The codes' bounding box with a margin; the photo keeps its resolution unless that
    // box would not fit the frame, then it is scaled down just enough.
    cv::Rect2f box(0, 0, static_cast<float>(photo.cols), static_cast<float>(photo.rows));
    if (!codes.empty()) {
        std::vector<cv::Point2f> all;
        for (const auto& poly : codes) all.insert(all.end(), poly.begin(), poly.end());
        box = cv::boundingRect(all);
        const float mx = box.width * 0.15f + 8, my = box.height * 0.15f + 8;
        box = cv::Rect2f(box.x - mx, box.y - my, box.width + 2 * mx, box.height + 2 * my);
    }
    const double s = std::min({1.0, 1280.0 / box.width, 720.0 / box.height});
    cv::Mat scaled = photo;
    if (s < 1.0) cv::resize(photo, scaled, cv::Size(), s, s, cv::INTER_AREA);
    // A 1280x720 window of the scaled photo centred on the codes (clamped to the photo).
    const int ww = std::min(1280, scaled.cols), wh = std::min(720, scaled.rows);
    const double cx = (box.x + box.width / 2) * s, cy = (box.y + box.height / 2) * s;
    const int sx = std::clamp(static_cast<int>(cx - ww / 2.0), 0, scaled.cols - ww);
    const int sy = std::clamp(static_cast<int>(cy - wh / 2.0), 0, scaled.rows - wh);
    const int ox = (1280 - ww) / 2, oy = (720 - wh) / 2;
    scaled(cv::Rect(sx, sy, ww, wh)).copyTo(f.bgr(cv::Rect(ox, oy, ww, wh)));
    for (const auto& poly : codes) {
        std::vector<cv::Point2f> q;
        for (const auto& p : poly) q.emplace_back(static_cast<float>(p.x * s - sx + ox), static_cast<float>(p.y * s - sy + oy));
        f.codes.push_back(std::move(q));
    }
    return f;
}

LaneFrame codelessFrame(const cv::Mat& photo, const std::vector<std::vector<cv::Point2f>>& codes, int index) {
    LaneFrame f = laneFrame(photo, codes, index);
    for (const auto& poly : f.codes) {
        std::vector<cv::Point> q;
        for (const auto& p : poly) q.emplace_back(cvRound(p.x), cvRound(p.y));
        // Grow the polygon a little around its centre so no finder pattern survives.
        cv::Point2f c(0, 0);
        for (const auto& p : poly) c += p;
        c *= 0.25f;
        for (std::size_t i = 0; i < q.size(); ++i) q[i] = cv::Point(cvRound(c.x + 1.15f * (poly[i].x - c.x)), cvRound(c.y + 1.15f * (poly[i].y - c.y)));
        const cv::Scalar mean = cv::mean(f.bgr(cv::boundingRect(q) & cv::Rect(0, 0, 1280, 720)));
        cv::fillConvexPoly(f.bgr, q, mean);
    }
    f.codes.clear();
    return f;
}

}  // namespace kiosk::bench::qr
