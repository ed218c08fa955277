// `kiosk --mode registration --live`: the registration machine on its configured devices,
// in real time, until stopped (the lane's counterpart is kiosk/lane/live.cpp).
#include <atomic>
#include <csignal>
#include <iostream>

#include "core/clock.h"
#include "core/log.h"
#include "core/service_notify.h"
#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/io/device_factory.h"
#include "kiosk/kiosk_config.h"
#include "kiosk/registration/registration_app.h"
#ifdef KIOSK_HAS_REGISTRATION_UI
#include "kiosk/registration/registration_ui_bridge.h"
#endif
#include "kiosk/store/store.h"
#include "kiosk/store/store_lock.h"
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "kiosk/sync/sync_agent.h"

namespace kiosk::registration {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> gStop{false};
void onSignal(int) { gStop = true; }

int fail(const core::Error& e, int code) {
    std::cerr << "kiosk: " << e.code << ": " << e.message << "\n";
    return code;
}

// The key rules (refuse a missing key when the store holds sealed data, refuse a wrong
// key or one others can read) are the store's own: StoreOptions::missingKey.
core::Result<std::unique_ptr<store::Store>> openStore(const core::ConfigView& storeCfg, const fs::path& configDir) {
    auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? fs::path(p) : configDir / p; };
    KIOSK_ASSIGN_OR_RETURN(std::string dbPath, storeCfg.stringOr("path", "kiosk-data/registration.sqlite"));
    KIOSK_ASSIGN_OR_RETURN(std::string keyPath, storeCfg.stringOr("key_file", store::defaultKeyFile().string()));
    const fs::path db = rel(dbPath);
    std::error_code ec;
    fs::create_directories(db.parent_path(), ec);
    store::StoreOptions so;
    so.keyFile = rel(keyPath);
    so.missingKey = store::MissingKey::CreateForUnkeyedStore;
    return store::Store::open(db, so);
}

}  // namespace

int runRegistrationLive(const core::ConfigView& cfg, const RegistrationAppOptions& o) {
    core::SystemClock clock;
    static const core::Json emptyObject = core::Json::object();
    auto section = [&](const char* key) -> core::Result<core::ConfigView> {
        if (!cfg.has(key)) return core::ConfigView(emptyObject, key);
        return cfg.child(key);
    };

    RegistrationSettings settings;
    RegistrationConfig machine;
    if (auto st = registrationSetupFromConfig(cfg, settings, machine); !st.ok()) return fail(st.error(), 2);
    auto composer = receiptComposerFromConfig(cfg, o.configDir);
    if (!composer.ok()) return fail(composer.error(), 2);

    // Devices: the document reader and the camera of devices.* (sim by default), the receipt
    // printer of devices.printer, the fingerprint reader of "fingerprint".
    auto devCfg = section("devices");
    if (!devCfg.ok()) return fail(devCfg.error(), 2);
    auto devs = devices::io::createDevices(*devCfg, clock);
    if (!devs.ok()) return fail(devs.error(), 2);
    auto printer = devices::io::createPrinter(*devCfg, clock);
    if (!printer.ok()) return fail(printer.error(), 2);
    std::unique_ptr<devices::FingerprintReader> ownFinger;
    devices::FingerprintReader* finger = o.finger;
    if (cfg.has("fingerprint")) {
        auto fc = cfg.child("fingerprint");
        if (!fc.ok()) return fail(fc.error(), 2);
        auto r = devices::fingerprint::makeFingerprintReader(*fc, o.fingerSource);
        if (!r.ok()) return fail(r.error(), 3);
        ownFinger = std::move(*r);
        finger = ownFinger.get();
    }

    auto storeCfg = section("store");
    if (!storeCfg.ok()) return fail(storeCfg.error(), 2);
    // One machine per store (kiosk/store/store_lock.h), held until the machine stops.
    auto lockPath = storeCfg->stringOr("path", "kiosk-data/registration.sqlite");
    if (!lockPath.ok()) return fail(lockPath.error(), 2);
    std::error_code lockDirError;
    const fs::path lockStore = fs::path(*lockPath).is_absolute() ? fs::path(*lockPath) : o.configDir / *lockPath;
    fs::create_directories(lockStore.parent_path(), lockDirError);
    auto storeLock = store::StoreLock::acquire(lockStore);
    if (!storeLock.ok()) return fail(storeLock.error(), 3);
    auto st = openStore(*storeCfg, o.configDir);
    if (!st.ok()) return fail(st.error(), 3);

    // With a "sync" section the enrolments are sealed with the fleet template key and pushed
    // by the agent. Without one nothing could open them later, so none is queued: they stay
    // in this machine's store.
    std::optional<sync::SyncOptions> syncOptions;
    SealForWire seal;
    if (cfg.has("sync")) {
        auto s = cfg.child("sync");
        if (!s.ok()) return fail(s.error(), 2);
        auto opts = sync::syncOptionsFromConfig(*s, settings.deviceId, o.configDir.string());
        if (!opts.ok()) return fail(opts.error(), 2);
        opts->role = "registration";
        auto key = sync::loadTemplateKey(opts->templateKeyFile);
        if (!key.ok()) return fail(key.error(), 2);
        seal = [k = *key](const store::EnrolmentRow& row) { return sync::sealEnrolmentForWire(row, k); };
        syncOptions = std::move(*opts);
    } else {
        core::logWarn("registration.no_sync", {{"device", settings.deviceId},
                                               {"hint", "no sync section: enrolments stay in this machine's store, "
                                                        "no outbox row, no lane will see them"}});
        std::cerr << "kiosk: no \"sync\" section: enrolments stay in this machine's store (no server)\n";
    }
    RegistrationServices services(settings, **st, seal);

#ifdef KIOSK_HAS_REGISTRATION_UI
    std::unique_ptr<RegistrationUiBridge> ui;
    if (!o.headless) {
        auto uiCfg = section("ui");
        if (!uiCfg.ok()) return fail(uiCfg.error(), 2);
        RegistrationUiContext ctx;
        ctx.fingers = settings.fingers;
        ctx.offices = settings.offices;
        ctx.laneDelayMinutes = static_cast<int>(settings.policy.delaySelfServiceSeconds / 60);
        ctx.utcOffsetMinutes = static_cast<int>(settings.policy.utcOffsetSeconds / 60);
        ctx.deviceId = settings.deviceId;
        auto u = RegistrationUiBridge::create(*uiCfg, o.windowed, o.screenshots, ctx, machine.timeoutWarning);
        if (!u.ok()) {
            // No mode changes silently (kiosk/kiosk_config.h): only a demo without a display plays on headless.
            std::cerr << uiFailureMessage(u.error(), true);
            if (uiFailure(u.error(), true) == UiFailure::Stop) return u.error().code == "ui.no_display" ? 3 : 2;
            core::logWarn("registration.headless", {{"reason", "no display"}, {"code", u.error().code}});
        } else {
            ui = std::move(*u);
        }
    }
#else
    if (!o.headless) std::cerr << "kiosk: this build has no registration screens; the machine runs headless\n";
#endif

    RegistrationObserver obs;
    obs.onFinished = [](Outcome out, const std::vector<std::string>& reasons, const RegistrationState&,
                        core::Millis sessionTime) {
        // No reference, no document: the outcome and the first reason only.
        std::cout << "registration: " << toString(out) << " " << (reasons.empty() ? "-" : reasons.front()) << " "
                  << sessionTime.count() << " ms" << std::endl;
    };
#ifdef KIOSK_HAS_REGISTRATION_UI
    if (ui) obs.onFace = [&ui](const devices::Frame& f, FaceHint) { ui->setFaceFrame(f); };
#endif
    RegistrationTuning tuning;
    tuning.faceDescriptors = settings.faceDescriptors;
    // No card slot sensor on a real reader yet: the shell trusts the "take your card" prompt.
    RegistrationDevices dev{devs->document.get(), nullptr, devs->camera.get(), o.face, finger, printer->printer.get()};
    RegistrationShell shell(machine, tuning, dev, services, clock, std::move(*composer), obs);
#ifdef KIOSK_HAS_REGISTRATION_UI
    if (ui) ui->setPost([&shell](Event e) { shell.post(std::move(e)); });
#endif

    std::unique_ptr<sync::SyncAgent> agent;
    if (syncOptions) {
        auto created = sync::SyncAgent::create(*syncOptions, **st, clock);
        if (!created.ok()) return fail(created.error(), 2);
        agent = std::move(*created);
        // The machine checks no QR: the trust list the server sends is not needed here.
        agent->onTrustList([](const std::vector<uint8_t>&) -> core::Status { return {}; });
        agent->heartbeatSource([&shell, id = settings.deviceId] {
            const auto s = shell.snapshot();
            return core::Json{{"lane", id}, {"state", toString(s.state)}, {"in_service", s.state != State::OutOfService}};
        });
        agent->start();
    }

    gStop = false;
    auto previousInt = std::signal(SIGINT, onSignal);
    auto previousTerm = std::signal(SIGTERM, onSignal);
    std::cout << "kiosk: registration machine " << settings.deviceId
              << " running on its configured devices (Ctrl-C stops)" << std::endl;
    core::ServiceNotifier notifier;  // systemd: ready now, the watchdog fed by the machine's loop
    notifier.ready("registration " + settings.deviceId);
    shell.run([&] {
        notifier.alive(std::chrono::steady_clock::now());
#ifdef KIOSK_HAS_REGISTRATION_UI
        if (ui) {
            ui->tick(shell.snapshot());  // every turn: the countdown follows the clock
            if (ui->quitRequested()) return true;
        }
#endif
        return gStop.load();
    });
    notifier.stopping();
    if (agent) agent->stop();  // before the shell its heartbeat reads goes away
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
    std::cout << "kiosk: registration machine stopped" << std::endl;
    return 0;
}

}  // namespace kiosk::registration
