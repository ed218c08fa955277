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

int photoBench(const std::vector<Photo>& set, std::vector<Peer>& peers, double budgetMs, bool streamOnly, int shard, int shards,
               const std::string& dumpPath) {
    if (streamOnly) {
        std::vector<LaneFrame> frames;
        std::vector<std::string> categories;
        int index = 0;
        for (const auto& ph : set) {
            cv::Mat bgr = cv::imread(ph.file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
            if (bgr.empty()) return 1;
            frames.push_back(laneFrame(bgr, ph.codes, index++));
            categories.push_back(ph.category);
        }
        streamBench(frames, categories, budgetMs);
        return 0;
    }
    std::vector<Record> records;
    int index = 0;
    for (const auto& ph : set) {
        cv::Mat bgr = cv::imread(ph.file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
        if (bgr.empty()) {
            std::fprintf(stderr, "bench_qr: cannot read %s\n", ph.file.c_str());
            return 1;
        }
        const int at = index++;
        if (shards > 1 && at % shards != shard) continue;
        const Input in = makeInput(bgr);
        const LaneFrame lf = laneFrame(bgr, ph.codes, at);
        const LaneFrame cf = codelessFrame(bgr, ph.codes, at);
        const Input fin = makeInput(lf.bgr);
        const Input cin = makeInput(cf.bgr);
        const int labelled = static_cast<int>(ph.codes.size());
        for (std::size_t i = 0; i < peers.size(); ++i) {
            const std::vector<std::pair<const Input*, const std::vector<std::vector<cv::Point2f>>*>> kinds = {
                {&in, &ph.codes}, {&fin, &lf.codes}, {&cin, &cf.codes}};
            for (int k = 0; k < 3; ++k) {
                Record r;
                r.kind = k;
                r.peer = static_cast<int>(i);
                r.category = ph.category;
                r.image = ph.category + "/" + ph.file.filename().string();
                r.labelled = k == 2 ? 0 : labelled;
                std::vector<Hit> hits;
                const double c0 = threadCpuMs();
                try {
                    hits = peers[i].run(*kinds[static_cast<std::size_t>(k)].first);
                } catch (const std::exception&) {
                    r.error = 1;  // e.g. an OpenCV assertion inside the peer: counts as not read
                }
                r.ms = threadCpuMs() - c0;
                r.score = score(hits, *kinds[static_cast<std::size_t>(k)].second);
                records.push_back(std::move(r));
            }
        }
    }
    if (!dumpPath.empty()) {
        FILE* f = std::fopen(dumpPath.c_str(), "w");
        if (!f) return 1;
        for (const auto& r : records)
            std::fprintf(f, "%d %d %s %d %d %d %d %d %.4f %s\n", r.kind, r.peer, r.category.c_str(), r.score.read, r.score.detected,
                         r.score.falsePositives, r.labelled, r.error, r.ms, r.image.c_str());
        std::fclose(f);
        return 0;
    }
    printPhotoTables(records, peers, set.size());
    return 0;
}

std::vector<Record> readRecords(const std::vector<std::string>& files) {
    std::vector<Record> out;
    for (const auto& path : files) {
        FILE* f = std::fopen(path.c_str(), "r");
        if (!f) continue;
        char cat[64], image[160];
        Record r;
        while (std::fscanf(f, "%d %d %63s %d %d %d %d %d %lf %159s", &r.kind, &r.peer, cat, &r.score.read, &r.score.detected,
                           &r.score.falsePositives, &r.labelled, &r.error, &r.ms, image) == 10) {
            r.category = cat;
            r.image = image;
            out.push_back(r);
        }
        std::fclose(f);
    }
    return out;
}

void printPhotoTables(const std::vector<Record>& records, std::vector<Peer>& peers, std::size_t photos) {
    std::vector<Tally> native(peers.size()), framed(peers.size());
    std::vector<std::vector<double>> readable(peers.size()), unreadable(peers.size()), codeless(peers.size());
    std::vector<int> codelessFp(peers.size(), 0), errors(peers.size(), 0);
    for (const auto& r : records) {
        const auto i = static_cast<std::size_t>(r.peer);
        if (i >= peers.size()) continue;
        errors[i] += r.error;
        if (r.kind == 0) native[i].add(r.category, r.score, r.labelled, r.ms);
        if (r.kind == 1) {
            framed[i].add(r.category, r.score, r.labelled, r.ms);
            (r.score.read > 0 ? readable : unreadable)[i].push_back(r.ms);
        }
        if (r.kind == 2) {
            codeless[i].push_back(r.ms);
            codelessFp[i] += r.score.falsePositives;
        }
    }
    for (std::size_t i = 0; i < peers.size(); ++i) {
        if (!peers[i].decodes && native[i].all.read > 0)
            peers[i].does += " [NOTE: it decoded " + std::to_string(native[i].all.read) + " codes in this run]";
        if (errors[i] > 0) peers[i].does += " [" + std::to_string(errors[i]) + " calls threw an exception: counted as not read]";
    }
    std::printf("\nDecoders as run (what each really does in this build):\n\n");
    for (const auto& p : peers) std::printf("- **%s**: %s\n", p.name.c_str(), p.does.c_str());

    std::printf("\n### Photographs (BoofCV QR study, %zu images), at their own size\n\n", photos);
    printCategoryTable(peers, native, "category");

    std::printf("\n### The same photographs in 1280x720 lane frames\n\n");
    std::printf("The scene as a 720p lane camera would see it: the photo at its own resolution unless the codes' bounding box "
                "does not fit 1280x720, then scaled down just enough; a 1280x720 window centred on the codes; a smaller photo "
                "sits on a textured background.\n\n");
    printCategoryTable(peers, framed, "category");

    std::printf("\nTime per 1280x720 frame (CPU ms, one core). Readable = this decoder read a code in the frame; "
                "codeless = the same frames with every labelled code painted over (%zu frames).\n\n", photos);
    std::printf("| decoder | frames read | readable mean / p95 / max | unreadable mean / p95 / max | codeless mean / p95 / max, FP "
                "| all frames p95 |\n| --- | ---: | --- | --- | --- | ---: |\n");
    for (std::size_t i = 0; i < peers.size(); ++i) {
        std::vector<double> all = readable[i];
        all.insert(all.end(), unreadable[i].begin(), unreadable[i].end());
        all.insert(all.end(), codeless[i].begin(), codeless[i].end());
        std::printf("| %s | %zu/%zu | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f, %d | %.1f |\n", peers[i].name.c_str(),
                    readable[i].size(), readable[i].size() + unreadable[i].size(), mean(readable[i]), percentile(readable[i], 0.95),
                    percentile(readable[i], 1.0), mean(unreadable[i]), percentile(unreadable[i], 0.95), percentile(unreadable[i], 1.0),
                    mean(codeless[i]), percentile(codeless[i], 0.95), percentile(codeless[i], 1.0), codelessFp[i], percentile(all, 0.95));
    }
}

void printMisses(const std::vector<Record>& records, const std::vector<Peer>& peers) {
    // (kind, image) -> reads per peer, and the labelled count
    std::map<std::pair<int, std::string>, std::pair<int, std::vector<int>>> byImage;
    for (const auto& r : records) {
        if (r.kind == 2 || r.peer < 0 || static_cast<std::size_t>(r.peer) >= peers.size()) continue;
        auto& e = byImage[{r.kind, r.image}];
        e.first = r.labelled;
        e.second.resize(peers.size(), 0);
        e.second[static_cast<std::size_t>(r.peer)] = r.score.read;
    }
    const std::size_t ours = std::min<std::size_t>(peers.size(), 2);  // the budgeted and the unbudgeted kiosk rows
    for (int kind = 0; kind < 2; ++kind) {
        std::printf("\n### Images where a peer read more codes than the kiosk decoder (%s)\n\n", kind == 0 ? "photographs" : "lane frames");
        std::printf("| image | codes |");
        for (const auto& p : peers) std::printf(" %s |", p.name.c_str());
        std::printf("\n| --- | ---: |");
        for (std::size_t i = 0; i < peers.size(); ++i) std::printf(" ---: |");
        std::printf("\n");
        for (const auto& [key, e] : byImage) {
            if (key.first != kind) continue;
            int best = 0, oursBest = 0;
            for (std::size_t i = 0; i < e.second.size(); ++i) (i < ours ? oursBest : best) = std::max(i < ours ? oursBest : best, e.second[i]);
            if (best <= oursBest) continue;
            std::printf("| %s | %d |", key.second.c_str(), e.first);
            for (int n : e.second) std::printf(" %d |", n);
            std::printf("\n");
        }
    }
}

}  // namespace kiosk::bench::qr
