#include "kiosk/lane/scenario.h"

#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "core/clock.h"
#include "core/log.h"
#include "credentials/crossing_qr.h"
#include "credentials/health.h"
#include "credentials/replay_cache.h"
#include "credentials/trust_list.h"
#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_gate.h"
#include "devices/sim/sim_scanners.h"
#include "kiosk/lane/lane_services.h"
#include "kiosk/lane/lane_shell.h"
#include "kiosk/scenario/scenario_support.h"
#include "kiosk/store/store.h"
#include "policies/policy_config.h"

namespace kiosk::lane {

namespace fs = std::filesystem;
using core::ConfigView;
using core::Json;
using core::Millis;

bool ScenarioRun::allOk() const {
    for (auto& t : travellers)
        if (!t.ok) return false;
    return !travellers.empty();
}

std::string formatTravellerLine(std::size_t index, const TravellerResult& r) {
    std::string reasons;
    for (auto& x : r.reasons) reasons += (reasons.empty() ? "" : ",") + x;
    if (reasons.empty()) reasons = "-";
    char buf[512];
    std::snprintf(buf, sizeof buf, "#%-3zu %-34s %-8s %-28s lane %6lld ms  machine %8.1f ms  %s", index,
                  r.name.c_str(), r.outcome.c_str(), reasons.c_str(), static_cast<long long>(r.laneMs),
                  r.machineMs, r.ok ? "ok" : ("EXPECTED " + r.expectedOutcome + " " + r.expectedReason).c_str());
    return buf;
}

namespace {

// "-20d", "-3h", "+10m", "-30s" relative to `now`, or an ISO 8601 time/date.
core::Result<int64_t> timeValue(const ConfigView& v, const std::string& key, int64_t now) {
    KIOSK_ASSIGN_OR_RETURN(std::string s, v.string(key));
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        char unit = s.back();
        long long n = 0;
        try {
            n = std::stoll(s.substr(1, s.size() - 2));
        } catch (...) {
            return v.bad(key, "'" + s + "' is not a relative time like -20d, -3h, -10m, -30s");
        }
        const int64_t mult = unit == 'd' ? 86400 : unit == 'h' ? 3600 : unit == 'm' ? 60 : unit == 's' ? 1 : 0;
        if (!mult) return v.bad(key, "'" + s + "' has an unknown unit (d, h, m, s)");
        return now + (s[0] == '-' ? -1 : 1) * n * mult;
    }
    core::WallTime t;
    if (!core::parseIsoTime(s, t)) return v.bad(key, "'" + s + "' is not an ISO 8601 time or a relative time");
    return core::toUnixSeconds(t);
}

std::string randomHex(std::mt19937_64& rng, int bytes) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        auto b = rng() & 0xff;
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

fs::path resolvePath(const ScenarioEnvironment& env, const std::string& p) {
    return scenario::resolvePath(env.demoDir, env.baseDir, p);
}

core::Result<std::vector<devices::Image>> loadScenarioImages(ScenarioEnvironment& env_, const ConfigView& v, const std::string& key) {
    std::vector<devices::Image> out;
    if (!v.has(key)) return out;
    const Json& arr = v.json()[key];
    if (!arr.is_array()) return v.bad(key, "must be a list of image paths");
    for (std::size_t i = 0; i < arr.size(); ++i) {
        if (!arr[i].is_string()) return v.bad(key + "[" + std::to_string(i) + "]", "must be a path");
        if (!env_.loadImage) return core::makeError("scenario.no_image_loader", "no image loader");
        auto img = env_.loadImage(resolvePath(env_, arr[i].get<std::string>()));
        if (!img.ok())
            return v.bad(key + "[" + std::to_string(i) + "]", img.error().message +
                                                                " (run scripts/setup to generate the demo data)");
        out.push_back(std::move(*img));
    }
    return out;
}

class Runner {
public:
    Runner(const Json& scenario, ScenarioEnvironment& env, const ScenarioOptions& opt)
        : root_(scenario), view_(root_), env_(env), opt_(opt) {}
    // The logger stamps lines with clock_ from setUp() on: give it the system clock back
    // before clock_ goes, on every way out of run() (errors included).
    ~Runner() { core::Logger::instance().setTimeSource(nullptr); }
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    core::Result<ScenarioRun> run();

private:
    fs::path resolve(const std::string& p) const { return resolvePath(env_, p); }
    core::Result<std::vector<devices::Image>> loadImages(const ConfigView& v, const std::string& key) {
        return loadScenarioImages(env_, v, key);
    }
    core::Status setUp();
    core::Status enrol(const ConfigView& e, std::size_t i);
    core::Result<std::string> credentialText(const ConfigView& t, std::size_t index);
    core::Result<TravellerResult> traveller(const ConfigView& t, std::size_t index);
    void runUntil(const std::function<bool()>& done, Millis limit);
    bool stopping() const { return opt_.stop && opt_.stop(); }
    void closeDoors(ScenarioRun& out);
    void clearInputs();

    Json root_;
    ConfigView view_;
    ScenarioEnvironment& env_;
    const ScenarioOptions& opt_;

    std::unique_ptr<core::FakeClock> clock_;
    std::unique_ptr<devices::sim::SimQrScanner> qr_;
    std::unique_ptr<devices::sim::SimDocumentReader> doc_;
    std::unique_ptr<devices::sim::SimCamera> camera_;
    std::unique_ptr<devices::sim::SimGate> gate_;
    std::unique_ptr<store::Store> store_;
    credentials::TrustStore trust_;
    std::unique_ptr<credentials::ReplayCache> replay_;
    std::unique_ptr<LaneServices> services_;
    std::unique_ptr<LaneShell> shell_;
    credentials::IssuerKeyPair issuer_, rogue_;
    std::mt19937_64 rng_{20261122};
    std::vector<std::string> issued_;  // QR texts by traveller index (for replays)

    // Per-traveller bookkeeping, set by the shell observer.
    std::optional<Outcome> finished_;
    std::vector<std::string> finishedReasons_;
    Millis finishedLaneTime_{0};
    std::string faultAt_, faultDevice_, faultKind_;
    std::optional<core::MonoTime> releaseAt_;
    std::vector<devices::Image> faceFrames_;
    Millis releaseAfter_{0};
};

core::Status Runner::setUp() {
    KIOSK_ASSIGN_OR_RETURN(int64_t start, view_.unixTime("start_time"));
    clock_ = std::make_unique<core::FakeClock>(core::fromUnixSeconds(start));
    core::Logger::instance().setTimeSource([c = clock_.get()] { return core::formatIsoUtc(c->wallNow()); });
    qr_ = std::make_unique<devices::sim::SimQrScanner>(*clock_);
    doc_ = std::make_unique<devices::sim::SimDocumentReader>(*clock_);
    camera_ = std::make_unique<devices::sim::SimCamera>(*clock_);
    gate_ = std::make_unique<devices::sim::SimGate>(*clock_);

    KIOSK_ASSIGN_OR_RETURN(store_, scenario::openFreshStore(env_.workDir, "scenario.sqlite"));

    // The demo's issuing authority: a fresh key each run, and a trust list made for it.
    KIOSK_ASSIGN_OR_RETURN(issuer_, credentials::generateIssuerKey(credentials::Algorithm::ES256, "hk-demo-1"));
    KIOSK_ASSIGN_OR_RETURN(rogue_, credentials::generateIssuerKey(credentials::Algorithm::ES256, "hk-demo-1"));
    KIOSK_ASSIGN_OR_RETURN(int64_t trustAge, view_.integerOr("trust_list_age_days", 1, 0, 365));
    credentials::TrustedKey tk;
    tk.kid = issuer_.kid;
    tk.alg = issuer_.alg;
    tk.publicPem = issuer_.publicPem;
    tk.issuer = "HK";
    tk.purpose = credentials::KeyPurpose::Any;  // crossing tokens and health codes
    KIOSK_ASSIGN_OR_RETURN(auto list, credentials::TrustList::fromKeys({tk}, start - trustAge * 86400));
    KIOSK_TRY(trust_.replace(std::move(list)));
    replay_ = std::make_unique<credentials::ReplayCache>();

    LaneServicesConfig sc;
    KIOSK_ASSIGN_OR_RETURN(sc.laneId, view_.stringOr("lane_id", "DEMO-01"));
    if (!env_.laneId.empty()) sc.laneId = env_.laneId;
    KIOSK_ASSIGN_OR_RETURN(sc.policy, policies::loadPolicyConfigFromRoot(root_));
    services_ = std::make_unique<LaneServices>(sc, *store_, trust_, *replay_);

    if (view_.has("enrolments")) {
        const Json& list = root_["enrolments"];
        if (!list.is_array()) return view_.bad("enrolments", "must be a list");
        for (std::size_t i = 0; i < list.size(); ++i) KIOSK_TRY(enrol(ConfigView(list[i], "enrolments[" + std::to_string(i) + "]"), i));
    }

    ShellObserver obs;
    obs.onTransition = [this](const LaneState& before, const Event&, const LaneState& after) {
        // Each face attempt (a re-entry too) the screen prompts the challenge again and the
        // traveller performs it.
        if (before.epoch != after.epoch && after.state == State::CaptureFace) camera_->play(faceFrames_);
        if (before.epoch != after.epoch && before.timeoutWarned != after.timeoutWarned && opt_.onState)
            opt_.onState(after);
        if (before.epoch != after.epoch && before.state != after.state) {
            if (opt_.onState) opt_.onState(after);
            if (!faultAt_.empty() && faultAt_ == toString(after.state)) {
                devices::sim::FaultSwitches* f = faultDevice_ == "camera" ? &camera_->faults()
                                                 : faultDevice_ == "qr"   ? &qr_->faults()
                                                 : faultDevice_ == "gate" ? &gate_->faults()
                                                                          : nullptr;
                if (faultDevice_ == "gate" && faultKind_ == "jam") gate_->jamDoor(devices::Door::Exit);
                else if (faultDevice_ == "gate" && faultKind_ == "fire") gate_->setFireAlarm(true);
                else if (f) (faultKind_ == "timeout" ? f->timeout : f->lost) = true;
                faultAt_.clear();
            }
            if (after.state == State::Refused && after.holdForOfficer && releaseAfter_.count() > 0)
                releaseAt_ = clock_->monoNow() + releaseAfter_;
        }
    };
    obs.onFinished = [this](Outcome o, const std::vector<std::string>& reasons, Millis laneTime) {
        finished_ = o;
        finishedReasons_ = reasons;
        finishedLaneTime_ = laneTime;
    };
    obs.onFace = [this](const devices::Frame& f, const devices::FaceMatch& m) {
        if (opt_.onFace) opt_.onFace(shell_->state(), f, m);
    };
    LaneConfig lc;
    LaneDevices dev{qr_.get(), doc_.get(), camera_.get(), env_.face, env_.finger, gate_.get()};
    shell_ = std::make_unique<LaneShell>(lc, ShellTuning{}, dev, *services_, *clock_, obs);
    if (opt_.onStarted) opt_.onStarted(*services_, *shell_, *gate_, *clock_);
    return {};
}

core::Status Runner::enrol(const ConfigView& e, std::size_t) {
    KIOSK_ASSIGN_OR_RETURN(std::string at, e.oneOf("at", {"lane", "server"}, "lane"));
    // "server": made at an enrolment office and imported into the clearance service
    // (kioskctl enrolment export/import); the lane only gets it through the sync.
    if (at == "server") return {};
    const int64_t now = core::toUnixSeconds(clock_->wallNow());
    KIOSK_ASSIGN_OR_RETURN(store::EnrolmentRow row, makeScenarioEnrolment(e, env_, *clock_));
    auto r = store_->enrol(row, "scenario");
    if (!r.ok()) return r.error();
    if (e.has("watchlist") && e.json()["watchlist"] == true) KIOSK_TRY(store_->addToWatchlist(row.documentHash, now));
    return {};
}

core::Result<std::string> Runner::credentialText(const ConfigView& t, std::size_t index) {
    if (t.has("qr_text")) return t.string("qr_text");
    if (t.has("replay_of")) {
        KIOSK_ASSIGN_OR_RETURN(int64_t i, t.integer("replay_of", 0, int64_t(index) - 1));
        return issued_.at(static_cast<std::size_t>(i));
    }
    KIOSK_ASSIGN_OR_RETURN(ConfigView q, t.child("qr"));
    const int64_t now = core::toUnixSeconds(clock_->wallNow());
    credentials::CrossingClaims c;
    c.issuer = "HK";
    KIOSK_ASSIGN_OR_RETURN(c.subject, q.string("enrolment"));
    KIOSK_ASSIGN_OR_RETURN(int64_t age, q.integerOr("age_seconds", 2, -3600, 86400));
    c.issuedAt = now - age;
    c.expiresAt = c.issuedAt + 30;
    c.tokenId = randomHex(rng_, 16);
    KIOSK_ASSIGN_OR_RETURN(bool rogue, q.booleanOr("rogue_key", false));
    KIOSK_ASSIGN_OR_RETURN(std::string text, credentials::issueCrossingQr(c, rogue ? rogue_ : issuer_));
    KIOSK_ASSIGN_OR_RETURN(bool tamper, q.booleanOr("tamper", false));
    if (tamper) {
        // Flip one Base45 character in the middle: the payload no longer matches its signature
        // (or no longer decodes at all).
        auto& ch = text[text.size() / 2];
        ch = ch == 'A' ? 'B' : 'A';
    }
    return text;
}

void Runner::runUntil(const std::function<bool()>& done, Millis limit) {
    const auto end = clock_->monoNow() + limit;
    int turns = 0;
    while (!done() && clock_->monoNow() < end && ++turns < 200000 && !stopping()) {
        if (releaseAt_ && clock_->monoNow() >= *releaseAt_) {
            releaseAt_.reset();
            shell_->post(ev::OfficerRelease{});
        }
        shell_->turn();
    }
}

void Runner::clearInputs() {
    qr_->clear();
    doc_->clear();
    camera_->play({});
    if (env_.clearFingers) env_.clearFingers();
}

core::Result<TravellerResult> Runner::traveller(const ConfigView& t, std::size_t index) {
    TravellerResult r;
    KIOSK_ASSIGN_OR_RETURN(r.name, t.string("name"));
    KIOSK_ASSIGN_OR_RETURN(ConfigView expect, t.child("expect"));
    KIOSK_ASSIGN_OR_RETURN(r.expectedOutcome, expect.oneOf("outcome", {"passed", "refused", "aborted", "fault"}));
    KIOSK_ASSIGN_OR_RETURN(r.expectedReason, expect.stringOr("reason", ""));

    // Time passes before this traveller (days without travellers: retention, trust-list age).
    KIOSK_ASSIGN_OR_RETURN(int64_t waitDays, t.integerOr("wait_days", 0, 0, 3650));
    if (waitDays > 0) clock_->advance(Millis(waitDays * 86400 * 1000));

    // The lane must be waiting for a credential before the traveller steps up. An officer
    // who took it out of service from the overlay holds the queue until they put it back.
    const auto held = [&] { return opt_.whileOfficerHolds && shell_->state().officerOutOfService; };
    // An officer's action posted meanwhile is taken first (it may stop the lane).
    for (int i = 0; i < 100 && opt_.whileOfficerHolds && shell_->eventsPending(); ++i) shell_->turn();
    for (;;) {
        runUntil([&] { return shell_->state().state == State::ReadCredential || held(); }, Millis(120000));
        if (!held() || stopping()) break;
        while (held() && !stopping()) {
            opt_.whileOfficerHolds();
            shell_->turn();
        }
    }
    if (stopping()) return r;
    if (shell_->state().state != State::ReadCredential)
        return core::makeError("scenario.lane_not_ready", r.name + ": lane not ready (" +
                                                              toString(shell_->state().state) + ")");

    devices::sim::LaneBehaviour lb;
    if (t.has("lane")) {
        KIOSK_ASSIGN_OR_RETURN(ConfigView l, t.child("lane"));
        KIOSK_ASSIGN_OR_RETURN(int64_t n, l.integerOr("entrants", 1, 0, 5));
        KIOSK_ASSIGN_OR_RETURN(int64_t ed, l.integerOr("entry_delay_ms", 1500, 0, 600000));
        KIOSK_ASSIGN_OR_RETURN(int64_t xd, l.integerOr("exit_delay_ms", 1500, 0, 600000));
        lb.entrants = int(n);
        lb.entryDelay = Millis(ed);
        lb.exitDelay = Millis(xd);
    }
    gate_->setBehaviour(lb);
    KIOSK_ASSIGN_OR_RETURN(faceFrames_, loadImages(t, "face"));
    camera_->play(faceFrames_);
    if (t.has("finger") && env_.presentFingers) {
        std::vector<fs::path> files;
        for (auto& f : t.json()["finger"]) files.push_back(resolve(f.get<std::string>()));
        KIOSK_TRY(env_.presentFingers(files));
    }
    faultAt_.clear();
    if (t.has("fault")) {
        KIOSK_ASSIGN_OR_RETURN(ConfigView f, t.child("fault"));
        KIOSK_ASSIGN_OR_RETURN(faultDevice_, f.oneOf("device", {"camera", "qr", "gate"}));
        KIOSK_ASSIGN_OR_RETURN(faultKind_, f.oneOf("kind", {"lost", "timeout", "jam", "fire"}));
        KIOSK_ASSIGN_OR_RETURN(faultAt_, f.string("at"));
    }
    KIOSK_ASSIGN_OR_RETURN(int64_t rel, t.integerOr("officer_release_after_ms", 0, 0, 600000));
    releaseAfter_ = Millis(rel);
    releaseAt_.reset();

    std::string text;
    if (t.has("mrz")) {
        std::vector<std::string> lines;
        for (auto& l : t.json()["mrz"]) lines.push_back(l.get<std::string>());
        doc_->insert(lines, Millis(1200));
    } else {
        KIOSK_ASSIGN_OR_RETURN(text, credentialText(t, index));
        KIOSK_ASSIGN_OR_RETURN(int64_t delay, t.integerOr("present_after_ms", 800, 0, 60000));
        qr_->present(text, Millis(delay));
        if (t.has("health_code")) {
            // The second QR: the health code, shown when the lane asks for it.
            KIOSK_ASSIGN_OR_RETURN(ConfigView h, t.child("health_code"));
            credentials::HealthCodeClaims hc;
            hc.issuer = "HK";
            KIOSK_ASSIGN_OR_RETURN(hc.subject, h.string("enrolment"));
            KIOSK_ASSIGN_OR_RETURN(std::string colour, h.oneOf("colour", {"green", "amber", "red"}));
            hc.colour = *credentials::healthColourFromName(colour);
            KIOSK_ASSIGN_OR_RETURN(int64_t age, h.integerOr("age_minutes", 30, 0, 100000));
            hc.issuedAt = core::toUnixSeconds(clock_->wallNow()) - age * 60;
            hc.tokenId = randomHex(rng_, 16);
            KIOSK_ASSIGN_OR_RETURN(std::string htext, credentials::issueHealthCodeToken(hc, issuer_));
            qr_->present(htext, Millis(1500));
        }
    }
    issued_.resize(index + 1);
    issued_[index] = text;

    finished_.reset();
    const auto t0 = std::chrono::steady_clock::now();
    runUntil([&] { return finished_.has_value() || (held() && shell_->state().state == State::OutOfService); },
             Millis(600000));
    if (stopping()) return r;
    if (!finished_ && held()) {
        // Stopped by the officer before this traveller began: nobody crossed.
        r.outcome = "not_run";
        clearInputs();
        return r;
    }
    r.machineMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!finished_) return core::makeError("scenario.stuck", r.name + ": the crossing did not finish (state " +
                                                                 std::string(toString(shell_->state().state)) + ")");
    r.outcome = toString(*finished_);
    r.reasons = finishedReasons_;
    r.laneMs = finishedLaneTime_.count();

    if (*finished_ == Outcome::Fault || *finished_ == Outcome::Aborted) {
        // The technician reconnects the device; the officer walks the traveller out.
        camera_->faults().lost = camera_->faults().timeout = false;
        qr_->faults().lost = qr_->faults().timeout = false;
        gate_->faults().lost = gate_->faults().timeout = false;
        gate_->jamDoor(std::nullopt);
        gate_->setOccupancy(0);
        if (*finished_ == Outcome::Aborted) {
            // Everyone left through the open doors; the alarm is reset later.
            runUntil([&] { return false; }, Millis(3000));
            gate_->setFireAlarm(false);
        }
    }
    clearInputs();
    bool reasonOk = r.expectedReason.empty();
    for (auto& x : r.reasons) reasonOk = reasonOk || x == r.expectedReason;
    r.ok = r.outcome == r.expectedOutcome && reasonOk;
    return r;
}

void Runner::closeDoors(ScenarioRun& out) {
    (void)gate_->closeDoor(devices::Door::Entry);
    (void)gate_->closeDoor(devices::Door::Exit);
    auto g = gate_->status();
    out.doorsClosed = g.ok() && g->entry == devices::DoorState::Closed && g->exit == devices::DoorState::Closed;
}

core::Result<ScenarioRun> Runner::run() {
    KIOSK_TRY(setUp());
    ScenarioRun out;
    if (!view_.has("travellers") || !root_["travellers"].is_array())
        return view_.bad("travellers", "must be a list of travellers");
    const Json& list = root_["travellers"];
    for (int rep = 0; rep < opt_.repeat && !stopping(); ++rep) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            ConfigView tv(list[i], "travellers[" + std::to_string(i) + "]");
            if (stopping()) break;
            if (opt_.beforeTraveller) opt_.beforeTraveller();
            KIOSK_ASSIGN_OR_RETURN(auto r, traveller(tv, i));
            if (stopping()) break;
            if (opt_.onTraveller) opt_.onTraveller(r);
            if (opt_.keepResults) out.travellers.push_back(std::move(r));
        }
    }
    if (stopping()) {
        out.stopped = true;
        closeDoors(out);
        if (auto c = store_->counts(); c.ok()) out.journalRows = c->crossings;
        out.alerts = static_cast<std::size_t>(services_->alertCount());
        return out;
    }
    // Let the lane settle back to its welcome screen.
    runUntil([&] { return shell_->state().state == State::ReadCredential; }, Millis(60000));
    closeDoors(out);
    if (opt_.afterRun) opt_.afterRun();
    if (auto c = store_->counts(); c.ok()) out.journalRows = c->crossings;
    out.alerts = static_cast<std::size_t>(services_->alertCount());
    return out;
}

}  // namespace

core::Result<store::EnrolmentRow> makeScenarioEnrolment(const ConfigView& e, ScenarioEnvironment& env_,
                                                         core::Clock& clock) {
    core::Clock* clock_ = &clock;
    const int64_t now = core::toUnixSeconds(clock_->wallNow());
    store::EnrolmentRow row;
    KIOSK_ASSIGN_OR_RETURN(row.reference, e.string("reference"));
    KIOSK_ASSIGN_OR_RETURN(std::string doc, e.string("document"));
    row.documentHash = store::documentHash(doc);
    row.documentMasked = core::maskDocumentNumber(doc);
    KIOSK_ASSIGN_OR_RETURN(std::string res, e.oneOf("residency", {"hk_permanent", "mo_permanent", "hk_non_permanent", "mo_non_permanent", "other"}));
    KIOSK_ASSIGN_OR_RETURN(row.residency, store::parseResidency(res));
    KIOSK_ASSIGN_OR_RETURN(row.dateOfBirth, e.string("date_of_birth"));
    KIOSK_ASSIGN_OR_RETURN(std::string ch, e.oneOf("channel", {"machine", "office"}));
    KIOSK_ASSIGN_OR_RETURN(row.channel, store::parseEnrolmentChannel(ch));
    KIOSK_ASSIGN_OR_RETURN(row.enrolledAt, timeValue(e, "enrolled", now));
    KIOSK_ASSIGN_OR_RETURN(row.documentExpiry, e.string("document_expiry"));
    KIOSK_ASSIGN_OR_RETURN(row.active, e.booleanOr("active", true));

    KIOSK_ASSIGN_OR_RETURN(auto faces, loadScenarioImages(env_, e, "face"));
    if (!faces.empty()) {
        if (!env_.face) return core::makeError("scenario.no_face_engine", e.keyPath("face") + ": no face engine");
        std::vector<devices::Frame> frames;
        for (auto& img : faces) frames.push_back({img, clock_->monoNow(), frames.size()});
        auto d = env_.face->enrol(frames, 5);
        if (!d.ok()) return core::makeError(d.error().code, e.keyPath("face") + ": " + d.error().message);
        row.faceDescriptors.assign(d->begin(), d->end());
    }
    if (e.has("finger")) {
        if (!env_.finger || !env_.presentFingers)
            return core::makeError("scenario.no_finger_reader", e.keyPath("finger") + ": no fingerprint reader");
        std::vector<fs::path> files;
        for (auto& f : e.json()["finger"]) files.push_back(resolvePath(env_, f.get<std::string>()));
        KIOSK_TRY(env_.presentFingers(files));
        auto p = env_.finger->enroll({}, Millis(60000));
        if (!p.ok()) return core::makeError(p.error().code, e.keyPath("finger") + ": " + p.error().message);
        store::FingerTemplate t;
        t.finger = "right_index";
        t.libfprintVersion = "1.94";
        t.data = p->print;
        row.fingers.push_back(std::move(t));
    }
    return row;
}

core::Result<ScenarioRun> runScenario(const Json& scenario, ScenarioEnvironment& env, const ScenarioOptions& options) {
    Runner r(scenario, env, options);
    return r.run();
}

core::Result<ScenarioRun> runScenarioFile(const fs::path& file, ScenarioEnvironment& env,
                                          const ScenarioOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(Json j, scenario::loadScenarioFile(file, &env.baseDir));
    return runScenario(j, env, options);
}

}  // namespace kiosk::lane
