#include "bench/qr/qr_stream.h"

#include <cstdio>
#include <map>
#include <string>

#include <opencv2/core.hpp>

#include "bench/qr/qr_bench_util.h"
#include "devices/io/qr_frame_scheduler.h"

namespace kiosk::bench::qr {

namespace io = devices::io;

void streamBench(const std::vector<LaneFrame>& frames, const std::vector<std::string>& categories, double budgetMs) {
    constexpr int kHold = 8;  // frames per scene (about half a second at 15 fps)
    io::QrScheduleOptions so;
    so.budgetMs = budgetMs;
    io::QrFrameScheduler scheduler(so);
    io::QrDecodeOptions dopt;
    dopt.ambiguity = io::Ambiguity::ReturnAll;
    std::vector<double> ms;
    int decoded = 0, unchangedSkips = 0, contrastSkips = 0, roiReads = 0, resumed = 0, cuts = 0, fp = 0;
    int scenesRead = 0, firstReadFrameSum = 0, codesRead = 0, labelled = 0;
    std::map<std::string, std::pair<int, int>> byCategory;  // codes read in any frame of the scene, labelled
    cv::RNG rng(7);
    cv::Mat noise(720, 1280, CV_8UC3), dark(720, 1280, CV_8UC3, cv::Scalar(4, 4, 4));
    for (std::size_t s = 0; s < frames.size(); ++s) {
        const LaneFrame& f = frames[s];
        std::vector<char> read(f.codes.size(), 0);
        int firstRead = -1;
        for (int k = 0; k < kHold + 1; ++k) {
            cv::Mat img;
            if (k < kHold) {
                rng.fill(noise, cv::RNG::NORMAL, 0, 2);
                img = f.bgr + noise;
            } else {
                img = dark;  // between travellers: the camera sees a dark, empty slot
            }
            const Input in = makeInput(img);
            const double c0 = threadCpuMs();
            auto r = scheduler.process(in.image, dopt);
            ms.push_back(threadCpuMs() - c0);
            if (!r.ok()) continue;
            switch (r->action) {
                case io::QrFrameAction::Decoded: ++decoded; break;
                case io::QrFrameAction::SkippedUnchanged: ++unchangedSkips; break;
                case io::QrFrameAction::SkippedNoContrast: ++contrastSkips; break;
            }
            roiReads += r->readInRoi ? 1 : 0;
            resumed += r->resumedAt > 0 ? 1 : 0;
            cuts += r->budgetCut ? 1 : 0;
            if (k == kHold) continue;
            std::vector<Hit> hits;
            for (const auto& c : r->codes) {
                Hit h;
                h.text = c.text;
                for (const auto& p : c.corners) h.quad.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
                hits.push_back(std::move(h));
            }
            const Score sc = score(hits, f.codes);
            fp += sc.falsePositives;
            if (sc.read > 0 && firstRead < 0) firstRead = k;
            // Which labelled codes were read in any frame of the scene.
            for (std::size_t c = 0; c < f.codes.size(); ++c) {
                if (read[c]) continue;
                read[c] = static_cast<char>(score(hits, {f.codes[c]}).read > 0);
            }
        }
        for (char c : read) codesRead += c;
        labelled += static_cast<int>(f.codes.size());
        auto& cat = byCategory[s < categories.size() ? categories[s] : std::string("?")];
        for (char c : read) cat.first += c;
        cat.second += static_cast<int>(f.codes.size());
        if (firstRead >= 0) {
            ++scenesRead;
            firstReadFrameSum += firstRead + 1;
        }
    }
    std::printf("\n### Camera stream through the camera scanner's schedule (QrFrameScheduler, %.0f ms budget)\n\n", budgetMs);
    std::printf("Each of the %zu lane frames held for %d frames with fresh sensor noise (sigma 2), then one dark frame: "
                "%zu frames.\n\n", frames.size(), kHold, ms.size());
    std::printf("| frames | decoded | skipped unchanged | skipped no contrast | read in carried-over region | resumed a cut decode "
                "| budget cuts | CPU ms mean / p95 / max per frame |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    double sum = 0;
    for (double m : ms) sum += m;
    std::printf("| %zu | %d | %d | %d | %d | %d | %d | %.2f / %.2f / %.2f |\n\n", ms.size(), decoded, unchangedSkips, contrastSkips,
                roiReads, resumed, cuts, sum / static_cast<double>(ms.size()), percentile(ms, 0.95), percentile(ms, 1.0));
    // Frames dropped by a camera delivering at a fixed rate to this decoder: while a frame
    // is decoded the camera keeps only the newest one, so every other arrival is dropped.
    for (double fps : {15.0, 30.0, 60.0}) {
        const double period = 1000.0 / fps;
        double freeAt = 0;
        std::size_t next = 0, decodedFrames = 0, dropped = 0;
        bool waiting = false;
        for (std::size_t k = 0; k < ms.size(); ++k) {
            const double arrival = static_cast<double>(k) * period;
            if (waiting && freeAt <= arrival) {  // the decoder took the waiting frame when it freed up
                freeAt += ms[next++ % ms.size()];
                ++decodedFrames;
                waiting = false;
            }
            if (freeAt <= arrival) {
                freeAt = arrival + ms[next++ % ms.size()];
                ++decodedFrames;
            } else {
                if (waiting) ++dropped;  // the waiting frame is replaced by this newer one
                waiting = true;
            }
        }
        if (waiting) ++decodedFrames;
        std::printf("At %.0f fps: %zu of %zu frames decoded, %zu dropped as stale (the scanner takes the newest frame).\n", fps,
                    decodedFrames, ms.size(), dropped);
    }
    std::printf("\nScenes with a read: %d/%zu (first read in frame %.2f on average); codes read in any frame of their scene: "
                "%d/%d (%.1f %%); false positives: %d.\n", scenesRead, frames.size(),
                scenesRead ? static_cast<double>(firstReadFrameSum) / scenesRead : 0.0, codesRead, labelled,
                100.0 * codesRead / std::max(1, labelled), fp);
    std::printf("\nCodes read in any of the %d frames of their scene, per category (the lane holds a code in view for about "
                "half a second; each frame resumes the passes the previous one could not afford):\n\n| category | read |\n| --- | ---: |\n",
                kHold);
    for (const auto& [cat, n] : byCategory)
        std::printf("| %s | %d/%d (%.0f %%) |\n", cat.c_str(), n.first, n.second, 100.0 * n.first / std::max(1, n.second));
    std::printf("| **all** | **%d/%d (%.0f %%)** |\n", codesRead, labelled, 100.0 * codesRead / std::max(1, labelled));
}

}  // namespace kiosk::bench::qr
