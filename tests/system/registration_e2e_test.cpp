// Registration to lane with the real binaries over loopback HTTPS and mutual TLS:
// a resident registers at a simulated registration machine (kiosk --mode registration:
// real libfprint on the demo fingerprint images, real dlib on the demo faces); the sealed
// enrolment goes through the machine's outbox to the clearance-server (registration
// certificate); then lanes (kiosk --headless, synced, scenario start times T + offset on
// a fake clock) refuse the resident at T + 1 h (elig.registration_delay), let them pass at
// T + 3 h 05 with the same fingers and face, and refuse at T + 3 h 10 someone else showing
// that resident's QR (face mismatch).
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "system_support.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;

void writeE2eJson(const fs::path& p, const core::Json& j) {
    std::ofstream f(p);
    f << j.dump(2);
}

core::Json images(const std::string& folder, const std::string& stem, int from, int to) {
    core::Json a = core::Json::array();
    for (int i = from; i <= to; ++i) a.push_back("@demo/" + folder + "/" + stem + std::to_string(i) + ".png");
    return a;
}

const char* kT = "2026-11-22T08:30:00+08:00";  // the registration

TEST(RegistrationToLane, UsableOnlyAfterTheDelayAndOnlyByTheResident) {
    const fs::path dir = tempDir("reg-e2e");
    const fs::path kiosk = buildDir() / "kiosk/kiosk";
    ASSERT_TRUE(fs::exists(kiosk)) << kiosk;
    if (!fs::exists(buildDir() / "models/dlib_face_recognition_resnet.dat") || !fs::exists(buildDir() / "demo/faces/p1"))
        GTEST_SKIP() << "demo data and face model missing (run scripts/setup)";

    auto pki = TestPki::create(dir / "pki");
    ASSERT_TRUE(pki.ok()) << pki.error().message;
    const std::string regId = "REG-E2E-01", laneId = "HZMB-E2E-21";
    auto regCert = pki->device(regId, server::Role::Registration);
    auto laneCert = pki->device(laneId, server::Role::Lane);
    auto adminCert = pki->device("admin-1", server::Role::Admin);
    ASSERT_TRUE(regCert.ok() && laneCert.ok() && adminCert.ok());

    const std::string dbUrl = "sqlite:" + (dir / "clearance.sqlite").string();
    auto cfg = writeServerConfig(*pki, dbUrl, dir / "server.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message;
    auto srv = ServerProcess::start(ServerProcessOptions{*cfg, dbUrl});
    ASSERT_TRUE(srv.ok()) << srv.error().message;

    // --- The registration machine at T ------------------------------------------------
    core::Json resident = {
        {"name", "resident registers"},
        {"language", "zh-Hant"},
        {"card", {{"document", "K2468135(7)"}, {"date_of_birth", "1988-02-29"}, {"document_expiry", "2033-02-28"}}},
        {"fingers", {images("fingers/f01", "imp_", 1, 6), images("fingers/f02", "imp_", 1, 6)}},
        {"face", images("faces/p1", "probe_", 0, 5)},
        {"expect", {{"outcome", "enrolled"}}}};
    writeE2eJson(dir / "registration-scenario.json",
              {{"start_time", kT}, {"device_id", regId}, {"residents", core::Json::array({resident})}});
    auto sync = [&](const DeviceCertFiles& cert) {
        return core::Json{{"server", (*srv)->url()},
                          {"cert_file", cert.certFile.string()},
                          {"key_file", cert.keyFile.string()},
                          {"ca_file", pki->caCert.string()},
                          {"template_key_file", pki->templateKey.string()}};
    };
    writeE2eJson(dir / "registration.json",
              {{"mode", "registration"},
               {"scenario", (dir / "registration-scenario.json").string()},
               {"strings", (sourceDir() / "assets/strings/strings.json").string()},
               {"face", {{"recogniser", "onnx"}}},
               {"devices", {{"printer", {{"backend", "sim"}, {"out_dir", (dir / "receipts").string()}}}}},
               {"registration", {{"device_id", regId}}},
               {"sync", sync(*regCert)}});
    const int regExit = runCommand("'" + kiosk.string() + "' --mode registration --headless --config '" +
                                (dir / "registration.json").string() + "'",
                            dir / "registration.log");
    const std::string regLog = readText(dir / "registration.log");
    ASSERT_EQ(regExit, 0) << regLog;
    ASSERT_NE(regLog.find("registration: 1 as expected, 0 differ"), std::string::npos) << regLog;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(regLog, m, std::regex(R"(enrolled .* ref (R-[A-Z0-9]+) )"))) << regLog;
    const std::string reference = m[1];
    // The receipt came out of the (simulated) printer.
    ASSERT_TRUE(fs::exists(dir / "receipts"));
    EXPECT_FALSE(fs::is_empty(dir / "receipts"));

    // On the server: the machine's enrolment, no document number in clear.
    AdminClient admin((*srv)->url(), *pki, *adminCert);
    auto rec = admin.get("/v1/admin/enrolments/" + reference);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    ASSERT_EQ(rec->status, 200) << rec->text;
    EXPECT_EQ(rec->body.value("channel", ""), "machine");
    EXPECT_EQ(rec->text.find("K2468135"), std::string::npos) << rec->text;

    // --- Lanes at T + offset, each its own synced run -----------------------------------
    auto laneRun = [&](const std::string& tag, const std::string& startTime, const core::Json& traveller) {
        writeE2eJson(dir / ("lane-" + tag + ".scenario.json"),
                  {{"start_time", startTime}, {"lane_id", laneId}, {"travellers", core::Json::array({traveller})}});
        writeE2eJson(dir / ("lane-" + tag + ".json"),
                  {{"lane_id", laneId},
                   {"scenario", (dir / ("lane-" + tag + ".scenario.json")).string()},
                   {"face", {{"recogniser", "onnx"}}},
                   {"fingerprint", {{"backend", "virtual_image"}}},
                   {"devices",
                    {{"qr", {{"backend", "sim"}}}, {"document", {{"backend", "sim"}}}, {"camera", {{"backend", "sim"}}},
                     {"gate", {{"backend", "sim"}}}}},
                   {"sync", sync(*laneCert)}});
        const fs::path log = dir / ("lane-" + tag + ".log");
        const int exit = runCommand("'" + kiosk.string() + "' --headless --config '" + (dir / ("lane-" + tag + ".json")).string() + "'",
                             log);
        return std::make_pair(exit, readText(log));
    };

    // T + 1 h: the delay holds.
    auto early = laneRun("early", "2026-11-22T09:30:00+08:00",
                         {{"name", "the resident, an hour later"},
                          {"qr", {{"enrolment", reference}}},
                          {"face", images("faces/p1", "probe_", 0, 5)},
                          {"finger", images("fingers/f01", "imp_", 7, 8)},
                          {"expect", {{"outcome", "refused"}, {"reason", "elig.registration_delay"}}}});
    EXPECT_EQ(early.first, 0) << early.second;
    EXPECT_NE(early.second.find("scenario: 1 as expected, 0 differ"), std::string::npos) << early.second;

    // T + 3 h 05: the same fingers and face pass.
    auto later = laneRun("pass", "2026-11-22T11:35:00+08:00",
                         {{"name", "the resident, after the delay"},
                          {"qr", {{"enrolment", reference}}},
                          {"face", images("faces/p1", "probe_", 0, 5)},
                          {"finger", images("fingers/f01", "imp_", 7, 8)},
                          {"expect", {{"outcome", "passed"}}}});
    EXPECT_EQ(later.first, 0) << later.second;
    EXPECT_NE(later.second.find("scenario: 1 as expected, 0 differ"), std::string::npos) << later.second;

    // T + 3 h 10: someone else shows the resident's QR.
    auto other = laneRun("impostor", "2026-11-22T11:40:00+08:00",
                         {{"name", "someone else with the resident's QR"},
                          {"qr", {{"enrolment", reference}}},
                          {"face", images("faces/p2", "probe_", 0, 5)},
                          {"finger", images("fingers/f03", "imp_", 6, 8)},
                          {"expect", {{"outcome", "refused"}, {"reason", "face.no_match"}}}});
    EXPECT_EQ(other.first, 0) << other.second;
    EXPECT_NE(other.second.find("scenario: 1 as expected, 0 differ"), std::string::npos) << other.second;

    // The three crossings reached the server with the outcomes the lane decided.
    auto crossings = admin.allEvents(laneId, "crossing");
    ASSERT_TRUE(crossings.ok()) << crossings.error().message;
    ASSERT_EQ(crossings->size(), 3u);
    std::vector<std::string> outcomes;
    for (const auto& e : *crossings) {
        EXPECT_EQ(e.at("payload").at("reference"), reference);
        outcomes.push_back(e.at("payload").at("outcome").get<std::string>());
    }
    EXPECT_EQ(outcomes, (std::vector<std::string>{"refused", "passed", "refused"}));
}

}  // namespace
}  // namespace kiosk::testing
