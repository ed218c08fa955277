#include "bench/qr/qr_bench_util.h"

#include <time.h>

#include <algorithm>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>

#include "bench/qr/qr_stream.h"

namespace kiosk::bench::qr {

double threadCpuMs() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

namespace {

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

void addTo(CategoryTally& t, const Score& s, int labelled, double ms) {
    t.read += s.read;
    t.detected += s.detected;
    t.labelled += labelled;
    t.falsePositives += s.falsePositives;
    t.ms.push_back(ms);
}

std::string cell(const CategoryTally& t, bool decodes) {
    char buf[160];
    if (decodes) {
        std::snprintf(buf, sizeof buf, "%d/%d (%.0f %%), %d FP, %.1f/%.1f ms", t.read, t.labelled,
                      100.0 * t.read / std::max(1, t.labelled), t.falsePositives, mean(t.ms), percentile(t.ms, 0.95));
    } else {
        std::snprintf(buf, sizeof buf, "0 read; %d/%d detected, %.1f/%.1f ms", t.detected, t.labelled, mean(t.ms),
                      percentile(t.ms, 0.95));
    }
    return buf;
}

}  // namespace

void Tally::add(const std::string& category, const Score& s, int labelled, double ms) {
    addTo(byCategory[category], s, labelled, ms);
    addTo(all, s, labelled, ms);
}

void printCategoryTable(const std::vector<Peer>& peers, const std::vector<Tally>& tallies, const std::string& what) {
    std::printf("| %s |", what.c_str());
    for (const auto& p : peers) std::printf(" %s |", p.name.c_str());
    std::printf("\n| --- |");
    for (std::size_t i = 0; i < peers.size(); ++i) std::printf(" --- |");
    std::printf("\n");
    for (const auto& [cat, _] : tallies[0].byCategory) {
        std::printf("| %s |", cat.c_str());
        for (std::size_t i = 0; i < peers.size(); ++i) std::printf(" %s |", cell(tallies[i].byCategory.at(cat), peers[i].decodes).c_str());
        std::printf("\n");
    }
    std::printf("| **all** |");
    for (std::size_t i = 0; i < peers.size(); ++i) std::printf(" **%s** |", cell(tallies[i].all, peers[i].decodes).c_str());
    std::printf("\n\nCell: read/labelled (rate), false positives, mean/p95 CPU ms per image.\n");
}

int photoBench(const std::vector<Photo>& set, std::vector<Peer>& peers, double budgetMs) {
    std::vector<Tally> native(peers.size()), framed(peers.size());
    // Per peer: frame times, split by whether that peer read a code in the frame.
    std::vector<std::vector<double>> readable(peers.size()), unreadable(peers.size()), codeless(peers.size());
    std::vector<int> codelessFp(peers.size(), 0);
    std::vector<LaneFrame> frames;
    int index = 0;
    for (const auto& ph : set) {
        cv::Mat bgr = cv::imread(ph.file.string(), cv::IMREAD_COLOR);
        if (bgr.empty()) {
            std::fprintf(stderr, "bench_qr: cannot read %s\n", ph.file.c_str());
            return 1;
        }
        const Input in = makeInput(bgr);
        LaneFrame lf = laneFrame(bgr, ph.codes, index);
        LaneFrame cf = codelessFrame(bgr, ph.codes, index);
        ++index;
        const Input fin = makeInput(lf.bgr);
        const Input cin = makeInput(cf.bgr);
        const int labelled = static_cast<int>(ph.codes.size());
        for (std::size_t i = 0; i < peers.size(); ++i) {
            double c0 = threadCpuMs();
            auto hits = peers[i].run(in);
            double ms = threadCpuMs() - c0;
            native[i].add(ph.category, score(hits, ph.codes), labelled, ms);

            c0 = threadCpuMs();
            hits = peers[i].run(fin);
            ms = threadCpuMs() - c0;
            const Score fs = score(hits, lf.codes);
            framed[i].add(ph.category, fs, labelled, ms);
            (fs.read > 0 ? readable : unreadable)[i].push_back(ms);

            c0 = threadCpuMs();
            hits = peers[i].run(cin);
            ms = threadCpuMs() - c0;
            codeless[i].push_back(ms);
            for (const auto& h : hits) codelessFp[i] += h.decoded ? 1 : 0;
        }
        frames.push_back(std::move(lf));
    }
    for (std::size_t i = 0; i < peers.size(); ++i) {
        if (!peers[i].decodes) continue;
        // A peer marked detection-only that decoded something after all: say so.
        if (native[i].all.read > 0) peers[i].does += " [NOTE: it decoded " + std::to_string(native[i].all.read) + " codes in this run]";
    }

    std::printf("\n### Photographs (BoofCV QR study, %zu images), at their own size\n\n", set.size());
    printCategoryTable(peers, native, "category");

    std::printf("\n### The same photographs in 1280x720 lane frames\n\n");
    std::printf("Each photo centred in a 1280x720 frame over a textured background, at its own size when it fits, "
                "else scaled down to fit (what a 720p lane camera would see of that scene).\n\n");
    printCategoryTable(peers, framed, "category");

    std::printf("\nTime per 1280x720 frame (CPU ms, one core). Readable = this decoder read a code in the frame; "
                "codeless = the same frames with every code painted over (%zu frames).\n\n", set.size());
    std::printf("| decoder | frames read | readable mean / p95 / max | unreadable mean / p95 / max | codeless mean / p95 / max, FP "
                "| all frames p95 |\n| --- | ---: | --- | --- | --- | ---: |\n");
    for (std::size_t i = 0; i < peers.size(); ++i) {
        std::vector<double> all = readable[i];
        all.insert(all.end(), unreadable[i].begin(), unreadable[i].end());
        all.insert(all.end(), codeless[i].begin(), codeless[i].end());
        std::printf("| %s | %zu/%zu | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f, %d | %.1f |\n", peers[i].name.c_str(),
                    readable[i].size(), set.size(), mean(readable[i]), percentile(readable[i], 0.95), percentile(readable[i], 1.0),
                    mean(unreadable[i]), percentile(unreadable[i], 0.95), percentile(unreadable[i], 1.0), mean(codeless[i]),
                    percentile(codeless[i], 0.95), percentile(codeless[i], 1.0), codelessFp[i], percentile(all, 0.95));
    }
    streamBench(frames, budgetMs);
    return 0;
}

}  // namespace kiosk::bench::qr
