// ESC/POS: the byte stream decoded back to an image equals the rendered raster; status
// bytes -> printer state; the driver against a printer played on a pseudo-terminal
// (cover open, out of paper before and during the receipt, no answer, unplugged).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "devices/io/escpos.h"
#include "devices/io/escpos_printer.h"
#include "devices/io/receipt_render.h"
#include "tests/devices/printer/printer_test_support.h"

namespace kiosk::devices::io {
namespace {

using testing::printer::EscPosDecoder;
using testing::printer::sampleReceipt;

Image rendered(const std::string& lang) {
    auto img = renderReceipt(sampleReceipt(lang));
    EXPECT_TRUE(img.ok());
    return img.ok() ? std::move(img).value() : Image{};
}

TEST(EscPosStream, DecodesBackToTheRenderedRaster) {
    for (const std::string lang : {"zh-Hant", "en", "pt"}) {
        const Image raster = rendered(lang);
        const std::string job = escpos::receiptJob(raster, 4);
        EscPosDecoder d;
        d.feed(job);
        ASSERT_TRUE(d.error.empty()) << d.error;
        EXPECT_EQ(d.initCount, 1);
        EXPECT_EQ(d.cutCount, 1);
        EXPECT_EQ(d.feedLines, 4);
        ASSERT_EQ(d.width, raster.width);
        ASSERT_EQ(d.rows, raster.height);
        EXPECT_EQ(d.image().pixels, raster.pixels) << lang;
    }
}

TEST(EscPosStream, TallReceiptsGoInBandsTheBufferTakes) {
    const Image raster = rendered("zh-Hant");
    ASSERT_GT(raster.height, escpos::kBandRows);
    const std::string bands = escpos::rasterBands(raster);
    std::size_t commands = 0;
    for (std::size_t i = 0; i + 3 < bands.size();) {
        ASSERT_EQ(bands.compare(i, 3, "\x1d\x76\x30"), 0);
        const int x = uint8_t(bands[i + 4]) | (uint8_t(bands[i + 5]) << 8);
        const int y = uint8_t(bands[i + 6]) | (uint8_t(bands[i + 7]) << 8);
        EXPECT_LE(y, escpos::kBandRows);
        EXPECT_EQ(x, raster.width / 8);
        i += 8 + std::size_t(x) * y;
        ++commands;
    }
    EXPECT_EQ(commands, std::size_t((raster.height + escpos::kBandRows - 1) / escpos::kBandRows));
}

struct StatusCase {
    uint8_t offline, paper;
    const char* errorCode;  // nullptr = a status
    PrinterState state;
    bool nearEnd;
};

TEST(EscPosStatus, BytesMapToPrinterStates) {
    const StatusCase cases[] = {
        {0x12, 0x12, nullptr, PrinterState::Ready, false},
        {0x16, 0x12, nullptr, PrinterState::CoverOpen, false},       // offline: cover open
        {0x32, 0x12, nullptr, PrinterState::OutOfPaper, false},      // offline: stopped by paper end
        {0x12, 0x72, nullptr, PrinterState::OutOfPaper, false},      // roll sensor: paper end
        {0x12, 0x1E, nullptr, PrinterState::Ready, true},            // roll sensor: near end
        {0x36, 0x72, nullptr, PrinterState::CoverOpen, false},       // cover open wins
        {0x52, 0x12, errc::kFault, PrinterState::Ready, false},      // error occurred
        {0x00, 0x12, errc::kBadInput, PrinterState::Ready, false},   // not a status byte
        {0x12, 0xFF, errc::kBadInput, PrinterState::Ready, false},
    };
    for (const auto& c : cases) {
        auto s = escpos::statusFromBytes(c.offline, c.paper);
        SCOPED_TRACE(std::to_string(c.offline) + "/" + std::to_string(c.paper));
        if (c.errorCode) {
            ASSERT_FALSE(s.ok());
            EXPECT_EQ(s.error().code, c.errorCode);
        } else {
            ASSERT_TRUE(s.ok()) << s.error().message;
            EXPECT_EQ(s.value().state, c.state);
            EXPECT_EQ(s.value().paperNearEnd, c.nearEnd);
        }
    }
    EXPECT_EQ(escpos::statusFromPaperSensor(0x00).value().state, PrinterState::Ready);
    EXPECT_TRUE(escpos::statusFromPaperSensor(0x03).value().paperNearEnd);
    EXPECT_EQ(escpos::statusFromPaperSensor(0x0C).value().state, PrinterState::OutOfPaper);
    EXPECT_FALSE(escpos::statusFromPaperSensor(0x80).ok());
}

// A printer on the far end of a pseudo-terminal: reads what the driver sends, decodes it
// and answers status queries from its switches.
class PtyPrinter {
public:
    PtyPrinter() {
        char name[256];
        if (::openpty(&master_, &slave_, name, nullptr, nullptr) != 0) return;
        path_ = name;
        ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
        decoder_.onDleEot = [this](int n) -> int {
            if (silent) return -1;
            if (n == 2) return 0x12 | (coverOpen ? 0x04 : 0) | (decoder_.outOfPaper() || paperOut ? 0x20 : 0);
            if (n == 4) return 0x12 | (decoder_.outOfPaper() || paperOut ? 0x60 : 0) | (nearEnd ? 0x0C : 0);
            return 0x12;
        };
        decoder_.onGsR = [this](int) -> int { return silent ? -1 : (nearEnd ? 0x03 : 0x00); };
        decoder_.reply = [this](uint8_t b) { (void)!::write(master_, &b, 1); };
        thread_ = std::thread([this] { run(); });
    }
    ~PtyPrinter() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (master_ >= 0) ::close(master_);
        if (slave_ >= 0) ::close(slave_);
    }
    const std::string& path() const { return path_; }
    void setRowsLeft(int rows) {
        std::lock_guard lock(mu_);
        decoder_.rowsLeft = rows;
    }
    template <typename F>
    void with(F f) {
        std::lock_guard lock(mu_);
        f(decoder_);
    }
    void hangUp() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        ::close(master_);
        master_ = -1;
    }

    std::atomic<bool> coverOpen{false}, paperOut{false}, nearEnd{false}, silent{false};

private:
    void run() {
        uint8_t buf[4096];
        while (!stop_) {
            pollfd p{master_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::read(master_, buf, sizeof buf);
            if (n <= 0) continue;
            std::lock_guard lock(mu_);
            decoder_.feed(buf, std::size_t(n));
        }
    }
    int master_ = -1, slave_ = -1;
    std::string path_;
    std::mutex mu_;
    EscPosDecoder decoder_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

EscPosConfig ptyConfig(const std::string& path) {
    EscPosConfig c;
    c.port = path;
    c.baud = 115200;
    c.statusTimeout = core::Millis(300);
    c.printTimeout = core::Millis(1500);
    return c;
}

TEST(EscPosPrinter, PrintsTheReceiptAsARasterOverASerialLine) {
    PtyPrinter printer;
    ASSERT_FALSE(printer.path().empty());
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok()) << p.error().message;
    auto st = p.value()->status();
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_EQ(st.value().state, PrinterState::Ready);

    const Receipt r = sampleReceipt("zh-Hant");
    const auto s = p.value()->print(r);
    ASSERT_TRUE(s.ok()) << s.error().message;
    const Image want = rendered("zh-Hant");
    printer.with([&](EscPosDecoder& d) {
        EXPECT_TRUE(d.error.empty()) << d.error;
        EXPECT_EQ(d.cutCount, 1);
        EXPECT_EQ(d.gsRCount, 1);
        ASSERT_EQ(d.rows, want.height);
        EXPECT_EQ(d.image().pixels, want.pixels);

    });
    EXPECT_EQ(p.value()->health().state, DeviceState::Ready);
}

TEST(EscPosPrinter, CoverOpenRefusesBeforeSendingAnything) {
    PtyPrinter printer;
    printer.coverOpen = true;
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.value()->status().value().state, PrinterState::CoverOpen);
    const auto s = p.value()->print(sampleReceipt("en"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kCoverOpen);
    printer.with([](EscPosDecoder& d) { EXPECT_EQ(d.rows, 0); });
    EXPECT_EQ(p.value()->health().state, DeviceState::Fault);
}

TEST(EscPosPrinter, OutOfPaperRefusesBeforeSendingAnything) {
    PtyPrinter printer;
    printer.paperOut = true;
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    const auto s = p.value()->print(sampleReceipt("en"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kOutOfPaper);
    printer.with([](EscPosDecoder& d) { EXPECT_EQ(d.rows, 0); });
}

TEST(EscPosPrinter, PaperEndingMidReceiptIsOutOfPaper) {
    PtyPrinter printer;
    printer.setRowsLeft(300);  // the roll ends a third of the way down
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    const auto s = p.value()->print(sampleReceipt("pt"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kOutOfPaper) << s.error().message;
    printer.with([](EscPosDecoder& d) { EXPECT_EQ(d.rows, 300); });
    // Once a roll is in, a reprint goes through.
    printer.setRowsLeft(-1);
    EXPECT_TRUE(p.value()->print(sampleReceipt("pt")).ok());
}

TEST(EscPosPrinter, NearEndStillPrintsAndReportsDegraded) {
    PtyPrinter printer;
    printer.nearEnd = true;
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    auto st = p.value()->status();
    ASSERT_TRUE(st.ok());
    EXPECT_TRUE(st.value().paperNearEnd);
    EXPECT_EQ(p.value()->health().state, DeviceState::Degraded);
    EXPECT_TRUE(p.value()->print(sampleReceipt("en")).ok());
}

TEST(EscPosPrinter, NoAnswerIsLost) {
    PtyPrinter printer;
    printer.silent = true;
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    auto st = p.value()->status();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::kLost);
    EXPECT_EQ(p.value()->print(sampleReceipt("en")).error().code, errc::kLost);
    EXPECT_EQ(p.value()->health().state, DeviceState::Lost);
}

TEST(EscPosPrinter, HungUpLineIsLost) {
    PtyPrinter printer;
    auto p = EscPosPrinter::open(ptyConfig(printer.path()));
    ASSERT_TRUE(p.ok());
    printer.hangUp();
    const auto s = p.value()->print(sampleReceipt("en"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kLost) << s.error().message;
}

TEST(EscPosPrinter, MissingDeviceIsLost) {
    EscPosConfig c;
    c.device = "/nonexistent/usb/lp0";
    auto p = EscPosPrinter::open(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, errc::kLost);
}

TEST(EscPosPrinter, WriteOnlyDeviceFilePrintsWithoutStatus) {
    // A USB printer-class node that cannot answer: status_query off, bytes as sent.
    const auto file = testing::tempDir("escpos_lp") / "lp0";
    { std::FILE* f = std::fopen(file.c_str(), "w"); std::fclose(f); }
    EscPosConfig c;
    c.device = file.string();
    c.statusQuery = false;
    auto p = EscPosPrinter::open(c);
    ASSERT_TRUE(p.ok()) << p.error().message;
    ASSERT_TRUE(p.value()->print(sampleReceipt("en")).ok());
    std::string bytes;
    {
        std::FILE* f = std::fopen(file.c_str(), "rb");
        char buf[65536];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
        std::fclose(f);
    }
    EscPosDecoder d;
    d.feed(bytes);
    ASSERT_TRUE(d.error.empty()) << d.error;
    EXPECT_EQ(d.image().pixels, rendered("en").pixels);
}

}  // namespace
}  // namespace kiosk::devices::io
