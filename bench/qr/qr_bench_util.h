#pragma once
// Tallies and markdown tables for bench_qr, and the photograph part of the run.
#include <map>
#include <string>
#include <vector>

#include "bench/qr/qr_peers.h"
#include "bench/qr/qr_photo_set.h"

namespace kiosk::bench::qr {

double threadCpuMs();
double percentile(std::vector<double> v, double p);

struct CategoryTally {
    int read = 0, detected = 0, labelled = 0, falsePositives = 0;
    std::vector<double> ms;
};
struct Tally {
    std::map<std::string, CategoryTally> byCategory;
    CategoryTally all;
    void add(const std::string& category, const Score& s, int labelled, double ms);
};

// Per category: read/labelled, false positives, mean/p95 ms; then the overall row.
void printCategoryTable(const std::vector<Peer>& peers, const std::vector<Tally>& tallies, const std::string& what);

// Part 1 of bench_qr: photographs, lane frames, camera stream. Non-zero on an I/O error.
int photoBench(const std::vector<Photo>& set, std::vector<Peer>& peers, double budgetMs);

}  // namespace kiosk::bench::qr
