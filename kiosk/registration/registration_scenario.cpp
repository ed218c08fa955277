#include "kiosk/registration/registration_scenario.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "core/log.h"
#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_scanners.h"
#include "kiosk/registration/sim_card.h"
#include "kiosk/scenario/scenario_support.h"
#include "kiosk/store/store.h"
#include "policies/policy_config.h"

namespace kiosk::registration {

namespace fs = std::filesystem;
using core::ConfigView;
using core::Json;
using core::Millis;

bool RegistrationRun::allOk() const {
    for (auto& r : residents)
        if (!r.ok) return false;
    return !residents.empty();
}

std::string formatResidentLine(std::size_t index, const ResidentResult& r) {
    std::string reasons;
    for (auto& x : r.reasons) reasons += (reasons.empty() ? "" : ",") + x;
    if (reasons.empty()) reasons = "-";
    const std::string ref = r.reference.empty() ? "-" : r.reference;
    const std::string usable = r.usableFrom ? core::formatIsoUtc(core::fromUnixSeconds(r.usableFrom)) : "-";
    char buf[640];
    std::snprintf(buf, sizeof buf, "#%-3zu %-36s %-9s %-28s ref %-14s usable %-20s session %7lld ms  machine %8.1f ms  %s",
                  index, r.name.c_str(), r.outcome.c_str(), reasons.c_str(), ref.c_str(), usable.c_str(),
                  static_cast<long long>(r.sessionMs), r.machineMs,
                  r.ok ? "ok" : ("EXPECTED " + r.expectedOutcome + " " + r.expectedReason).c_str());
    return buf;
}

namespace {

// Prints everything, never fails: the run without a configured printer.
class AlwaysPrinter final : public devices::ReceiptPrinter {
public:
    core::Result<devices::PrinterStatus> status() override { return devices::PrinterStatus{}; }
    core::Status print(const devices::Receipt&) override { return {}; }
    devices::DeviceHealth health() const override { return {"printer", devices::DeviceState::Ready, "always"}; }
};

core::Status checkKnown(const core::ConfigView& v, const std::vector<std::string>& known) {
    return v.onlyKeys(known, "docs/registration.md");
}

core::Result<std::vector<fs::path>> pathList(const RegistrationEnvironment& env, const ConfigView& v, const std::string& key,
                                            const Json& arr) {
    std::vector<fs::path> out;
    if (!arr.is_array()) return v.bad(key, "must be a list of image paths");
    for (const auto& p : arr) {
        if (!p.is_string()) return v.bad(key, "must be a list of image paths");
        out.push_back(scenario::resolvePath(env.demoDir, env.baseDir, p.get<std::string>()));
    }
    return out;
}

core::Result<Language> languageOf(const ConfigView& v) {
    KIOSK_ASSIGN_OR_RETURN(std::string l, v.oneOf("language", {"zh-Hant", "en", "pt"}, "zh-Hant"));
    return l == "en" ? Language::En : l == "pt" ? Language::Pt : Language::ZhHant;
}

class Runner {
public:
    Runner(const Json& scenario, RegistrationEnvironment& env, const RegistrationScenarioOptions& opt)
        : root_(scenario), view_(root_), env_(env), opt_(opt) {}
    // The logger stamps lines with clock_ from setUp() on: give it the system clock back
    // before clock_ goes, on every way out of run() (errors included).
    ~Runner() { core::Logger::instance().setTimeSource(nullptr); }
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;
    core::Result<RegistrationRun> run();

private:
    core::Status setUp();
    core::Result<ResidentResult> resident(const ConfigView& r);
    void runUntil(const std::function<bool()>& done, Millis limit);
    void onEnter(const RegistrationState& s);
    void injectFault();
    void clearFaults();

    Json root_;
    ConfigView view_;
    RegistrationEnvironment& env_;
    const RegistrationScenarioOptions& opt_;

    std::unique_ptr<core::FakeClock> clock_;
    std::unique_ptr<devices::sim::SimDocumentReader> doc_;
    std::unique_ptr<SimCardSlot> slot_;
    std::unique_ptr<devices::sim::SimCamera> camera_;
    ScenarioPrinter printer_;
    std::unique_ptr<store::Store> store_;
    std::unique_ptr<RegistrationServices> services_;
    std::unique_ptr<RegistrationShell> shell_;

    // The current resident's behaviour at the screens.
    std::string terms_ = "accept";
    bool confirm_ = true;
    std::string cancelAt_;
    std::string faultDevice_, faultKind_, faultAt_;
    std::vector<devices::Image> faceFrames_;
    std::optional<core::MonoTime> reprintAt_;
    Millis reprintAfter_{0};
    bool printed_ = false;
    std::optional<Outcome> finished_;
    std::vector<std::string> finishedReasons_;
    RegistrationState finishedState_;
    Millis sessionTime_{0};
};

core::Status Runner::setUp() {
    KIOSK_TRY(checkKnown(view_, {"name", "start_time", "device_id", "policy", "residents"}));
    KIOSK_ASSIGN_OR_RETURN(int64_t start, view_.unixTime("start_time"));
    clock_ = std::make_unique<core::FakeClock>(core::fromUnixSeconds(start));
    core::Logger::instance().setTimeSource([c = clock_.get()] { return core::formatIsoUtc(c->wallNow()); });
    doc_ = std::make_unique<devices::sim::SimDocumentReader>(*clock_);
    slot_ = std::make_unique<SimCardSlot>(*clock_);
    camera_ = std::make_unique<devices::sim::SimCamera>(*clock_);
    if (env_.makePrinter) {
        KIOSK_ASSIGN_OR_RETURN(printer_, env_.makePrinter(*clock_));
    } else {
        printer_.printer = std::make_unique<AlwaysPrinter>();
        printer_.fault = [](const std::string&) {};
    }

    KIOSK_ASSIGN_OR_RETURN(store_, scenario::openFreshStore(env_.workDir, "registration.sqlite"));

    RegistrationSettings settings = env_.settings;
    if (view_.has("policy")) {
        KIOSK_ASSIGN_OR_RETURN(settings.policy, policies::loadPolicyConfigFromRoot(root_));
    }
    KIOSK_ASSIGN_OR_RETURN(settings.deviceId, view_.stringOr("device_id", settings.deviceId));
    services_ = std::make_unique<RegistrationServices>(settings, *store_, env_.seal);

    RegistrationObserver obs;
    obs.onTransition = [this](const RegistrationState& before, const Event&, const RegistrationState& after) {
        if (after.printed && !before.printed) printed_ = true;
        if (after.epoch == before.epoch) return;
        // Each face attempt the screen prompts again and the resident performs it again.
        if (after.state == State::CaptureFace) camera_->play(faceFrames_);
        if (after.state != before.state || after.timeoutWarned != before.timeoutWarned) {
            if (opt_.onState) opt_.onState(after);
            if (after.state != before.state) onEnter(after);
        }
        if (after.state == State::Receipt && after.printerFault && !before.printerFault && reprintAfter_.count() > 0)
            reprintAt_ = clock_->monoNow() + reprintAfter_;
    };
    obs.onFinished = [this](Outcome o, const std::vector<std::string>& reasons, const RegistrationState& last, Millis t) {
        finished_ = o;
        finishedReasons_ = reasons;
        finishedState_ = last;
        sessionTime_ = t;
    };
    obs.onFace = [this](const devices::Frame& f, FaceHint) {
        if (opt_.onFace) opt_.onFace(f);
    };
    RegistrationTuning tuning;
    tuning.faceDescriptors = settings.faceDescriptors;
    RegistrationDevices dev{doc_.get(), slot_.get(), camera_.get(), env_.face, env_.finger, printer_.printer.get()};
    shell_ = std::make_unique<RegistrationShell>(env_.machine, tuning, dev, *services_, *clock_, env_.composer, obs);
    if (opt_.onStarted) opt_.onStarted(*services_, *shell_, *clock_);
    return {};
}

// The resident at each screen, as the scenario says.
void Runner::onEnter(const RegistrationState& s) {
    if (!faultAt_.empty() && faultAt_ == toString(s.state)) injectFault();
    if (!cancelAt_.empty() && cancelAt_ == toString(s.state)) {
        shell_->post(ev::CancelPressed{});
        return;
    }
    if (s.state == State::Terms) {
        if (terms_ == "accept") {
            shell_->post(ev::TermsScrolled{true});
            shell_->post(ev::TermsAccepted{});
        } else if (terms_ == "decline") {
            shell_->post(ev::TermsDeclined{});
        }
    }
    if (s.state == State::Confirm && confirm_) shell_->post(ev::Confirmed{});
}

void Runner::injectFault() {
    if (faultDevice_ == "camera") (faultKind_ == "timeout" ? camera_->faults().timeout : camera_->faults().lost) = true;
    if (faultDevice_ == "document") {
        (faultKind_ == "timeout" ? doc_->faults().timeout : doc_->faults().lost) = true;
        slot_->lost() = true;
    }
    if (faultDevice_ == "fingerprint" && env_.fingerFault) env_.fingerFault(true);
    if (faultDevice_ == "printer" && printer_.fault) printer_.fault(faultKind_);
    faultAt_.clear();
}

void Runner::clearFaults() {
    camera_->faults().lost = camera_->faults().timeout = false;
    doc_->faults().lost = doc_->faults().timeout = false;
    slot_->lost() = false;
    if (env_.fingerFault) env_.fingerFault(false);
    if (printer_.fault) printer_.fault("clear");
}

void Runner::runUntil(const std::function<bool()>& done, Millis limit) {
    const auto end = clock_->monoNow() + limit;
    int turns = 0;
    while (!done() && clock_->monoNow() < end && ++turns < 400000) {
        if (reprintAt_ && clock_->monoNow() >= *reprintAt_) {
            // Staff loaded paper; the resident touches "print again".
            reprintAt_.reset();
            if (printer_.fault) printer_.fault("clear");
            shell_->post(ev::ReprintPressed{});
        }
        shell_->turn();
    }
}

core::Result<ResidentResult> Runner::resident(const ConfigView& r) {
    KIOSK_TRY(checkKnown(r, {"name", "language", "card", "mrz", "take_card_after_ms", "fingers", "face", "terms",
                             "confirm", "cancel_at", "fault", "reprint_after_ms", "expect"}));
    ResidentResult out;
    KIOSK_ASSIGN_OR_RETURN(out.name, r.string("name"));
    KIOSK_ASSIGN_OR_RETURN(ConfigView expect, r.child("expect"));
    KIOSK_TRY(checkKnown(expect, {"outcome", "reason"}));
    KIOSK_ASSIGN_OR_RETURN(out.expectedOutcome, expect.oneOf("outcome", {"enrolled", "refused", "abandoned", "fault"}));
    KIOSK_ASSIGN_OR_RETURN(out.expectedReason, expect.stringOr("reason", ""));
    KIOSK_ASSIGN_OR_RETURN(Language lang, languageOf(r));

    std::vector<std::string> mrz;
    if (r.has("mrz")) {
        for (auto& l : r.json()["mrz"]) {
            if (!l.is_string()) return r.bad("mrz", "must be a list of MRZ lines");
            mrz.push_back(l.get<std::string>());
        }
    } else {
        KIOSK_ASSIGN_OR_RETURN(ConfigView c, r.child("card"));
        KIOSK_TRY(checkKnown(c, {"document", "issuing_state", "date_of_birth", "document_expiry", "non_permanent",
                                 "surname", "given_names"}));
        SimCard card;
        KIOSK_ASSIGN_OR_RETURN(card.documentNumber, c.string("document"));
        KIOSK_ASSIGN_OR_RETURN(card.issuingState, c.stringOr("issuing_state", "HKG"));
        KIOSK_ASSIGN_OR_RETURN(card.dateOfBirth, c.string("date_of_birth"));
        KIOSK_ASSIGN_OR_RETURN(card.expiry, c.string("document_expiry"));
        KIOSK_ASSIGN_OR_RETURN(card.nonPermanent, c.booleanOr("non_permanent", false));
        KIOSK_ASSIGN_OR_RETURN(card.surname, c.stringOr("surname", card.surname));
        KIOSK_ASSIGN_OR_RETURN(card.givenNames, c.stringOr("given_names", card.givenNames));
        auto m = makeTd1Mrz(card);
        if (!m.ok()) return c.bad("document", m.error().message);
        mrz = *m;
    }
    KIOSK_ASSIGN_OR_RETURN(int64_t take, r.integerOr("take_card_after_ms", 2000, -1, 600000));
    slot_->takeAfter(take < 0 ? std::optional<Millis>() : std::optional<Millis>(Millis(take)));
    KIOSK_ASSIGN_OR_RETURN(terms_, r.oneOf("terms", {"accept", "decline", "ignore"}, "accept"));
    KIOSK_ASSIGN_OR_RETURN(confirm_, r.booleanOr("confirm", true));
    KIOSK_ASSIGN_OR_RETURN(cancelAt_, r.stringOr("cancel_at", ""));
    KIOSK_ASSIGN_OR_RETURN(int64_t reprint, r.integerOr("reprint_after_ms", 5000, 0, 600000));
    reprintAfter_ = Millis(reprint);
    reprintAt_.reset();
    faultAt_.clear();
    if (r.has("fault")) {
        KIOSK_ASSIGN_OR_RETURN(ConfigView f, r.child("fault"));
        KIOSK_TRY(checkKnown(f, {"device", "kind", "at"}));
        KIOSK_ASSIGN_OR_RETURN(faultDevice_, f.oneOf("device", {"camera", "document", "fingerprint", "printer"}));
        KIOSK_ASSIGN_OR_RETURN(faultKind_, f.oneOf("kind", {"lost", "timeout", "out_of_paper", "cover_open"}));
        KIOSK_ASSIGN_OR_RETURN(faultAt_, f.string("at"));
    }

    // Biometrics the resident gives: finger images (first finger's, then the second's) on
    // the simulated sensor; the camera's live sequence.
    faceFrames_.clear();
    if (r.has("face")) {
        KIOSK_ASSIGN_OR_RETURN(auto files, pathList(env_, r, "face", r.json()["face"]));
        if (!env_.loadImage) return core::makeError("scenario.no_image_loader", "no image loader");
        for (auto& f : files) {
            auto img = env_.loadImage(f);
            if (!img.ok()) return r.bad("face", img.error().message + " (run scripts/setup to generate the demo data)");
            faceFrames_.push_back(std::move(*img));
        }
    }
    camera_->play(faceFrames_);
    if (r.has("fingers")) {
        const Json& fingers = r.json()["fingers"];
        if (!fingers.is_array()) return r.bad("fingers", "must be a list (one list of image paths per finger)");
        std::vector<fs::path> all;
        for (const auto& one : fingers) {
            KIOSK_ASSIGN_OR_RETURN(auto files, pathList(env_, r, "fingers", one));
            all.insert(all.end(), files.begin(), files.end());
        }
        if (!env_.presentFingers) return core::makeError("scenario.no_finger_reader", "no fingerprint sensor");
        KIOSK_TRY(env_.presentFingers(all));
    }

    // The machine must be on its language screen before the resident steps up.
    runUntil([&] { return shell_->state().state == State::ChooseLanguage; }, Millis(120000));
    if (shell_->state().state != State::ChooseLanguage)
        return core::makeError("scenario.machine_not_ready",
                               out.name + ": machine not ready (" + toString(shell_->state().state) + ")");
    finished_.reset();
    printed_ = false;
    const auto t0 = std::chrono::steady_clock::now();
    shell_->post(ev::LanguageChosen{lang});
    doc_->insert(mrz, Millis(800));
    slot_->insert();
    runUntil([&] { return finished_.has_value(); }, Millis(1800000));
    out.machineMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!finished_)
        return core::makeError("scenario.stuck", out.name + ": the session did not finish (state " +
                                                     std::string(toString(shell_->state().state)) + ")");
    out.outcome = toString(*finished_);
    out.reasons = finishedReasons_;
    out.sessionMs = sessionTime_.count();
    if (*finished_ == Outcome::Enrolled) {
        out.reference = finishedState_.reference;
        out.usableFrom = finishedState_.usableFrom;
    }
    out.printed = printed_;

    if (*finished_ == Outcome::Fault) {
        // The technician reconnects the device; the resident takes the card.
        clearFaults();
        slot_->remove();
    }
    doc_->clear();
    camera_->play({});
    if (env_.clearFingers) env_.clearFingers();
    bool reasonOk = out.expectedReason.empty();
    for (auto& x : out.reasons) reasonOk = reasonOk || x == out.expectedReason;
    out.ok = out.outcome == out.expectedOutcome && reasonOk;
    return out;
}

core::Result<RegistrationRun> Runner::run() {
    KIOSK_TRY(setUp());
    RegistrationRun out;
    if (!view_.has("residents") || !root_["residents"].is_array())
        return view_.bad("residents", "must be a list of residents");
    const Json& list = root_["residents"];
    for (int rep = 0; rep < opt_.repeat; ++rep) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (opt_.beforeResident) opt_.beforeResident();
            KIOSK_ASSIGN_OR_RETURN(auto r, resident(ConfigView(list[i], "residents[" + std::to_string(i) + "]")));
            if (opt_.onResident) opt_.onResident(r);
            out.residents.push_back(std::move(r));
        }
    }
    runUntil([&] { return shell_->state().state == State::ChooseLanguage; }, Millis(120000));
    if (opt_.afterRun) opt_.afterRun();
    if (auto c = store_->counts(); c.ok()) {
        out.enrolments = c->enrolments;
        out.outbox = c->outbox;
    }
    out.alerts = services_->alertCount();
    return out;
}

}  // namespace

core::Result<RegistrationRun> runRegistrationScenario(const Json& scenario, RegistrationEnvironment& env,
                                                      const RegistrationScenarioOptions& options) {
    Runner r(scenario, env, options);
    return r.run();
}

core::Result<RegistrationRun> runRegistrationScenarioFile(const fs::path& file, RegistrationEnvironment& env,
                                                          const RegistrationScenarioOptions& options) {
    KIOSK_ASSIGN_OR_RETURN(Json j, scenario::loadScenarioFile(file, &env.baseDir));
    return runRegistrationScenario(j, env, options);
}

}  // namespace kiosk::registration
