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

// One decoder on one image: kind 0 = the photograph, 1 = its lane frame, 2 = the codeless
// lane frame.
struct Record {
    int kind = 0, peer = 0;
    std::string category;
    std::string image;  // category/file name (bench_qr --misses lists images by it)
    Score score;
    int labelled = 0, error = 0;
    double ms = 0;
};

// Part 1 of bench_qr: photographs and lane frames (streamOnly: the camera stream alone,
// the kiosk decoder only). With shards > 1 only the photos whose index % shards == shard;
// with dumpPath the records are written there instead of printed (bench_qr --merge
// prints the tables of several dumps). Non-zero on an I/O error.
int photoBench(const std::vector<Photo>& set, std::vector<Peer>& peers, double budgetMs, bool streamOnly, int shard, int shards,
               const std::string& dumpPath);
std::vector<Record> readRecords(const std::vector<std::string>& files);
void printPhotoTables(const std::vector<Record>& records, std::vector<Peer>& peers, std::size_t photos);
// Per category, the images where a peer read more codes than the kiosk decoder (peer 0
// and, when present, peer 1): photographs and lane frames, with every decoder's count.
void printMisses(const std::vector<Record>& records, const std::vector<Peer>& peers);

}  // namespace kiosk::bench::qr
