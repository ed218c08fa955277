// The simulated printer's fault switches and PNG output, CUPS job building and state
// mapping (and a CUPS server that is not there), devices.printer configuration.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/clock.h"
#include "devices/io/cups_printer.h"
#include "devices/io/device_factory.h"
#include "devices/sim/sim_printer.h"
#include "tests/devices/printer/printer_test_support.h"
#include "ui/image_tools.h"

namespace kiosk::devices {
namespace {

namespace fs = std::filesystem;
using testing::printer::sampleReceipt;

core::Result<io::PrinterSet> printerFrom(const core::Json& devices, core::Clock& clock) {
    return io::createPrinter(core::ConfigView(devices, "devices"), clock);
}

TEST(SimPrinter, FaultSwitchesGiveTheirErrorsAndHealth) {
    core::FakeClock clock;
    sim::SimPrinter p(clock);
    EXPECT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_EQ(p.printedCount(), 1);
    EXPECT_EQ(p.health().state, DeviceState::Ready);

    p.printerFaults().coverOpen = true;
    EXPECT_EQ(p.print(sampleReceipt("en")).error().code, errc::kCoverOpen);
    EXPECT_EQ(p.status().value().state, PrinterState::CoverOpen);
    EXPECT_EQ(p.health().state, DeviceState::Fault);
    p.printerFaults().coverOpen = false;

    p.printerFaults().outOfPaper = true;
    EXPECT_EQ(p.print(sampleReceipt("en")).error().code, errc::kOutOfPaper);
    EXPECT_EQ(p.status().value().state, PrinterState::OutOfPaper);
    p.loadPaper();
    EXPECT_EQ(p.status().value().state, PrinterState::Ready);

    p.faults().lost = true;
    EXPECT_EQ(p.print(sampleReceipt("en")).error().code, errc::kLost);
    EXPECT_EQ(p.status().error().code, errc::kLost);
    EXPECT_EQ(p.health().state, DeviceState::Lost);
    p.faults().lost = false;

    p.faults().timeout = true;
    EXPECT_EQ(p.print(sampleReceipt("en")).error().code, errc::kTimeout);
    p.faults().timeout = false;
    EXPECT_EQ(p.printedCount(), 1);
}

TEST(SimPrinter, RollRunsOutMidReceiptAndAReprintWorksAfterANewRoll) {
    core::FakeClock clock;
    sim::SimPrinter p(clock);
    p.loadPaper(3);
    EXPECT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_FALSE(p.status().value().paperNearEnd);
    EXPECT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_TRUE(p.status().value().paperNearEnd);  // one left
    EXPECT_EQ(p.health().state, DeviceState::Degraded);
    EXPECT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_EQ(p.print(sampleReceipt("en")).error().code, errc::kOutOfPaper);
    EXPECT_EQ(p.status().value().state, PrinterState::OutOfPaper);
    EXPECT_EQ(p.printedCount(), 3);
    p.loadPaper();
    EXPECT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_EQ(p.printedCount(), 4);
}

TEST(SimPrinter, PrintingTakesSimulatedTimeOnly) {
    core::FakeClock clock;
    sim::SimPrinter p(clock);
    p.setPrintTime(core::Millis(1500));
    const auto t0 = clock.monoNow();
    ASSERT_TRUE(p.print(sampleReceipt("en")).ok());
    EXPECT_EQ(clock.monoNow() - t0, core::Millis(1500));
}

TEST(PrinterFactory, SimWritesEachReceiptAsAPng) {
    core::FakeClock clock;
    const auto dir = testing::tempDir("sim_printer_png");
    const core::Json cfg = {{"printer", {{"backend", "sim"}, {"out_dir", dir.string()}, {"print_ms", 0}}}};
    auto set = printerFrom(cfg, clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    ASSERT_NE(set.value().simPrinter, nullptr);
    ASSERT_TRUE(set.value().printer->print(sampleReceipt("zh-Hant")).ok());
    ASSERT_TRUE(set.value().printer->print(sampleReceipt("pt")).ok());
    std::vector<fs::path> pngs;
    for (const auto& e : fs::directory_iterator(dir)) pngs.push_back(e.path());
    std::sort(pngs.begin(), pngs.end());
    ASSERT_EQ(pngs.size(), 2u);
    EXPECT_EQ(pngs[0].filename().string(), "receipt-20261122T070500Z-0001.png");
    auto img = ui::loadPng(pngs[0]);
    ASSERT_TRUE(img.ok());
    EXPECT_EQ(img.value().width, 576);
    // The file is the receipt the ESC/POS driver would have printed.
    auto golden = ui::loadPng(testing::sourceDir() / "tests/devices/printer/golden/receipt_zh-Hant.png");
    ASSERT_TRUE(golden.ok());
    EXPECT_LT(ui::compareImages(img.value(), golden.value()).differingFraction, 0.01);
}

TEST(PrinterFactory, SimPrinterWhoseOutputFailsIsAFault) {
    core::FakeClock clock;
    const core::Json cfg = {{"printer", {{"out_dir", "/proc/no-such-place/receipts"}, {"print_ms", 0}}}};
    auto set = printerFrom(cfg, clock);
    ASSERT_TRUE(set.ok());
    const auto s = set.value().printer->print(sampleReceipt("en"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kFault);
}

TEST(PrinterFactory, MissingSectionIsSim) {
    core::FakeClock clock;
    auto set = printerFrom(core::Json::object(), clock);
    ASSERT_TRUE(set.ok());
    EXPECT_NE(set.value().simPrinter, nullptr);
}

TEST(PrinterFactory, BadConfigurationNamesTheKey) {
    core::FakeClock clock;
    struct Case {
        core::Json printer;
        std::string mentions;
    };
    const Case cases[] = {
        {{{"backend", "laser"}}, "devices.printer.backend"},
        {{{"backend", "sim"}, {"queue", "x"}}, "devices.printer.queue"},  // a CUPS key on the sim
        {{{"backend", "escpos"}, {"port", "/dev/ttyUSB0"}, {"baud", 1234}}, "devices.printer.baud"},
        {{{"backend", "escpos"}}, "devices.printer.port"},
        {{{"backend", "escpos"}, {"port", "/dev/ttyS9"}, {"device", "/dev/usb/lp0"}}, "devices.printer.device"},
        {{{"backend", "escpos"}, {"device", "/dev/usb/lp0"}, {"flow_control", "xon"}}, "devices.printer.flow_control"},
        {{{"backend", "cups"}, {"dpi", 5}}, "devices.printer.dpi"},
        {{{"backend", "cups"}, {"width_dots", 570}}, "devices.printer.width_dots"},
        {{{"backend", "cups"}, {"colour", true}}, "devices.printer.colour"},
    };
    for (const auto& c : cases) {
        auto set = printerFrom(core::Json{{"printer", c.printer}}, clock);
        ASSERT_FALSE(set.ok()) << c.printer.dump();
        EXPECT_NE(set.error().message.find(c.mentions), std::string::npos) << set.error().message;
    }
}

TEST(PrinterFactory, EscPosPrinterThatCannotBeOpenedReportsLost) {
    core::FakeClock clock;
    const core::Json cfg = {{"printer", {{"backend", "escpos"}, {"device", "/nonexistent/lp0"}}}};
    auto set = printerFrom(cfg, clock);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(set.value().printer->health().state, DeviceState::Lost);
    EXPECT_EQ(set.value().printer->print(sampleReceipt("en")).error().code, errc::kLost);
}

TEST(Cups, JobPrintsOneDotPerPrinterDotAtTheTop) {
    io::CupsConfig c;
    Image raster;
    raster.width = 576;
    raster.height = 1624;
    auto job = io::buildCupsJob(raster, c);
    auto opt = [&](const std::string& k) {
        for (const auto& [key, v] : job.options)
            if (key == k) return v;
        return std::string();
    };
    EXPECT_EQ(opt("ppi"), "203");
    EXPECT_EQ(opt("scaling"), "100");
    EXPECT_EQ(opt("position"), "top");
    EXPECT_EQ(opt("media"), "");
    c.media = "auto";
    job = io::buildCupsJob(raster, c);
    EXPECT_EQ(opt("media"), "Custom.72x203mm");  // 576 dots = 72 mm, 1624 dots = 203 mm
    c.media = "X80MMY200MM";
    job = io::buildCupsJob(raster, c);
    EXPECT_EQ(opt("media"), "X80MMY200MM");
}

TEST(Cups, StateReasonsMapToPrinterStates) {
    EXPECT_EQ(io::statusFromCups(3, "none").state, PrinterState::Ready);
    EXPECT_EQ(io::statusFromCups(4, "media-empty-error").state, PrinterState::OutOfPaper);
    EXPECT_EQ(io::statusFromCups(5, "media-needed").state, PrinterState::OutOfPaper);
    EXPECT_EQ(io::statusFromCups(3, "cover-open-warning,media-empty-error").state, PrinterState::CoverOpen);
    EXPECT_EQ(io::statusFromCups(3, "offline-report").state, PrinterState::Lost);
    EXPECT_EQ(io::statusFromCups(5, "none").state, PrinterState::Lost);  // queue stopped
    const auto low = io::statusFromCups(3, "media-low-report");
    EXPECT_EQ(low.state, PrinterState::Ready);
    EXPECT_TRUE(low.paperNearEnd);
}

TEST(Cups, NoServerIsLost) {
    // Port 1 on loopback: nothing listens, so this runs the same on any machine.
    ::setenv("CUPS_SERVER", "127.0.0.1:1", 1);
    io::CupsConfig c;
    c.queue = "receipt";
    io::CupsPrinter p(c);
    auto st = p.status();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, errc::kLost);
    const auto s = p.print(sampleReceipt("en"));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, errc::kLost);
    EXPECT_EQ(p.health().state, DeviceState::Lost);
    ::unsetenv("CUPS_SERVER");
}

}  // namespace
}  // namespace kiosk::devices
