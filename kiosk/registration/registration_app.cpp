#include "kiosk/registration/registration_app.h"

#include <unistd.h>

#include <iostream>
#include <random>

#include "core/log.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/io/device_factory.h"
#include "devices/io/image_file.h"
#include "devices/io/receipt_render.h"
#include "devices/sim/sim_printer.h"
#include "kiosk/kiosk_config.h"
#include "kiosk/registration/registration_scenario.h"
#include "kiosk/scenario/scenario_support.h"
#include "kiosk/scenario/simulated_inputs.h"
#ifdef KIOSK_HAS_REGISTRATION_UI
#include "kiosk/registration/registration_ui_bridge.h"
#endif
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/sync_agent.h"

namespace kiosk::registration {

namespace fs = std::filesystem;

namespace {

int fail(const core::Error& e, int code) {
    std::cerr << "kiosk: " << e.code << ": " << e.message << "\n";
    return code;
}

// receipt.* texts of assets/strings/strings.json: {"key": {"zh-Hant": ..., "en": ..., "pt": ...}}.
core::Result<devices::io::ReceiptText> receiptTexts(const fs::path& file) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(file));
    for (const auto& key : devices::io::registrationReceiptKeys())
        if (!j.contains(key) || !j[key].is_object())
            return core::makeError("config.bad_value", file.string() + ": no receipt text \"" + key + "\"");
    return devices::io::ReceiptText([j](const std::string& key, const std::string& lang) -> std::string {
        if (!j.contains(key)) return key;
        const auto& e = j[key];
        if (e.contains(lang) && e[lang].is_string()) return e[lang].get<std::string>();
        return e.value("en", key);
    });
}

}  // namespace

core::Status registrationSetupFromConfig(const core::ConfigView& cfg, RegistrationSettings& settings,
                                         RegistrationConfig& machine) {
    static const core::Json emptyObject = core::Json::object();
    core::ConfigView regCfg(emptyObject, "registration");
    if (cfg.has("registration")) {
        KIOSK_ASSIGN_OR_RETURN(regCfg, cfg.child("registration"));
    }
    KIOSK_TRY(registrationSettingsFromConfig(regCfg, settings, machine));
    if (cfg.has("policy")) {
        KIOSK_ASSIGN_OR_RETURN(settings.policy, policies::loadPolicyConfigFromRoot(cfg.json()));
    }
    return {};
}

core::Result<ReceiptComposer> receiptComposerFromConfig(const core::ConfigView& cfg, const fs::path& configDir) {
    KIOSK_ASSIGN_OR_RETURN(std::string stringsPath, cfg.stringOr("strings", "../strings/strings.json"));
    const fs::path file = fs::path(stringsPath).is_absolute() ? fs::path(stringsPath) : configDir / stringsPath;
    KIOSK_ASSIGN_OR_RETURN(devices::io::ReceiptText texts, receiptTexts(file));
    return ReceiptComposer([tr = std::move(texts)](const ReceiptRequest& r) {
        devices::io::RegistrationReceiptInput in;
        in.reference = r.reference;
        in.language = languageTag(r.language);
        in.issuedAt = r.issuedAt;
        in.usableFrom = r.usableFrom;
        return devices::io::composeRegistrationReceipt(in, tr);
    });
}

int runRegistrationApp(const core::ConfigView& cfg, const RegistrationAppOptions& o) {
    auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? fs::path(p) : o.configDir / p; };
    RegistrationEnvironment env;
    static const core::Json emptyObject = core::Json::object();
    if (auto st = registrationSetupFromConfig(cfg, env.settings, env.machine); !st.ok()) return fail(st.error(), 2);
    auto composer = receiptComposerFromConfig(cfg, o.configDir);
    if (!composer.ok()) return fail(composer.error(), 2);
    env.composer = std::move(*composer);

    // The receipt printer of devices.printer (default: simulated, PNGs in a temp folder).
    const core::Json devicesJson = cfg.has("devices") ? cfg.json()["devices"] : core::Json::object();
    env.makePrinter = [devicesJson](core::Clock& clock) -> core::Result<ScenarioPrinter> {
        KIOSK_ASSIGN_OR_RETURN(auto set, devices::io::createPrinter(core::ConfigView(devicesJson, "devices"), clock));
        ScenarioPrinter p;
        auto* sim = set.simPrinter;
        p.printer = std::move(set.printer);
        p.fault = [sim](const std::string& kind) {
            if (!sim) return;
            if (kind == "clear") {
                sim->loadPaper();
                sim->printerFaults().coverOpen = false;
                sim->faults().lost = false;
            } else if (kind == "out_of_paper") {
                sim->printerFaults().receiptsLeft = 0;  // runs out on the next receipt
            } else if (kind == "cover_open") {
                sim->printerFaults().coverOpen = true;
            } else if (kind == "lost") {
                sim->faults().lost = true;
            }
        };
        return p;
    };

    env.face = o.face;
    env.finger = o.finger;
    scenario::useSimulatedInputs(env, o.sensor);
    env.demoDir = o.buildDir / "demo";
    env.workDir = scenario::temporaryRunDir("kiosk-registration");  // removes those of crashed runs

    // With a "sync" section the enrolments go to the clearance service through the outbox,
    // sealed with the fleet template key; without one, with a key of this run only.
    std::vector<uint8_t> templateKey;
    std::optional<sync::SyncOptions> syncOptions;
    if (cfg.has("sync")) {
        auto s = cfg.child("sync");
        if (!s.ok()) return fail(s.error(), 2);
        auto opts = sync::syncOptionsFromConfig(*s, env.settings.deviceId, o.configDir.string());
        if (!opts.ok()) return fail(opts.error(), 2);
        opts->role = "registration";
        auto key = sync::loadTemplateKey(opts->templateKeyFile);
        if (!key.ok()) return fail(key.error(), 2);
        templateKey = *key;
        syncOptions = *opts;
    } else {
        std::random_device rd;
        for (std::size_t i = 0; i < sync::kTemplateKeyBytes; ++i) templateKey.push_back(static_cast<uint8_t>(rd()));
    }
    env.seal = [templateKey](const store::EnrolmentRow& row) { return sync::sealEnrolmentForWire(row, templateKey); };

    fs::path scenario = o.scenario;
    if (scenario.empty()) {
        auto s = cfg.stringOr("scenario", "../scenarios/registration.json");
        if (!s.ok()) return fail(s.error(), 2);
        scenario = rel(*s);
    }

    RegistrationScenarioOptions so;
    so.repeat = o.repeat < 1 ? 1 : o.repeat;
    std::size_t n = 0;
    so.onResident = [&](const ResidentResult& r) { std::cout << formatResidentLine(++n, r) << std::endl; };
#ifdef KIOSK_HAS_REGISTRATION_UI
    std::unique_ptr<RegistrationUiBridge> ui;
    if (!o.headless) {
        auto uiCfg = cfg.has("ui") ? cfg.child("ui") : core::Result<core::ConfigView>(core::ConfigView(emptyObject, "ui"));
        if (!uiCfg.ok()) return fail(uiCfg.error(), 2);
        RegistrationUiContext ctx;
        ctx.fingers = env.settings.fingers;
        ctx.offices = env.settings.offices;
        ctx.laneDelayMinutes = static_cast<int>(env.settings.policy.delaySelfServiceSeconds / 60);
        ctx.utcOffsetMinutes = static_cast<int>(env.settings.policy.utcOffsetSeconds / 60);
        ctx.deviceId = env.settings.deviceId;
        auto u = RegistrationUiBridge::create(*uiCfg, o.windowed, o.screenshots, ctx, env.machine.timeoutWarning);
        if (!u.ok()) {
            // No mode changes silently (kiosk/kiosk_config.h): only a demo without a display plays on headless.
            std::cerr << uiFailureMessage(u.error(), false);
            if (uiFailure(u.error(), false) == UiFailure::Stop) return u.error().code == "ui.no_display" ? 3 : 2;
            core::logWarn("registration.headless", {{"reason", "no display"}, {"code", u.error().code}});
        } else {
            ui = std::move(*u);
        }
    }
    if (ui) {
        so.onState = [&](const RegistrationState& s) { ui->tick(s); };
        so.onFace = [&](const devices::Frame& f) { ui->setFaceFrame(f); };
    }
#else
    if (!o.headless) std::cerr << "kiosk: this build has no registration screens; the machine runs headless\n";
#endif
    std::unique_ptr<sync::SyncAgent> agent;
#ifdef KIOSK_HAS_REGISTRATION_UI
    so.onStarted = [&](RegistrationServices&, RegistrationShell& sh, core::Clock&) {
        if (ui) ui->setPost([&sh](Event e) { sh.post(std::move(e)); });
    };
#endif
    if (syncOptions) {
        so.onStarted = [&, previous = so.onStarted](RegistrationServices& sv, RegistrationShell& sh, core::Clock& c) {
            if (previous) previous(sv, sh, c);
            auto created = sync::SyncAgent::create(*syncOptions, sv.store(), c);
            if (!created.ok()) {
                std::cerr << "kiosk: sync: " << created.error().code << ": " << created.error().message << "\n";
                return;
            }
            agent = std::move(*created);
            agent->onTrustList([](const std::vector<uint8_t>&) -> core::Status { return {}; });
            agent->heartbeatSource([&sh, id = syncOptions->deviceId] {
                const auto s = sh.snapshot();
                return core::Json{{"lane", id}, {"state", toString(s.state)},
                                  {"in_service", s.state != State::OutOfService}};
            });
        };
        auto round = [&] {
            if (!agent) return;
            if (auto st = agent->syncOnce(); !st.ok())
                std::cerr << "kiosk: sync: " << st.error().code << ": " << st.error().message << "\n";
        };
        so.beforeResident = round;
        so.afterRun = round;
    }

    auto run = runRegistrationScenarioFile(scenario, env, so);
    std::error_code ec;
    fs::remove_all(env.workDir, ec);
    if (!run.ok()) return fail(run.error(), 1);
    int bad = 0;
    for (auto& r : run->residents) bad += !r.ok;
    std::cout << "registration: " << run->residents.size() - bad << " as expected, " << bad << " differ; enrolments "
              << run->enrolments << ", outbox " << run->outbox << ", staff alerts " << run->alerts << std::endl;
    return bad ? 1 : 0;
}

}  // namespace kiosk::registration
