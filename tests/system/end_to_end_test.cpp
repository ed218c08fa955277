// The whole chain with the real binaries over loopback HTTPS and mutual TLS:
// an enrolment office exports enrolments (kioskctl, sealed biometrics through dlib and
// libfprint) and imports them into the clearance-server; a lane (the kiosk binary, scripted
// travellers on simulated devices) pulls them, its travellers cross or are refused by the
// real policies (the registration delay included), and every crossing is on the server
// exactly once. Runs on SQLite and on a real PostgreSQL.
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "system_support.h"
#include "tests/support/postgres_harness.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;

std::string dbUrlFor(const std::string& backend, const fs::path& dir) {
    if (backend == "sqlite") return "sqlite:" + (dir / "clearance.sqlite").string();
    auto url = freshPostgresDatabase("e2e");
    EXPECT_TRUE(url.ok()) << url.error().message;
    return url.ok() ? *url : "";
}

class EndToEnd : public ::testing::TestWithParam<std::string> {};

TEST_P(EndToEnd, EnrolmentFromTheCentreCrossesAtALaneAndTheCrossingIsOnTheServerOnce) {
    const fs::path dir = tempDir("e2e-" + GetParam());
    const fs::path kioskctl = buildDir() / "tools/kioskctl";
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    ASSERT_TRUE(fs::exists(kioskctl)) << kioskctl;
    ASSERT_TRUE(fs::exists(kiosk)) << kiosk;
    ASSERT_TRUE(fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat")) << "run scripts/setup";

    auto pki = TestPki::create(dir / "pki");
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    const std::string laneId = "HZMB-E2E-07";
    auto laneCert = pki->device(laneId, server::Role::Lane);
    auto adminCert = pki->device("office-1", server::Role::Admin);
    ASSERT_TRUE(laneCert.ok() && adminCert.ok());

    const std::string dbUrl = dbUrlFor(GetParam(), dir);
    ASSERT_FALSE(dbUrl.empty());
    auto cfg = writeServerConfig(*pki, dbUrl, dir / "server.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto srv = ServerProcess::start(ServerProcessOptions{*cfg, dbUrl});
    ASSERT_TRUE(srv.ok()) << srv.error().message;

    // The enrolment office: three enrolments made at the centre, none of them at the lane.
    const fs::path scenario = sourceDir() / "assets/scenarios/control-point.json";
    const std::string env = "KIOSK_BUILD_DIR='" + buildDir().string() + "' ";
    ASSERT_EQ(runCommand(env + "'" + kioskctl.string() + "' enrolment export --scenario '" + scenario.string() +
                      "' --template-key '" + pki->templateKey.string() + "' --out '" + (dir / "enrolments.json").string() + "'",
                  dir / "export.log"),
              0)
        << readText(dir / "export.log");
    const std::string import = "'" + kioskctl.string() + "' enrolment import --file '" + (dir / "enrolments.json").string() +
                               "' --server " + (*srv)->url() + " --cert '" + adminCert->certFile.string() + "' --key '" +
                               adminCert->keyFile.string() + "' --ca '" + pki->caCert.string() + "'";
    ASSERT_EQ(runCommand(import, dir / "import.log"), 0) << readText(dir / "import.log");
    EXPECT_NE(readText(dir / "import.log").find("imported 3 enrolments"), std::string::npos) << readText(dir / "import.log");
    // Importing again changes nothing (idempotent by reference).
    ASSERT_EQ(runCommand(import, dir / "import2.log"), 0) << readText(dir / "import2.log");
    EXPECT_NE(readText(dir / "import2.log").find("imported 0 enrolments (3 already there)"), std::string::npos)
        << readText(dir / "import2.log");

    // The lane: no enrolment of its own; everything comes through the sync.
    core::Json lane = {
        {"lane_id", laneId},
        {"scenario", scenario.string()},
        {"face", {{"recogniser", "onnx"}}},
        {"fingerprint", {{"backend", "virtual_image"}}},
        {"devices", {{"qr", {{"backend", "sim"}}}, {"document", {{"backend", "sim"}}}, {"camera", {{"backend", "sim"}}},
                     {"gate", {{"backend", "sim"}}}}},
        {"sync",
         {{"server", (*srv)->url()},
          {"cert_file", laneCert->certFile.string()},
          {"key_file", laneCert->keyFile.string()},
          {"ca_file", pki->caCert.string()},
          {"template_key_file", pki->templateKey.string()}}}};
    {
        std::ofstream f(dir / "lane.json");
        f << lane.dump(2);
    }
    const int laneExit = runCommand("'" + kiosk.string() + "' --headless --config '" + (dir / "lane.json").string() + "'",
                             dir / "lane.log");
    const std::string laneLog = readText(dir / "lane.log");
    ASSERT_EQ(laneExit, 0) << laneLog;
    EXPECT_NE(laneLog.find("scenario: 4 as expected, 0 differ"), std::string::npos) << laneLog;

    // On the server: the lane's four crossings, each exactly once, with the outcomes the
    // lane decided, and no QR text or document number in them.
    AdminClient admin((*srv)->url(), *pki, *adminCert);
    auto crossings = admin.allEvents(laneId, "crossing");
    ASSERT_TRUE(crossings.ok()) << crossings.error().message;
    ASSERT_EQ(crossings->size(), 4u);
    std::set<std::pair<std::string, int64_t>> keys;
    std::map<std::string, std::string> outcomeByRef;
    for (const auto& e : *crossings) {
        keys.insert({e.at("stream").get<std::string>(), e.at("seq").get<int64_t>()});
        const auto& p = e.at("payload");
        outcomeByRef[p.at("reference").get<std::string>()] = p.at("outcome").get<std::string>();
        EXPECT_EQ(p.at("lane"), laneId);
        const std::string text = p.dump();
        EXPECT_EQ(text.find("K1234567"), std::string::npos) << text;
        EXPECT_EQ(text.find("HC1:"), std::string::npos) << text;
    }
    EXPECT_EQ(keys.size(), 4u) << "a crossing stored twice";
    EXPECT_EQ(outcomeByRef["ENR-0101"], "passed");
    EXPECT_EQ(outcomeByRef["ENR-0102"], "passed");
    EXPECT_EQ(outcomeByRef["ENR-0103"], "refused");  // enrolled an hour ago: the delay holds
    EXPECT_EQ(outcomeByRef["ENR-0999"], "refused");

    // The lane reported itself: heartbeats and its scans arrived too.
    auto heartbeats = admin.allEvents(laneId, "heartbeat");
    ASSERT_TRUE(heartbeats.ok());
    EXPECT_GE(heartbeats->size(), 1u);
    auto scans = admin.allEvents(laneId, "scan");
    ASSERT_TRUE(scans.ok());
    EXPECT_EQ(scans->size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EndToEnd, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace kiosk::testing
