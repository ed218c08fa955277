#pragma once
// A whole lane on one fake clock for the sync-side tests: simulated devices, scripted
// biometric engines (lane_doubles.h), real credentials, policies and SQLite store. The
// test drives the shell turn by turn.
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "credentials/crossing_qr.h"
#include "credentials/keys.h"
#include "credentials/replay_cache.h"
#include "credentials/trust_list.h"
#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_gate.h"
#include "devices/sim/sim_scanners.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/store/store.h"
#include "tests/kiosk/lane_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {

class LaneHarness {
public:
    static constexpr int64_t kStart = 1795307400;  // 2026-11-22 08:30 +08:00

    // Loaded: a fresh trust list, as a scripted lane has. Required: a live lane's rule
    // (LaneServicesConfig::requireTrustList), with a list issued at `requiredListIssuedAt`
    // (0: none yet; loadTrustList() brings one).
    enum class Trust { Loaded, Required };

    explicit LaneHarness(const std::string& tag, lane::SyncHooks hooks = {}, lane::LaneConfig config = {},
                         Trust trustSetup = Trust::Loaded, int64_t requiredListIssuedAt = 0,
                         const std::function<void(lane::LaneServicesConfig&)>& configure = {})
        : clock(core::fromUnixSeconds(kStart)), qr(clock), doc(clock), camera(clock), gate(clock) {
        const auto dir = tempDir(tag);
        check(store::Store::createKeyFile(dir / "bio.key"));
        store::StoreOptions so;
        so.keyFile = dir / "bio.key";
        auto st = store::Store::open(dir / "lane.sqlite", so);
        check(st);
        db = std::move(*st);
        auto key = credentials::generateIssuerKey(credentials::Algorithm::ES256, "hk-test-1");
        check(key);
        issuer = *key;
        if (trustSetup == Trust::Loaded) loadTrustList(kStart - 86400);
        if (trustSetup == Trust::Required && requiredListIssuedAt != 0) loadTrustList(requiredListIssuedAt);
        lane::LaneServicesConfig sc;
        sc.laneId = "LANE-T1";
        sc.requireTrustList = trustSetup == Trust::Required;
        if (configure) configure(sc);
        services = std::make_unique<lane::LaneServices>(sc, *db, trust, replay);
        // Hooks first: the shell checks the lane on its very first state.
        services->setSyncHooks(std::move(hooks));
        camera.play({devices::Image{2, 2, devices::PixelFormat::Gray8, {0, 0, 0, 0}}});
        lane::ShellObserver obs;
        obs.onFinished = [this](lane::Outcome o, const std::vector<std::string>& reasons, core::Millis) {
            finished.push_back(o);
            finishedReasons.push_back(reasons);
        };
        obs.onTransition = [this](const lane::LaneState& before, const lane::Event&, const lane::LaneState& after) {
            if (before.state != after.state) entries.push_back({after.state, clock.monoNow()});
        };
        lane::LaneDevices dev{&qr, &doc, &camera, &face, &finger, &gate};
        shell = std::make_unique<lane::LaneShell>(config, lane::ShellTuning{}, dev, *services, clock, obs);
    }

    int64_t now() const { return core::toUnixSeconds(clock.wallNow()); }

    // A trust list holding the test issuer's key, issued at `issuedAt` (sequence grows).
    void loadTrustList(int64_t issuedAt) {
        credentials::TrustedKey tk;
        tk.kid = issuer.kid;
        tk.alg = issuer.alg;
        tk.publicPem = issuer.publicPem;
        tk.issuer = "HK";
        auto list = credentials::TrustList::fromKeys({tk}, issuedAt, ++trustSequence_);
        check(list);
        check(trust.replace(std::move(*list)));
    }

    // An enrolment that passes every rule (adult, permanent resident, enrolled long ago).
    store::EnrolmentRow enrolmentRow(const std::string& reference, const std::string& document) const {
        store::EnrolmentRow row;
        row.reference = reference;
        row.documentHash = store::documentHash(document);
        row.documentMasked = core::maskDocumentNumber(document);
        row.residency = store::Residency::HongKongPermanent;
        row.dateOfBirth = "1985-03-04";
        row.channel = store::EnrolmentChannel::Machine;
        row.enrolledAt = now() - 40 * 86400;
        row.documentExpiry = "2031-03-04";
        row.faceDescriptors = {store::FaceDescriptor(128, 0.0f)};
        row.fingers = {store::FingerTemplate{"right_index", 1, "1.94", std::vector<uint8_t>(64, 0x5a)}};
        return row;
    }
    void enrol(const std::string& reference, const std::string& document) {
        check(db->enrol(enrolmentRow(reference, document), "test"));
    }

    std::string qrFor(const std::string& reference) {
        credentials::CrossingClaims c;
        c.issuer = "HK";
        c.subject = reference;
        c.issuedAt = now() - 2;
        c.expiresAt = c.issuedAt + 30;
        static const char* hex = "0123456789abcdef";
        for (int i = 0; i < 32; ++i) c.tokenId += hex[rng() & 15];
        auto text = credentials::issueCrossingQr(c, issuer);
        check(text);
        return *text;
    }

    // Turns the shell until `done` or `limit` of lane time has passed.
    bool runUntil(const std::function<bool()>& done, core::Millis limit = core::Millis(120000)) {
        const auto end = clock.monoNow() + limit;
        for (int turns = 0; turns < 200000 && clock.monoNow() < end; ++turns) {
            if (done()) return true;
            shell->turn();
        }
        return done();
    }
    bool runUntilState(lane::State s, core::Millis limit = core::Millis(120000)) {
        return runUntil([&] { return shell->state().state == s; }, limit);
    }
    // A traveller shows `text`; runs until the crossing is over.
    bool cross(const std::string& text, devices::sim::LaneBehaviour behaviour = {}) {
        if (!runUntilState(lane::State::ReadCredential)) return false;
        gate.setBehaviour(behaviour);
        const auto before = finished.size();
        qr.present(text, core::Millis(500));
        return runUntil([&] { return finished.size() > before; }, core::Millis(600000));
    }

    std::vector<store::OutboxItem> outbox(const std::string& kind = "") {
        auto all = db->peekOutbox(10000);
        check(all);
        std::vector<store::OutboxItem> out;
        for (auto& i : *all)
            if (kind.empty() || i.kind == kind) out.push_back(i);
        return out;
    }

    core::FakeClock clock;
    devices::sim::SimQrScanner qr;
    devices::sim::SimDocumentReader doc;
    devices::sim::SimCamera camera;
    devices::sim::SimGate gate;
    ScriptedFaceEngine face;
    ScriptedFingerReader finger;
    std::unique_ptr<store::Store> db;
    credentials::TrustStore trust;
    credentials::ReplayCache replay;
    credentials::IssuerKeyPair issuer;
    std::unique_ptr<lane::LaneServices> services;
    std::unique_ptr<lane::LaneShell> shell;
    std::vector<lane::Outcome> finished;
    std::vector<std::vector<std::string>> finishedReasons;
    std::vector<std::pair<lane::State, core::MonoTime>> entries;  // state changes and when

private:
    template <class R>
    static void check(const R& r) {
        if (!r.ok()) throw std::runtime_error(r.error().code + ": " + r.error().message);
    }
    std::mt19937 rng{7};
    int64_t trustSequence_ = 0;
};

}  // namespace kiosk::testing
