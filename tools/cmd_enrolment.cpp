// kioskctl enrolment ...: an enrolment office's side of the clearance service.
//   export: enrolments described like a scenario's (docs/scenarios.md) made into the wire
//           form of docs/api.md, biometrics through the real face engine and libfprint and
//           sealed with the fleet template key (the server never sees them in clear);
//   import: posts them to POST /v1/admin/enrolments with an admin certificate.
#if defined(KIOSK_HAVE_SYNC)
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "core/clock.h"
#include "core/config.h"
#include "devices/face.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/io/image_file.h"
#include "kiosk/lane/scenario.h"
#include "kiosk/scenario/simulated_inputs.h"
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/http_client.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

namespace fs = std::filesystem;

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

int exportEnrolments(const Args& args) {
    const std::string scenarioFile = option(args, "--scenario");
    const std::string keyFile = option(args, "--template-key");
    const std::string out = option(args, "--out");
    const std::string only = option(args, "--at", "server");
    if (scenarioFile.empty() || keyFile.empty() || out.empty()) {
        std::cerr << "usage: kioskctl enrolment export --scenario FILE --template-key KEY --out FILE [--at server|lane|all]\n";
        return 2;
    }
    if (only != "server" && only != "lane" && only != "all") {
        std::cerr << "enrolment export: --at must be server, lane or all (got '" << only << "')\n";
        return 2;
    }
    auto key = sync::loadTemplateKey(keyFile);
    if (!key.ok()) return fail(key.error());
    auto scenario = core::loadJsonFile(scenarioFile);
    if (!scenario.ok()) return fail(scenario.error());
    core::ConfigView root(*scenario);
    auto start = root.unixTime("start_time");
    if (!start.ok()) return fail(start.error());
    // Relative enrolment times ("-40d") are relative to the scenario's start, as in the lane.
    core::FakeClock clock(core::fromUnixSeconds(*start));

    const char* b = std::getenv("KIOSK_BUILD_DIR");
    const fs::path buildDir = b ? b : "build";
    // The lane's face settings (recogniser!) come from its configuration: descriptors of
    // another recogniser would not match there.
    const std::string configFile = option(args, "--config", "");
    core::Json config = core::Json::object();
    if (!configFile.empty()) {
        auto c = core::loadJsonFile(configFile);
        if (!c.ok()) return fail(c.error());
        config = *c;
    }
    auto fo = devices::faceEngineOptionsFromKioskConfig(
        core::ConfigView(config), configFile.empty() ? "." : fs::path(configFile).parent_path().string(),
        (buildDir / "models").string());
    if (!fo.ok()) return fail(fo.error());
    if (!option(args, "--model", "").empty()) fo->recognitionModelPath = option(args, "--model", "");
    auto face = devices::createDlibFaceEngine(*fo);
    if (!face.ok()) return fail(face.error());
    auto sensor = std::make_shared<devices::fingerprint::SimFingerSensor>();
    auto finger = devices::fingerprint::LibfprintReader::create(devices::fingerprint::ReaderOptions{}, sensor);
    if (!finger.ok()) return fail(finger.error());

    lane::ScenarioEnvironment env;
    env.face = face->get();
    env.finger = finger->get();
    scenario::useSimulatedInputs(env, sensor.get());
    env.demoDir = buildDir / "demo";
    env.baseDir = fs::path(scenarioFile).parent_path();

    core::Json list = core::Json::array();
    if (scenario->contains("enrolments")) {
        const core::Json& entries = (*scenario)["enrolments"];
        if (!entries.is_array()) return fail(root.bad("enrolments", "must be a list"));
        for (std::size_t i = 0; i < entries.size(); ++i) {
            core::ConfigView e(entries[i], "enrolments[" + std::to_string(i) + "]");
            auto at = e.oneOf("at", {"lane", "server"}, "lane");
            if (!at.ok()) return fail(at.error());
            if (only != "all" && *at != only) continue;
            auto row = lane::makeScenarioEnrolment(e, env, clock);
            if (!row.ok()) return fail(row.error());
            auto wire = sync::sealEnrolmentForWire(*row, *key);
            if (!wire.ok()) return fail(wire.error());
            list.push_back(std::move(*wire));
        }
    }
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << core::Json{{"enrolments", list}}.dump(1) << "\n";
    if (!f) return fail(core::makeError("enrolment.write_failed", "cannot write " + out));
    std::cout << "wrote " << list.size() << " enrolments to " << out << "\n";
    return 0;
}

int importEnrolments(const Args& args) {
    const std::string file = option(args, "--file");
    sync::HttpClientOptions o;
    o.baseUrl = option(args, "--server");
    o.certFile = option(args, "--cert");
    o.keyFile = option(args, "--key");
    o.caFile = option(args, "--ca");
    if (file.empty() || o.baseUrl.empty() || o.certFile.empty() || o.keyFile.empty() || o.caFile.empty()) {
        std::cerr << "usage: kioskctl enrolment import --file FILE --server URL --cert C.pem --key K.pem --ca CA.pem\n";
        return 2;
    }
    auto j = core::loadJsonFile(file);
    if (!j.ok()) return fail(j.error());
    if (!j->contains("enrolments") || !(*j)["enrolments"].is_array())
        return fail(core::makeError("enrolment.bad_file", file + ": needs an \"enrolments\" list"));
    sync::HttpClient client(o);
    int stored = 0, repeated = 0;
    for (const auto& e : (*j)["enrolments"]) {
        auto a = client.post("/v1/admin/enrolments", core::Json{{"enrolment", e}}.dump());
        if (!a.ok()) return fail(a.error());
        if (a->status != 200 && a->status != 201) {
            std::cerr << "error: server answered " << a->status << ": " << a->body << "\n";
            return 1;
        }
        (a->status == 201 ? stored : repeated)++;
    }
    std::cout << "imported " << stored << " enrolments (" << repeated << " already there)\n";
    return 0;
}

}  // namespace

KIOSKCTL_COMMAND({"enrolment", "export", "--scenario FILE --template-key KEY --out FILE [--at server|lane|all] [--config kiosk.json] [--model M]",
                  "make wire enrolments (sealed biometrics) from a scenario's enrolment list", exportEnrolments});
KIOSKCTL_COMMAND({"enrolment", "import", "--file FILE --server URL --cert C --key K --ca CA",
                  "post wire enrolments to the clearance service (admin certificate)", importEnrolments});

}  // namespace kiosk::tools
#endif
