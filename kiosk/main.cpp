// kiosk: the lane program. Chooses simulated or real devices from the configuration
// (the only place that does), then runs the lane: headless from a scenario file, or
// full screen with the SDL2 UI.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "devices/face.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/io/image_file.h"
#include "kiosk/kiosk_config.h"
#include "kiosk/lane/lane_commands.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/live.h"
#include "kiosk/lane/officer.h"
#include "kiosk/lane/scenario.h"
#include "kiosk/lane/startup.h"
#include "kiosk/sync/sync_agent.h"
#include "kiosk/sync_bridge.h"
#include "kiosk/lane/ui_bridge.h"
#include "kiosk/scenario/scenario_support.h"
#include "kiosk/scenario/simulated_inputs.h"
#ifdef KIOSK_HAS_REGISTRATION
#include "kiosk/registration/registration_app.h"
#endif

namespace fs = std::filesystem;
using namespace kiosk;

namespace {

struct Args {
    fs::path config = "assets/config/kiosk.json";
    fs::path scenario;
    bool headless = false;
    int repeat = 1;
    bool loop = true;  // with a screen: play the demo in a loop until the window closes
    fs::path screenshots;
    bool windowed = false;
    bool verbose = false;
    bool live = false;
    std::string mode;  // --mode lane|registration (overrides the config's "mode")
};

std::atomic<bool> gStop{false};
void onSignal(int) { gStop = true; }

int usage() {
    std::cerr << "usage: kiosk [--config FILE] [--headless] [--scenario FILE] [--repeat N] [--once]\n"
                 "             [--windowed] [--screenshots DIR] [--verbose] [--live] [--mode lane|registration]\n"
                 "  --live: run the lane on the devices of the configuration (no scenario)\n"
                 "  --mode registration: the self-service registration machine (docs/registration.md);\n"
                 "                       with --live on its configured devices instead of a scenario\n";
    return 2;
}

// When this process started (from /proc: exec, not main), for the start-up figures.
std::chrono::steady_clock::time_point processStart() {
    const auto now = std::chrono::steady_clock::now();
    std::ifstream stat("/proc/self/stat"), up("/proc/uptime");
    std::string line;
    double uptime = 0;
    if (!std::getline(stat, line) || !(up >> uptime)) return now;
    // Field 22 (starttime, clock ticks since boot) comes after the ")" closing the name.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22 && rest >> field; ++i) {
    }
    const double started = std::atof(field.c_str()) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto ago = std::chrono::duration<double>(uptime - started);
    return now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(ago);
}

fs::path exeDir() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : p.parent_path();
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string s = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (s == "--config") a.config = next();
        else if (s == "--scenario") a.scenario = next();
        else if (s == "--headless") a.headless = true;
        else if (s == "--repeat") a.repeat = std::atoi(next().c_str());
        else if (s == "--loop") a.loop = true;
        else if (s == "--once") a.loop = false;
        else if (s == "--windowed") a.windowed = true;
        else if (s == "--screenshots") a.screenshots = next();
        else if (s == "--verbose") a.verbose = true;
        else if (s == "--live") a.live = true;
        else if (s == "--mode") a.mode = next();
        else if (s == "--help" || s == "-h") return usage(), 0;
        else return usage();
    }
    core::Logger::instance().setLevel(a.verbose ? core::LogLevel::Debug : core::LogLevel::Error);

    auto cfgJson = core::loadJsonFile(a.config);
    if (!cfgJson.ok()) {
        std::cerr << "kiosk: " << cfgJson.error().code << ": " << cfgJson.error().message << "\n";
        return 2;
    }
    core::ConfigView cfg(*cfgJson);
    const fs::path configDir = fs::absolute(a.config).parent_path();
    auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? fs::path(p) : configDir / p; };
    // Strict configuration (kiosk/kiosk_config.h): the whole file, before anything starts.
    {
        auto m = cfg.oneOf("mode", {"demo", "live", "registration"}, "demo");
        const bool reg = a.mode == "registration" || (a.mode.empty() && m.ok() && *m == "registration");
        if (auto st = checkKioskConfig(cfg, reg ? KioskRole::Registration : KioskRole::Lane, configDir); !st.ok()) {
            std::cerr << "kiosk: " << st.error().code << ": " << st.error().message << "\n";
            return 2;
        }
    }

    // Paths: the build folder holds the converted face model and the generated demo data.
    const fs::path buildDir = exeDir().parent_path();
    auto scenarioPath = cfg.stringOr("scenario", "../scenarios/demo.json");
    if (!scenarioPath.ok()) {
        std::cerr << "kiosk: " << scenarioPath.error().message << "\n";
        return 2;
    }
    const fs::path scenarioArg = a.scenario;  // as given on the command line
    if (a.scenario.empty()) a.scenario = rel(*scenarioPath);

    // Face engine: every key of the "face" section (docs/face.md), models from setup by
    // default. Fingerprint: libfprint's virtual_image device fed by the simulated sensor.
    // Both load behind the start-up screen on a lane with a window (lane/startup.h), else
    // right here.
    auto faceOptions = devices::faceEngineOptionsFromKioskConfig(cfg, configDir.string(), (buildDir / "models").string());
    if (!faceOptions.ok()) {
        std::cerr << "kiosk: " << faceOptions.error().message << "\n";
        return 2;
    }
    const devices::FaceEngineOptions fo = *faceOptions;
    std::unique_ptr<devices::FaceEngine> faceEngine;
    auto loadFace = [&]() -> core::Status {
        auto f = devices::createDlibFaceEngine(fo);
        if (!f.ok()) return core::makeError(f.error().code, "face engine: " + f.error().message + " (run scripts/setup)");
        faceEngine = std::move(*f);
        return {};
    };
    auto sensor = std::make_shared<devices::fingerprint::SimFingerSensor>();
    std::unique_ptr<devices::fingerprint::LibfprintReader> fingerReader;
    auto loadFinger = [&]() -> core::Status {
        devices::fingerprint::ReaderOptions ro;
        auto f = devices::fingerprint::LibfprintReader::create(ro, sensor);
        if (!f.ok()) return core::makeError(f.error().code, "fingerprint reader: " + f.error().message);
        fingerReader = std::move(*f);
        return {};
    };

    auto mode = cfg.oneOf("mode", {"demo", "live", "registration"}, "demo");
    if (!mode.ok()) {
        std::cerr << "kiosk: " << mode.error().message << "\n";
        return 2;
    }
    if (!a.mode.empty() && a.mode != "lane" && a.mode != "registration") return usage();
    const bool registration = a.mode == "registration" || (a.mode.empty() && *mode == "registration");
    if (registration) {
        for (const std::function<core::Status()>& load : {std::function<core::Status()>(loadFace), std::function<core::Status()>(loadFinger)}) {
            if (auto st = load(); !st.ok()) {
                std::cerr << "kiosk: " << st.error().message << "\n";
                return 3;
            }
        }
#ifdef KIOSK_HAS_REGISTRATION
        registration::RegistrationAppOptions ro;
        ro.headless = a.headless;
        ro.windowed = a.windowed;
        ro.screenshots = a.screenshots;
        ro.configDir = configDir;
        ro.buildDir = buildDir;
        ro.scenario = scenarioArg;  // empty: the config's "scenario"
        ro.face = faceEngine.get();
        ro.finger = fingerReader.get();
        ro.sensor = sensor.get();
        ro.repeat = a.repeat;
        ro.fingerSource = sensor;
        auto liveKey = cfg.booleanOr("live", false);  // "live": true, as --live
        if (!liveKey.ok()) {
            std::cerr << "kiosk: " << liveKey.error().message << "\n";
            return 2;
        }
        if (a.live || *liveKey) return registration::runRegistrationLive(cfg, ro);
        return registration::runRegistrationApp(cfg, ro);
#else
        std::cerr << "kiosk: this build has no registration machine\n";
        return 2;
#endif
    }
    if (*mode == "live") a.live = true;

    // SIGTERM / SIGINT: the lane stops between two of its turns, closes the doors and the
    // store (installed before the window: SDL then leaves these handlers in place).
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);

    lane::ScenarioEnvironment env;
    env.demoDir = buildDir / "demo";
    env.workDir = scenario::temporaryRunDir("kiosk-run");  // removes those of crashed runs

    std::unique_ptr<lane::UiBridge> ui;
    if (!a.headless) {
        static const core::Json emptyUi = core::Json::object();
        auto uiCfg = cfg.has("ui") ? cfg.child("ui") : core::Result<core::ConfigView>(core::ConfigView(emptyUi, "ui"));
        if (!uiCfg.ok()) {
            std::cerr << "kiosk: " << uiCfg.error().message << "\n";
            return 2;
        }
        auto laneId = cfg.stringOr("lane_id", "01");
        auto u = lane::UiBridge::create(*uiCfg, a.windowed, a.screenshots, laneId.valueOr("01"));
        if (!u.ok()) {
            // No mode changes silently: only a demo without a display plays on headless.
            std::cerr << uiFailureMessage(u.error(), a.live);
            if (uiFailure(u.error(), a.live) == UiFailure::Stop) return u.error().code == "ui.no_display" ? 3 : 2;
            core::logWarn("kiosk.headless", {{"reason", "no display"}, {"code", u.error().code}});
            a.headless = true;
        } else {
            ui = std::move(*u);
            ui->setStop(&gStop);
            // What the face screen asks for follows the liveness check's configured challenge.
            ui->setLivenessPrompt(fo.liveness.challenge == devices::LivenessChallenge::HeadTurn ? ui::LivenessPrompt::HeadTurn
                                  : fo.liveness.challenge == devices::LivenessChallenge::BlinkOrHeadTurn
                                      ? ui::LivenessPrompt::BlinkOrHeadTurn
                                  : fo.liveness.challenge == devices::LivenessChallenge::None ? ui::LivenessPrompt::None
                                                                                              : ui::LivenessPrompt::Blink);
            ui->setStartTime(processStart());
        }
    }
    if (a.live && ui) {
        // Checked before the models load: a live lane with a screen needs an officer PIN.
        if (auto st = lane::requireOfficerPin(cfg); !st.ok()) {
            std::cerr << "kiosk: " << st.error().code << ": " << st.error().message << "\n";
            return 2;
        }
    }
    {
        auto st = lane::runStartup({{"startup.face_model", loadFace}, {"startup.finger_reader", loadFinger}}, ui.get(),
                                   [] { return gStop.load(); });
        if (!st.ok() && st.error().code == "startup.stopped") {
            // The loader thread still fills the engines: leave without touching them.
            std::cout << "kiosk: stopped during start-up (no lane yet, doors untouched)" << std::endl;
            ui.reset();
            std::_Exit(0);
        }
        if (!st.ok()) {
            std::cerr << "kiosk: " << st.error().message << "\n";
            return 3;
        }
    }
    env.face = faceEngine.get();
    env.finger = fingerReader.get();
    scenario::useSimulatedInputs(env, sensor.get());

    if (a.live) {
        std::unique_ptr<devices::FingerprintReader> liveFinger;
        if (cfg.has("fingerprint")) {
            auto fc = cfg.child("fingerprint");
            if (!fc.ok()) {
                std::cerr << "kiosk: " << fc.error().message << "\n";
                return 2;
            }
            auto r = devices::fingerprint::makeFingerprintReader(*fc, sensor);
            if (!r.ok()) {
                std::cerr << "kiosk: fingerprint: " << r.error().message << "\n";
                return 3;
            }
            liveFinger = std::move(*r);
        }
        lane::LiveOptions lo;
        lo.configDir = configDir;
        lo.face = faceEngine.get();
        lo.finger = liveFinger ? liveFinger.get() : fingerReader.get();
        if (ui) ui->setPacing(0);
        lo.ui = ui.get();
        lo.stop = &gStop;
        return lane::runLive(cfg, lo);
    }

    lane::ScenarioOptions so;
    so.repeat = a.repeat < 1 ? 1 : a.repeat;
    std::size_t n = 0;
    so.onTraveller = [&](const lane::TravellerResult& r) {
        std::cout << lane::formatTravellerLine(++n, r) << std::endl;
    };
    if (ui) {
        so.onStarted = [&](lane::LaneServices& sv, lane::LaneShell& sh, devices::Gate& g, core::Clock& c) {
            ui->setOfficerHooks(lane::makeOfficerHooks(sv, sh, &g, c));
            ui->setStaffNotices(lane::makeStaffNotices(sv, sh, c));
        };
        // The overlay's "out of service": the queue waits until an officer puts the lane back.
        so.whileOfficerHolds = [&] {
            ui->tick();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        };
        so.onState = [&](const lane::LaneState& s) { ui->show(s); };
        so.onFace = [&](const lane::LaneState& s, const devices::Frame& f, const devices::FaceMatch& m) {
            ui->showFace(s, f, m);
        };
    }

    // With a "sync" section the scripted lane is one lane of a control point: it pulls its
    // enrolments from the clearance service and pushes its journal there, one sync round
    // before each traveller and one after the last (on the scenario's fake clock).
    std::unique_ptr<sync::SyncAgent> agent;
    std::unique_ptr<lane::LaneCommands> laneCommands;
    if (cfg.has("sync")) {
        auto laneId = cfg.string("lane_id");
        if (!laneId.ok()) {
            std::cerr << "kiosk: " << laneId.error().message << " (a synced lane needs its device id)\n";
            return 2;
        }
        env.laneId = *laneId;
        auto syncCfg = cfg.child("sync");
        if (!syncCfg.ok()) {
            std::cerr << "kiosk: " << syncCfg.error().message << "\n";
            return 2;
        }
        auto syncOptions = sync::syncOptionsFromConfig(*syncCfg, *laneId, configDir.string());
        if (!syncOptions.ok()) {
            std::cerr << "kiosk: " << syncOptions.error().code << ": " << syncOptions.error().message << "\n";
            return 2;
        }
        auto previous = so.onStarted;
        so.onStarted = [&, previous, opts = *syncOptions](lane::LaneServices& sv, lane::LaneShell& sh, devices::Gate& g,
                                                          core::Clock& c) {
            if (previous) previous(sv, sh, g, c);
            auto created = sync::SyncAgent::create(opts, sv.store(), c);
            if (!created.ok()) {
                std::cerr << "kiosk: sync: " << created.error().code << ": " << created.error().message << "\n";
                return;
            }
            agent = std::move(*created);
            lane::SyncHooks hooks;
            hooks.fetchEnrolment = [a = agent.get()](const std::string& ref) { return a->fetchEnrolment(ref); };
            hooks.enrolmentFreshness = [a = agent.get()](int64_t now) { return lane::mirrorFreshness(a->freshness(now)); };
            sv.setSyncHooks(std::move(hooks));
            // One thread: the command waits by turning the shell itself.
            laneCommands = std::make_unique<lane::LaneCommands>(sh, sv, &g, c, [&sh] { sh.turn(); });
            agent->onCommand([lc = laneCommands.get()](const sync::IncomingCommand& cmd) {
                auto a = lc->execute(lane::LaneCommand{cmd.id, cmd.kind, cmd.args, cmd.issuedBy});
                return sync::CommandAnswer{lane::mirrorCommand(a.outcome), a.detail};
            });
            // The scenario brings its own issuer and trust list; the server's is not used here.
            agent->onTrustList([](const std::vector<uint8_t>&) -> core::Status { return {}; });
            agent->heartbeatSource([&sh, id = env.laneId] { return lane::heartbeatFields(id, sh.snapshot(), sh.gateSnapshot()); });
        };
        auto round = [&] {
            if (!agent) return;
            if (auto st = agent->syncOnce(); !st.ok())
                std::cerr << "kiosk: sync: " << st.error().code << ": " << st.error().message << "\n";
        };
        so.beforeTraveller = round;
        so.afterRun = round;
    }

    so.stop = [&] { return gStop.load() || (ui && ui->quitRequested()); };

    int failures = 0;
    do {
        n = 0;
        auto run = lane::runScenarioFile(a.scenario, env, so);
        std::error_code ec;
        fs::remove_all(env.workDir, ec);
        if (!run.ok()) {
            std::cerr << "kiosk: scenario: " << run.error().code << ": " << run.error().message << "\n";
            return 1;
        }
        if (run->stopped) {
            std::cout << "kiosk: stopped: doors " << (run->doorsClosed ? "closed" : "NOT closed") << ", journal rows "
                      << run->journalRows << ", store closed" << std::endl;
            return run->doorsClosed ? 0 : 1;
        }
        int bad = 0;
        for (auto& t : run->travellers) bad += !t.ok;
        std::cout << "scenario: " << run->travellers.size() - bad << " as expected, " << bad
                  << " differ; journal rows " << run->journalRows << ", officer alerts " << run->alerts
                  << std::endl;
        failures += bad;
        if (ui && ui->quitRequested()) break;
    } while (a.loop && ui && a.screenshots.empty() && !ui->quitRequested() && !gStop.load());
    return failures ? 1 : 0;
}
