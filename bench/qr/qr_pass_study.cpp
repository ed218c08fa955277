#include "bench/qr/qr_pass_study.h"

#include <cstdio>

#include <opencv2/imgcodecs.hpp>

#include "bench/qr/qr_bench_util.h"
#include "devices/io/qr_decoder.h"

namespace kiosk::bench::qr {

namespace io = devices::io;

int passStudy(const std::vector<Photo>& set, const std::string& csvPath, bool native) {
    FILE* out = std::fopen(csvPath.c_str(), "w");
    if (!out) return 1;
    std::fprintf(out, "frame,category,kind,pass,labelled,read_mask,fp,ms\n");
    int index = 0;
    for (const auto& ph : set) {
        cv::Mat bgr = cv::imread(ph.file.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
        if (bgr.empty()) return 1;
        LaneFrame lf = laneFrame(bgr, ph.codes, index);
        const LaneFrame cf = codelessFrame(bgr, ph.codes, index);
        if (native) {
            lf.bgr = bgr;
            lf.codes = ph.codes;
        }
        for (int kind = 0; kind < (native ? 1 : 2); ++kind) {
            const LaneFrame& f = kind == 0 ? lf : cf;
            const Input in = makeInput(f.bgr);
            for (int p = 0; p < io::kQrPassCount; ++p) {
                io::QrDecodeOptions o;
                o.ambiguity = io::Ambiguity::ReturnAll;
                o.firstPass = p;
                // The first scheduled pass only (zbar_full, the last, runs only without a budget).
                o.budgetMs = p == io::kQrPassCount - 1 ? 0 : 1e-6;
                io::QrDecodeReport rep;
                const double c0 = threadCpuMs();
                auto r = io::decodeQrCodes(in.image, o, &rep);
                const double ms = threadCpuMs() - c0;
                std::string mask;
                int fp = 0;
                for (std::size_t c = 0; c < ph.codes.size() && kind == 0; ++c) {
                    std::vector<Hit> hits;
                    for (const auto& code : *r) {
                        Hit h;
                        for (const auto& pt : code.corners) h.quad.emplace_back(static_cast<float>(pt.x), static_cast<float>(pt.y));
                        hits.push_back(h);
                    }
                    mask += score(hits, {f.codes[c]}).read > 0 ? '1' : '0';
                }
                {
                    std::vector<Hit> hits;
                    for (const auto& code : *r) {
                        Hit h;
                        for (const auto& pt : code.corners) h.quad.emplace_back(static_cast<float>(pt.x), static_cast<float>(pt.y));
                        hits.push_back(h);
                    }
                    fp = score(hits, f.codes).falsePositives;
                }
                std::fprintf(out, "%d,%s,%s,%s,%zu,m%s,%d,%.3f\n", index, ph.category.c_str(), kind == 0 ? "frame" : "codeless",
                             io::qrPassName(static_cast<io::QrPass>(rep.readByPass >= 0 ? rep.readByPass : p)),
                             kind == 0 ? ph.codes.size() : 0, mask.c_str(), fp, ms);
            }
        }
        ++index;
        std::fflush(out);
    }
    std::fclose(out);
    return 0;
}

}  // namespace kiosk::bench::qr
