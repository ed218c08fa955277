#pragma once
// The BoofCV QR photographs in ../shared/data/qr/boofcv (one folder per condition, corner
// polygons beside each image), the study's scoring, and the 1280x720 lane frames made
// from them.
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "bench/qr/qr_peers.h"

namespace kiosk::bench::qr {

struct Photo {
    std::string category;
    std::filesystem::path file;
    std::vector<std::vector<cv::Point2f>> codes;  // labelled corner polygons
};

// Every image with a label file, sorted by category then name. Empty when the folder is
// missing; a label file whose numbers are not groups of 8 is an error (message set).
std::vector<Photo> loadPhotos(const std::filesystem::path& root, std::string& error);

struct Score {
    int read = 0;        // labelled codes with a decoded result inside
    int detected = 0;    // labelled codes with any result (decoded or not) inside
    int falsePositives = 0;  // decoded results inside no labelled polygon
};
// The study's rule: a labelled code is read when a decoded result's centre lies inside its
// polygon (or, for outlines without a usable centre, any of its corners does).
Score score(const std::vector<Hit>& hits, const std::vector<std::vector<cv::Point2f>>& codes);

// The photo as a 1280x720 lane camera would see the scene: the photo keeps its own
// resolution (the codes as photographed) unless the codes' bounding box does not fit the
// frame, then it is scaled down just enough; a 1280x720 window centred on the codes; a
// photo smaller than the frame sits on a fixed, textured background. `codes` are mapped
// into the frame.
struct LaneFrame {
    cv::Mat bgr;
    std::vector<std::vector<cv::Point2f>> codes;
};
LaneFrame laneFrame(const cv::Mat& photo, const std::vector<std::vector<cv::Point2f>>& codes, int index);
// The same frame with every labelled code painted over (no QR left): clutter only.
LaneFrame codelessFrame(const cv::Mat& photo, const std::vector<std::vector<cv::Point2f>>& codes, int index);

}  // namespace kiosk::bench::qr
