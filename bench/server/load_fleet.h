#pragma once
// The simulated fleet of bench_server, on one io_context thread: lanes (events batch every
// push interval, a command long poll each), registration machines (enrolments), admin
// pollers standing in for the consoles (alerts), and an admin issuing commands. It runs
// ramp -> settle -> measured window -> drain -> recount and then stops the io_context.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace kiosk::bench {

struct FleetOptions {
    boost::asio::ip::tcp::endpoint server;
    std::filesystem::path caFile;
    // <certDir>/<id>.cert.pem and <id>.key.pem for every id below.
    std::filesystem::path certDir;
    std::vector<std::string> laneIds, registrationIds, adminIds;  // adminIds: pollers + 1 commander + 1 reader
    double rampS = 15, settleS = 5, durationS = 60, drainMaxS = 60;
    double pushIntervalS = 1, heartbeatS = 5, crossingS = 7, pollS = 0.2, commandEveryS = 1;
    double enrolmentEveryS = 3;
    double alertPerCrossing = 1.0 / 70;  // ~2 alerts/s over 1,000 lanes
    int commandWaitMs = 20000;
    int biometricsBytes = 7600;          // ~10 KB once base64
    int pollers = 5;
};

struct Percentiles {
    std::size_t n = 0;
    double p50 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> v);

struct FleetResults {
    double windowS = 0;
    int64_t eventsStoredInWindow = 0, batchesInWindow = 0;
    std::vector<double> batchMs, enrolmentMs, alertMs, commandMs;
    int64_t eventsGenerated = 0, eventsAcked = 0, eventsUnacked = 0, duplicateAcks = 0;
    int64_t enrolmentsAcked = 0, commandsIssued = 0, commandsDelivered = 0, alertsSent = 0;
    std::map<std::string, int64_t> errors;  // "events 503" -> count; status 0 = "conn"
    int64_t serverEvents = 0, lost = 0, duplicated = 0;  // recount
    int64_t serverEnrolments = -1;
    bool recountOk = false;
    std::string recountError;
    int connects = 0;
    double clientCpuS = 0;  // this process, over the window
    // Alerts whose batch left within the window: (lane, seq) -> when it left.
    std::map<std::pair<std::string, int64_t>, std::chrono::steady_clock::time_point> alertsSentInWindow;
    // ... and when the server's answer storing them came back.
    std::map<std::pair<std::string, int64_t>, std::chrono::steady_clock::time_point> alertsAckedInWindow;
};

// Called on the io thread at the start and end of the measured window (CPU samples).
struct WindowHooks {
    std::function<void()> onWindowStart, onWindowEnd;
};

// Runs the whole scenario and returns when it is done (blocks the calling thread, which
// becomes the io thread). Errors that stop the run (certificates) are reported in
// recountError with recountOk = false.
FleetResults runFleet(const FleetOptions& options, const WindowHooks& hooks);

}  // namespace kiosk::bench
