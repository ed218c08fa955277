// kioskctl finger ...: synthetic fingerprints for the demo, and bring-up helpers that run
// the real libfprint path (virtual_image device): assess, enrol, verify.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

namespace fs = std::filesystem;
namespace fp = devices::fingerprint;
using namespace std::chrono_literals;

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

std::vector<std::string> splitComma(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

int synth(const Args& args) {
    const std::string out = option(args, "--out");
    if (out.empty()) {
        std::cerr << "finger synth: --out DIR is required\n";
        return 2;
    }
    const int fingers = std::atoi(option(args, "--fingers", "4").c_str());
    const int impressions = std::atoi(option(args, "--impressions", "8").c_str());
    const uint64_t seed = std::strtoull(option(args, "--seed", "1").c_str(), nullptr, 10);
    if (fingers < 1 || fingers > 99 || impressions < 1 || impressions > 99) {
        std::cerr << "finger synth: --fingers and --impressions must be in 1..99\n";
        return 2;
    }
    fp::FingerSynth gen(seed);
    for (int f = 0; f < fingers; ++f) {
        char name[16];
        std::snprintf(name, sizeof name, "f%02d", f + 1);
        const fs::path dir = fs::path(out) / name;
        std::error_code ec;
        fs::create_directories(dir, ec);
        auto imgs = gen.impressions(f, impressions);
        for (int k = 0; k < impressions; ++k) {
            auto st = fp::saveGrayPng(imgs[k], dir / ("imp_" + std::to_string(k + 1) + ".png"));
            if (!st.ok()) return fail(st.error());
        }
    }
    std::printf("wrote %d fingers x %d impressions to %s (fNN/imp_K.png, seed %llu)\n", fingers, impressions,
                out.c_str(), static_cast<unsigned long long>(seed));
    return 0;
}

core::Result<std::unique_ptr<fp::LibfprintReader>> reader() {
    return fp::LibfprintReader::create(fp::ReaderOptions{}, std::make_shared<fp::SimFingerSensor>());
}

int assess(const Args& args) {
    const std::string path = option(args, "--image");
    if (path.empty()) {
        std::cerr << "finger assess: --image FILE is required\n";
        return 2;
    }
    auto img = fp::loadGrayImage(path);
    if (!img.ok()) return fail(img.error());
    auto r = reader();
    if (!r.ok()) return fail(r.error());
    const int ppi = std::atoi(option(args, "--ppi", "500").c_str());
    auto a = (*r)->assess({*img, ppi}, (*r)->options().enrolEnhancement);
    if (!a.ok()) return fail(a.error());
    std::printf("foreground %.2f contrast %.0f coherence %.2f minutiae %d guidance %d %s\n", a->image.foreground,
                a->image.contrast, a->image.coherence, a->minutiae, static_cast<int>(a->guidance),
                a->image.detail.c_str());
    return a->guidance == devices::FingerGuidance::Ok ? 0 : 3;
}

int enrol(const Args& args) {
    const auto files = splitComma(option(args, "--images"));
    const std::string out = option(args, "--out");
    if (files.size() < 5 || out.empty()) {
        std::cerr << "finger enrol: --images A,B,C,D,E (5 or more) and --out PRINT are required\n";
        return 2;
    }
    std::vector<fp::FingerImage> imgs;
    for (const auto& f : files) {
        auto img = fp::loadGrayImage(f);
        if (!img.ok()) return fail(img.error());
        imgs.push_back({std::move(img).value(), 500});
    }
    auto r = reader();
    if (!r.ok()) return fail(r.error());
    auto e = (*r)->enrollImages(imgs, [](int s, int n) { std::printf("stage %d/%d\n", s, n); }, 60s);
    if (!e.ok()) return fail(e.error());
    std::ofstream o(out, std::ios::binary);
    o.write(reinterpret_cast<const char*>(e->print.data()), static_cast<std::streamsize>(e->print.size()));
    if (!o) return fail({"io.write_failed", "cannot write " + out});
    std::printf("print: %zu bytes (fp_print_serialize; raw minutiae: store it encrypted)\n", e->print.size());
    return 0;
}

int verify(const Args& args) {
    const std::string printPath = option(args, "--print"), imagePath = option(args, "--image");
    if (printPath.empty() || imagePath.empty()) {
        std::cerr << "finger verify: --print PRINT and --image FILE are required\n";
        return 2;
    }
    std::ifstream in(printPath, std::ios::binary);
    std::vector<uint8_t> print((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto img = fp::loadGrayImage(imagePath);
    if (!img.ok()) return fail(img.error());
    auto r = reader();
    if (!r.ok()) return fail(r.error());
    auto v = (*r)->verifyImage(print, {*img, 500}, 30s);
    if (!v.ok()) return fail(v.error());
    std::printf("match %s score %d guidance %d\n", v->match ? "yes" : "no", v->score, static_cast<int>(v->guidance));
    return v->match ? 0 : 3;
}

KIOSKCTL_COMMAND({"finger", "synth", "--out DIR [--fingers N] [--impressions M] [--seed S]",
                  "write synthetic fingerprints as DIR/fNN/imp_K.png (8-bit grey, 500 ppi)", synth});
KIOSKCTL_COMMAND({"finger", "assess", "--image FILE [--ppi 500]",
                  "quality gate of one image (contrast, ridge coherence, NBIS minutiae via libfprint)", assess});
KIOSKCTL_COMMAND({"finger", "enrol", "--images A,B,C,D,E --out PRINT",
                  "5-stage libfprint enrolment from image files (virtual_image device)", enrol});
KIOSKCTL_COMMAND({"finger", "verify", "--print PRINT --image FILE",
                  "libfprint verify of one image against an enrolled print (exit 0 on match)", verify});

}  // namespace
}  // namespace kiosk::tools
