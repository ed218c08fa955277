// bench_ui: frame time of ui::App::render() with the camera preview streaming
// (a new 640x480 BGR frame every frame, uploaded into the preview texture).
//   bench_ui                 offscreen software renderer (always)
//   xvfb-run -a bench_ui     also the real SDL window (software rendering under Xvfb)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ui/app.h"

using namespace kiosk::ui;

namespace {

CameraPreview frame(uint64_t seq) {
    CameraPreview p;
    p.width = 640;
    p.height = 480;
    p.format = PreviewFormat::Bgr8;
    p.sequence = seq;
    p.pixels.resize(640 * 480 * 3);
    int cx = 320 + int(seq % 40) - 20;
    for (int y = 0; y < 480; ++y)
        for (int x = 0; x < 640; ++x) {
            uint8_t* px = &p.pixels[(y * 640 + x) * 3];
            bool face = (x - cx) * (x - cx) / 12100.0 + (y - 240) * (y - 240) / 21025.0 <= 1.0;
            px[0] = face ? 120 : uint8_t(x + seq);
            px[1] = face ? 160 : uint8_t(y);
            px[2] = face ? 210 : 80;
        }
    p.faceBox = Box{cx - 110, 95, 220, 290};
    p.guideBox = Box{180, 60, 280, 340};
    return p;
}

struct Row {
    std::string what;
    double p50, p99, max;
    int frames;
};

Row run(const std::string& what, DisplayMode mode, int w, int h, Screen screen, int frames) {
    WindowOptions o;
    o.mode = mode;
    o.width = w;
    o.height = h;
    o.voice = VoiceMode::Off;
    auto app = App::create(o);
    if (!app) {
        std::fprintf(stderr, "%s: %s\n", what.c_str(), app.error().message.c_str());
        return {what + " (unavailable)", 0, 0, 0, 0};
    }
    // pre-generate frames so the timing is the UI's, not the generator's
    std::vector<CameraPreview> pool;
    for (int i = 0; i < 8; ++i) pool.push_back(frame(i + 1));
    ViewModel vm;
    vm.screen = screen;
    vm.language = Language::En;
    vm.laneId = "07";
    vm.guidanceKey = screen == Screen::FaceCapture ? "face.come_closer" : "";
    std::vector<double> ms;
    for (int i = 0; i < frames + 20; ++i) {
        if (screen == Screen::FaceCapture) {
            vm.preview = pool[i % pool.size()];  // copy, as the lane hands a fresh frame over
            vm.preview->sequence = uint64_t(i + 1);
        }
        auto t0 = std::chrono::steady_clock::now();
        (void)(*app)->render(vm);
        (*app)->pollEvents();
        auto t1 = std::chrono::steady_clock::now();
        if (i >= 20) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());  // warm-up excluded
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * ms.size()))]; };
    return {what + " [" + (*app)->rendererName() + "]", pct(0.50), pct(0.99), ms.back(), int(ms.size())};
}

}  // namespace

int main(int argc, char** argv) {
    int frames = argc > 1 ? std::atoi(argv[1]) : 300;
    std::vector<Row> rows;
    rows.push_back(run("offscreen 1920x1080 face+preview", DisplayMode::Offscreen, 1920, 1080, Screen::FaceCapture, frames));
    rows.push_back(run("offscreen 1920x1080 welcome", DisplayMode::Offscreen, 1920, 1080, Screen::Welcome, frames));
    rows.push_back(run("offscreen 800x1280 face+preview", DisplayMode::Offscreen, 800, 1280, Screen::FaceCapture, frames));
    const char* d = std::getenv("DISPLAY");
    if (d && *d) {
        rows.push_back(run("window 1920x1080 face+preview (X)", DisplayMode::Windowed, 1920, 1080, Screen::FaceCapture, frames));
    }
    std::printf("%-50s %8s %8s %8s %7s\n", "bench_ui (render + pollEvents) [renderer]", "p50 ms", "p99 ms", "max ms", "frames");
    for (const auto& r : rows)
        std::printf("%-50s %8.2f %8.2f %8.2f %7d\n", r.what.c_str(), r.p50, r.p99, r.max, r.frames);
    std::printf("target: p99 <= 16 ms at 1920x1080 with the preview streaming\n");
    return 0;
}
