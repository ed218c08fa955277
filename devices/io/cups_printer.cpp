// libcups adapter: the only file that includes CUPS.
#include "devices/io/cups_printer.h"

#include <cups/cups.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "core/log.h"

namespace kiosk::devices::io {

namespace {

std::string stripSuffix(std::string r) {
    for (const char* s : {"-error", "-warning", "-report"}) {
        const std::string suf = s;
        if (r.size() > suf.size() && r.compare(r.size() - suf.size(), suf.size(), suf) == 0)
            return r.substr(0, r.size() - suf.size());
    }
    return r;
}

core::Error cupsError(const std::string& what) {
    const ipp_status_t st = cupsLastError();
    const char* msg = cupsLastErrorString();
    // No server, or the server cannot reach the printer.
    const bool lost = st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || st == IPP_STATUS_ERROR_INTERNAL ||
                      st == IPP_STATUS_ERROR_NOT_FOUND || st == IPP_STATUS_ERROR_DEVICE;
    return core::makeError(lost ? errc::kLost : errc::kFault, what + ": " + (msg ? msg : "unknown CUPS error"));
}

}  // namespace

core::Result<CupsConfig> CupsConfig::fromConfig(const core::ConfigView& cfg) {
    CupsConfig c;
    KIOSK_ASSIGN_OR_RETURN(c.queue, cfg.stringOr("queue", ""));
    KIOSK_ASSIGN_OR_RETURN(c.media, cfg.stringOr("media", ""));
    KIOSK_ASSIGN_OR_RETURN(auto dpi, cfg.integerOr("dpi", 203, 100, 1200));
    c.dpi = static_cast<int>(dpi);
    KIOSK_ASSIGN_OR_RETURN(auto pt, cfg.integerOr("print_timeout_ms", 30000, 1000, 600000));
    c.printTimeout = core::Millis(pt);
    KIOSK_ASSIGN_OR_RETURN(c.render, ReceiptRenderOptions::fromConfig(cfg));
    return c;
}

CupsJob buildCupsJob(const Image& raster, const CupsConfig& config) {
    CupsJob job;
    job.title = "e-Channel receipt";
    // One image pixel per printer dot, at the top of the page, never scaled to the page.
    job.options.emplace_back("ppi", std::to_string(config.dpi));
    job.options.emplace_back("scaling", "100");
    job.options.emplace_back("position", "top");
    if (config.media == "auto") {
        const auto mm = [&](int dots) { return (dots * 254 + config.dpi * 5) / (config.dpi * 10); };
        job.options.emplace_back("media", "Custom." + std::to_string(mm(raster.width)) + "x" +
                                              std::to_string(mm(raster.height)) + "mm");
    } else if (!config.media.empty()) {
        job.options.emplace_back("media", config.media);
    }
    return job;
}

PrinterStatus statusFromCups(int printerState, const std::string& reasons) {
    PrinterStatus s;
    bool cover = false, paper = false, lost = false;
    std::stringstream in(reasons);
    std::string item;
    while (std::getline(in, item, ',')) {
        const auto r = stripSuffix(item);
        if (r == "media-empty" || r == "media-needed") paper = true;
        else if (r == "media-low") s.paperNearEnd = true;
        else if (r == "cover-open" || r == "door-open" || r == "interlock-open") cover = true;
        else if (r == "offline" || r == "connecting-to-device" || r == "shutdown" || r == "timed-out") lost = true;
    }
    if (cover) {
        s.state = PrinterState::CoverOpen;
        s.detail = "cover open";
    } else if (paper) {
        s.state = PrinterState::OutOfPaper;
        s.detail = "media empty";
    } else if (lost || printerState == 5) {
        s.state = PrinterState::Lost;
        s.detail = lost ? "printer offline" : "queue stopped";
    } else {
        s.detail = s.paperNearEnd ? "media low" : "ready";
    }
    return s;
}

core::Result<PrinterStatus> CupsPrinter::status() {
    std::lock_guard lock(mu_);
    cups_dest_t* dest = cupsGetNamedDest(CUPS_HTTP_DEFAULT, config_.queue.empty() ? nullptr : config_.queue.c_str(), nullptr);
    if (!dest) {
        auto e = core::makeError(errc::kLost, config_.queue.empty() ? "no default CUPS destination (is cupsd running?)"
                                                                      : "CUPS queue " + config_.queue + " not found");
        last_ = DeviceHealth{"printer", DeviceState::Lost, e.message};
        return e;
    }
    const char* state = cupsGetOption("printer-state", dest->num_options, dest->options);
    const char* reasons = cupsGetOption("printer-state-reasons", dest->num_options, dest->options);
    PrinterStatus s = statusFromCups(state ? std::atoi(state) : 3, reasons ? reasons : "none");
    cupsFreeDests(1, dest);
    last_ = DeviceHealth{"printer",
                         s.state == PrinterState::Ready ? (s.paperNearEnd ? DeviceState::Degraded : DeviceState::Ready)
                         : s.state == PrinterState::Lost ? DeviceState::Lost
                                                         : DeviceState::Fault,
                         s.detail};
    return s;
}

core::Status CupsPrinter::print(const Receipt& receipt) {
    KIOSK_ASSIGN_OR_RETURN(Image raster, renderReceipt(receipt, config_.render));
    return printRaster(raster);
}

core::Status CupsPrinter::printRaster(const Image& raster) {
    KIOSK_ASSIGN_OR_RETURN(PrinterStatus before, status());
    if (before.state == PrinterState::CoverOpen) return core::makeError(errc::kCoverOpen, "printer cover is open");
    if (before.state == PrinterState::OutOfPaper) return core::makeError(errc::kOutOfPaper, "printer is out of paper");
    if (before.state == PrinterState::Lost) return core::makeError(errc::kLost, before.detail);

    static std::atomic<int> counter{0};
    const auto file = std::filesystem::temp_directory_path() /
                      ("kiosk-receipt-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + ".png");
    KIOSK_TRY(writePng(raster, file));
    const CupsJob job = buildCupsJob(raster, config_);
    cups_option_t* options = nullptr;
    int numOptions = 0;
    for (const auto& [k, v] : job.options) numOptions = cupsAddOption(k.c_str(), v.c_str(), numOptions, &options);

    std::unique_lock lock(mu_);
    const char* queue = config_.queue.empty() ? cupsGetDefault2(CUPS_HTTP_DEFAULT) : config_.queue.c_str();
    const std::string queueName = queue ? queue : "";
    const int id = queueName.empty() ? 0
                                     : cupsPrintFile2(CUPS_HTTP_DEFAULT, queueName.c_str(), file.string().c_str(),
                                                      job.title.c_str(), numOptions, options);
    cupsFreeOptions(numOptions, options);
    std::error_code ec;
    std::filesystem::remove(file, ec);  // the server has its own copy once the job exists
    if (id == 0) {
        auto e = cupsError("CUPS refused the receipt");
        last_ = DeviceHealth{"printer", e.code == errc::kLost ? DeviceState::Lost : DeviceState::Fault, e.message};
        return e;
    }
    // Wait for the job to complete, so a printer that stops mid-receipt is reported.
    const auto deadline = std::chrono::steady_clock::now() + config_.printTimeout;
    while (true) {
        cups_job_t* jobs = nullptr;
        const int n = cupsGetJobs2(CUPS_HTTP_DEFAULT, &jobs, queueName.c_str(), 0, CUPS_WHICHJOBS_ALL);
        ipp_jstate_t state = IPP_JSTATE_PENDING;
        bool found = false;
        for (int i = 0; i < n; ++i)
            if (jobs[i].id == id) {
                state = jobs[i].state;
                found = true;
            }
        cupsFreeJobs(n, jobs);
        if (found && state == IPP_JSTATE_COMPLETED) {
            last_ = DeviceHealth{"printer", DeviceState::Ready, "printed"};
            return {};
        }
        const bool failed = found && state >= IPP_JSTATE_STOPPED;
        const bool late = std::chrono::steady_clock::now() >= deadline;
        if (failed || late) {
            lock.unlock();
            auto now = status();
            // A job that cannot finish is cancelled so it does not print later, unasked.
            cupsCancelJob2(CUPS_HTTP_DEFAULT, queueName.c_str(), id, 0);
            core::logWarn("printer.cups_failed", {{"job_state", int(state)}, {"late", late}});
            if (now.ok() && now.value().state == PrinterState::OutOfPaper)
                return core::makeError(errc::kOutOfPaper, "printer ran out of paper while printing");
            if (now.ok() && now.value().state == PrinterState::CoverOpen)
                return core::makeError(errc::kCoverOpen, "printer cover opened while printing");
            if (!now.ok()) return now.error();
            return core::makeError(late ? errc::kTimeout : errc::kFault,
                                   late ? "printer did not finish the receipt" : "CUPS job stopped");
        }
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        lock.lock();
    }
}

DeviceHealth CupsPrinter::health() const {
    std::lock_guard lock(mu_);
    return last_;
}

}  // namespace kiosk::devices::io
