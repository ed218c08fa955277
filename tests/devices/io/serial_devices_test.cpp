#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "devices/io/serial_scanners.h"

namespace kiosk::devices::io {
namespace {

// A pseudo-terminal pair: the test writes on the master side like a device would; the
// driver opens the slave path like a /dev/ttyUSB0.
class Pty {
public:
    Pty() {
        master_ = posix_openpt(O_RDWR | O_NOCTTY);
        EXPECT_GE(master_, 0);
        EXPECT_EQ(grantpt(master_), 0);
        EXPECT_EQ(unlockpt(master_), 0);
        path_ = ptsname(master_);
    }
    ~Pty() { closeMaster(); }
    const std::string& path() const { return path_; }
    void send(const std::string& bytes) { ASSERT_EQ(::write(master_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size())); }
    void closeMaster() {
        if (master_ >= 0) ::close(master_);
        master_ = -1;
    }
    std::unique_ptr<SerialPort> open(int baud = 9600) {
        SerialConfig c;
        c.port = path_;
        c.baud = baud;
        auto p = SerialPort::open(c);
        EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
        return p.ok() ? std::move(p).value() : nullptr;
    }

private:
    int master_ = -1;
    std::string path_;
};

// ICAO 9303 specimen lines.
const std::vector<std::string> kTd1 = {"I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                                       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};
const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};

TEST(SerialDocumentReader, Td1AndTd3ThroughPty) {
    Pty pty;
    SerialDocumentReader reader(pty.open(), core::Millis(300));
    pty.send(kTd1[0] + "\r\n" + kTd1[1] + "\r\n" + kTd1[2] + "\r\n");
    auto r = reader.waitForMrz(core::Millis(1000));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, kTd1);
    // STX/ETX framing, LF endings, blank lines between documents.
    pty.send("\n\x02" + kTd3[0] + "\n" + kTd3[1] + "\x03\n");
    auto r3 = reader.waitForMrz(core::Millis(1000));
    ASSERT_TRUE(r3.ok()) << r3.error().message;
    ASSERT_TRUE(r3->has_value());
    EXPECT_EQ(**r3, kTd3);
    EXPECT_EQ(reader.health().state, DeviceState::Ready);
}

TEST(SerialDocumentReader, LinesSplitAcrossWrites) {
    Pty pty;
    SerialDocumentReader reader(pty.open(), core::Millis(500));
    std::thread writer([&] {
        const std::string all = kTd3[0] + "\r" + kTd3[1] + "\r";
        for (std::size_t i = 0; i < all.size(); i += 7) {
            pty.send(all.substr(i, 7));
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    });
    auto r = reader.waitForMrz(core::Millis(2000));
    writer.join();
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, kTd3);
}

TEST(SerialDocumentReader, NothingPresentedIsNullopt) {
    Pty pty;
    SerialDocumentReader reader(pty.open());
    auto r = reader.waitForMrz(core::Millis(50));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
}

TEST(SerialDocumentReader, MalformedLinesAreBadInput) {
    Pty pty;
    SerialDocumentReader reader(pty.open(), core::Millis(100));
    const std::vector<std::string> bad = {
        "HELLO WORLD\n",                                       // wrong length
        kTd1[0].substr(0, 29) + "a\n",                         // lower case
        kTd3[0] + "\n" + kTd1[1] + "\n",                       // mixed formats
        kTd1[0] + "\n" + kTd1[1] + "\n",                       // incomplete (times out)
    };
    for (const auto& b : bad) {
        pty.send(b);
        auto r = reader.waitForMrz(core::Millis(500));
        ASSERT_FALSE(r.ok()) << b;
        EXPECT_EQ(r.error().code, errc::kBadInput) << b;
    }
    // The reader still works afterwards.
    pty.send(kTd1[0] + "\n" + kTd1[1] + "\n" + kTd1[2] + "\n");
    auto ok = reader.waitForMrz(core::Millis(500));
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(**ok, kTd1);
}

TEST(SerialDocumentReader, HangupIsLost) {
    Pty pty;
    SerialDocumentReader reader(pty.open());
    pty.closeMaster();
    auto r = reader.waitForMrz(core::Millis(500));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    EXPECT_EQ(reader.health().state, DeviceState::Lost);
}

TEST(SerialQrScanner, DeliversTextLines) {
    Pty pty;
    SerialQrScanner scanner(pty.open(115200));
    pty.send("HKMO1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3\r\n");
    auto r = scanner.waitForCode(core::Millis(500));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, "HKMO1:6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTLRR+%3");
    auto none = scanner.waitForCode(core::Millis(30));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    pty.send(std::string("AB\x01" "CD\n"));
    auto bad = scanner.waitForCode(core::Millis(500));
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, errc::kBadInput);
    pty.send(std::string(5000, 'A'));
    auto longLine = scanner.waitForCode(core::Millis(500));
    ASSERT_FALSE(longLine.ok());
    EXPECT_EQ(longLine.error().code, errc::kBadInput);
}

TEST(SerialPort, OpenErrors) {
    SerialConfig c;
    c.port = "/nonexistent/ttyUSB9";
    auto r = SerialPort::open(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
    c.baud = 12345;
    auto b = SerialPort::open(c);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.error().code, "config.bad_value");
    core::Json j = {{"port", "/dev/ttyUSB0"}, {"baud", 1234}};
    auto cfg = SerialConfig::fromConfig(core::ConfigView(j, "devices.document"));
    ASSERT_FALSE(cfg.ok());
    EXPECT_NE(cfg.error().message.find("devices.document.baud"), std::string::npos);
}

TEST(MrzShape, Td1Td3AndErrors) {
    EXPECT_TRUE(checkMrzShape(kTd1).ok());
    EXPECT_TRUE(checkMrzShape(kTd3).ok());
    EXPECT_EQ(checkMrzShape({kTd3[0]}).error().code, errc::kBadInput);
    EXPECT_EQ(checkMrzShape({}).error().code, errc::kBadInput);
}

}  // namespace
}  // namespace kiosk::devices::io
