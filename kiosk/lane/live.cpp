#include "kiosk/lane/live.h"

#include <fstream>
#include <optional>
#include <iostream>
#include <sstream>

#include "core/clock.h"
#include "core/log.h"
#include "core/service_notify.h"
#include "credentials/replay_cache.h"
#include "credentials/trust_list.h"
#include "devices/io/device_factory.h"
#include "kiosk/lane/lane_commands.h"
#include "kiosk/lane/hc1_trust.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/lane/lane_sync.h"
#include "kiosk/store/store.h"
#include "kiosk/store/store_lock.h"
#include "kiosk/lane/officer.h"
#include "kiosk/sync/sync_agent.h"
#include "kiosk/sync_bridge.h"
#include "kiosk/lane/ui_bridge.h"
#include "policies/policy_config.h"

namespace kiosk::lane {

namespace fs = std::filesystem;

namespace {

core::Result<std::string> readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return core::makeError("config.unreadable", "cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int fail(const core::Error& e) {
    std::cerr << "kiosk: " << e.code << ": " << e.message << "\n";
    return 2;
}

}  // namespace

int runLive(const core::ConfigView& cfg, const LiveOptions& opt) {
    auto rel = [&](const std::string& p) { return fs::path(p).is_absolute() ? fs::path(p) : opt.configDir / p; };
    core::SystemClock clock;
    // A lane with a screen has the officer overlay: without a PIN hash no officer could
    // ever open it (take the lane out of service, open a door by hand).
    if (opt.ui) {
        if (auto st = requireOfficerPin(cfg); !st.ok()) return fail(st.error());
    }

    static const core::Json empty = core::Json::object();
    auto section = [&](const char* key) -> core::Result<core::ConfigView> {
        if (!cfg.has(key)) return core::ConfigView(empty, key);
        return cfg.child(key);
    };
    auto devCfg = section("devices");
    if (!devCfg.ok()) return fail(devCfg.error());
    auto devs = devices::io::createDevices(*devCfg, clock);
    if (!devs.ok()) return fail(devs.error());

    auto storeCfg = section("store");
    if (!storeCfg.ok()) return fail(storeCfg.error());
    auto dbPath = storeCfg->stringOr("path", "kiosk-data/kiosk.sqlite");
    // Never beside the data by default (store::defaultKeyFile); a missing key is made only
    // for a store that holds nothing sealed with one (StoreOptions::missingKey).
    auto keyPath = storeCfg->stringOr("key_file", store::defaultKeyFile().string());
    if (!dbPath.ok()) return fail(dbPath.error());
    if (!keyPath.ok()) return fail(keyPath.error());
    const fs::path db = rel(*dbPath), key = rel(*keyPath);
    std::error_code ec;
    fs::create_directories(db.parent_path(), ec);
    // One kiosk per store (kiosk/store/store_lock.h), held until the lane stops.
    auto storeLock = store::StoreLock::acquire(db);
    if (!storeLock.ok()) return fail(storeLock.error());
    store::StoreOptions so;
    so.keyFile = key;
    so.missingKey = store::MissingKey::CreateForUnkeyedStore;
    auto st = store::Store::open(db, so);
    if (!st.ok()) return fail(st.error());

    // Trust list: the signed file named in the configuration, or the newer one the
    // clearance service sent last time (kept in the store); without either every crossing
    // QR is refused (qr.unknown_issuer) and the officer is told.
    credentials::TrustStore trust;
    auto trustCfg = section("trust");
    if (!trustCfg.ok()) return fail(trustCfg.error());
    const bool withSync = cfg.has("sync");
    std::string signerPem;
    if (trustCfg->has("signer_public_key")) {
        auto signer = trustCfg->string("signer_public_key");
        if (!signer.ok()) return fail(signer.error());
        auto pem = readText(rel(*signer));
        if (!pem.ok()) return fail(pem.error());
        signerPem = *pem;
    } else if (trustCfg->has("file") || withSync) {
        // The server's trust lists are verified with the same key as the file's.
        return fail(trustCfg->missing("signer_public_key"));
    }
    std::optional<credentials::TrustList> fromFile;
    if (trustCfg->has("file")) {
        auto file = trustCfg->string("file");
        if (!file.ok()) return fail(file.error());
        auto list = credentials::TrustList::loadSignedFile(rel(*file), signerPem);
        if (!list.ok()) return fail(list.error());
        fromFile = std::move(*list);
    }
    if (!signerPem.empty()) {
        auto list = newestTrustList(std::move(fromFile), **st, signerPem);
        if (!list.ok()) return fail(list.error());
        if (list->empty()) core::logWarn("lane.no_trust_list", {{"hint", "set trust.file or wait for the sync"}});
        if (auto r = trust.replace(std::move(*list)); !r.ok()) return fail(r.error());
    } else {
        core::logWarn("lane.no_trust_list", {{"hint", "set trust.file and trust.signer_public_key"}});
    }
    credentials::ReplayCache replay;

    LaneServicesConfig sc;
    auto laneId = cfg.stringOr("lane_id", "LANE-01");
    if (!laneId.ok()) return fail(laneId.error());
    sc.laneId = *laneId;
    // A live lane without a valid trust list would refuse every QR: it stays out of
    // service (trust.missing / trust.stale) until a list arrives (file or sync).
    sc.requireTrustList = true;
    auto policy = policies::loadPolicyConfigFromRoot(cfg.json());
    if (!policy.ok()) return fail(policy.error());
    sc.policy = *policy;
    auto hc1 = hc1SignersFromConfig(*trustCfg, opt.configDir);
    if (!hc1.ok()) return fail(hc1.error());
    sc.hc1 = std::move(*hc1);
    LaneServices services(sc, **st, trust, replay);

    // The clearance service (docs/sync.md): only with a "sync" section; without one the
    // lane works from its own store, as in the demo.
    std::unique_ptr<sync::SyncAgent> agent;
    if (withSync) {
        auto syncCfg = cfg.child("sync");
        if (!syncCfg.ok()) return fail(syncCfg.error());
        auto so = sync::syncOptionsFromConfig(*syncCfg, sc.laneId, opt.configDir.string());
        if (!so.ok()) return fail(so.error());
        auto created = sync::SyncAgent::create(std::move(*so), **st, clock);
        if (!created.ok()) return fail(created.error());
        agent = std::move(*created);
        SyncHooks hooks;
        hooks.fetchEnrolment = [a = agent.get()](const std::string& reference) { return a->fetchEnrolment(reference); };
        hooks.enrolmentFreshness = [a = agent.get()](int64_t now) { return mirrorFreshness(a->freshness(now)); };
        services.setSyncHooks(std::move(hooks));
    }

    ShellObserver obs;
    obs.onTransition = [&](const LaneState& before, const Event&, const LaneState& after) {
        if (opt.ui && (before.state != after.state || before.timeoutWarned != after.timeoutWarned)) opt.ui->show(after);
    };
    obs.onFinished = [&](Outcome o, const std::vector<std::string>& reasons, core::Millis laneTime) {
        std::cout << "crossing: " << toString(o) << " " << (reasons.empty() ? "-" : reasons.front()) << " "
                  << laneTime.count() << " ms" << std::endl;
    };
    LaneDevices dev{devs->qr.get(), devs->document.get(), devs->camera.get(), opt.face, opt.finger, devs->gate.get()};
    LaneShell shell(LaneConfig{}, ShellTuning{}, dev, services, clock, obs);
    if (opt.ui) {
        opt.ui->setOfficerHooks(makeOfficerHooks(services, shell, devs->gate.get(), clock));
        opt.ui->setStaffNotices(makeStaffNotices(services, shell, clock));
        opt.ui->setLaneConfig(LaneConfig{});
    }
    LaneCommands commands(shell, services, devs->gate.get(), clock);
    if (agent) {
        // Commands arrive on the agent's thread; the lane's machine decides (lane_commands.h).
        agent->onCommand([&commands](const sync::IncomingCommand& c) {
            auto a = commands.execute(LaneCommand{c.id, c.kind, c.args, c.issuedBy});
            return sync::CommandAnswer{mirrorCommand(a.outcome), a.detail};
        });
        agent->onTrustList([&](const std::vector<uint8_t>& signedList) {
            return acceptSignedTrustList(signedList, signerPem, trust, **st, core::toUnixSeconds(clock.wallNow()));
        });
        agent->onHealthRules([&services](const core::Json& healthCode) { return acceptHealthRules(healthCode, services); });
        agent->heartbeatSource([&shell, laneId = sc.laneId] { return heartbeatFields(laneId, shell.snapshot(), shell.gateSnapshot()); });
        agent->start();
    }
    std::cout << "kiosk: lane " << sc.laneId << " running on its configured devices (Ctrl-C stops)" << std::endl;
    // systemd (deploy/systemd/kiosk-lane.service): ready now; the watchdog is fed by the
    // lane's own loop, so a hung device call or a stuck UI stops the pings.
    core::ServiceNotifier notifier;
    notifier.ready("lane " + sc.laneId);
    shell.run([&] {
        notifier.alive(std::chrono::steady_clock::now());
        if (opt.ui) opt.ui->tick();
        return (opt.stop && opt.stop->load()) || (opt.ui && opt.ui->quitRequested());
    });
    notifier.stopping();
    if (agent) agent->stop();  // before the lane it calls into goes away
    // Leaving: doors closed.
    if (devs->gate) {
        (void)devs->gate->closeDoor(devices::Door::Entry);
        (void)devs->gate->closeDoor(devices::Door::Exit);
        auto g = devs->gate->status();
        const bool closed = g.ok() && g->entry == devices::DoorState::Closed && g->exit == devices::DoorState::Closed;
        std::cout << "kiosk: stopped: doors " << (closed ? "closed" : "NOT closed") << std::endl;
    }
    return 0;
}

}  // namespace kiosk::lane
