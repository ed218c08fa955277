// The registration shell and services on a real SQLite store with the real sealing of the
// outbox row: a resident enrols; each refusal rule; each device fault leaves nothing
// half-written (store rows counted); the printer running out after the commit keeps the
// enrolment; a crash inside the commit's transaction leaves neither row.
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/libfprint_reader.h"
#include "devices/sim/sim_camera.h"
#include "devices/sim/sim_scanners.h"
#include "kiosk/registration/registration_shell.h"
#include "kiosk/registration/sim_card.h"
#include "kiosk/store/store.h"
#include "kiosk/sync/biometric_envelope.h"
#include "kiosk/sync/enrolment_wire.h"
#include "registration_doubles.h"
#include "tests/support/test_support.h"

namespace kiosk::registration {
namespace {

namespace fs = std::filesystem;
using core::Millis;

SimCard adult(const std::string& number = "K1234567(4)") {
    SimCard c;
    c.documentNumber = number;
    c.dateOfBirth = "1985-03-04";
    c.expiry = "2031-03-04";
    return c;
}

fs::path writeTemplateKey(const fs::path& dir) {
    std::random_device rd;
    std::string bytes;
    for (std::size_t i = 0; i < sync::kTemplateKeyBytes; ++i) bytes += static_cast<char>(rd() & 0xff);
    const fs::path p = dir / "template.key";
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

struct Harness {
    fs::path dir = testing::tempDir("registration");
    core::FakeClock clock{core::fromUnixSeconds(1795307400)};  // 2026-11-22 08:30 HKT
    devices::sim::SimDocumentReader doc{clock};
    SimCardSlot slot{clock};
    devices::sim::SimCamera camera{clock};
    testing::ScriptedRegFace face;
    testing::ScriptedRegFinger finger;
    testing::FakePrinter printer;
    std::unique_ptr<store::Store> store;
    std::vector<uint8_t> templateKey;
    std::unique_ptr<RegistrationServices> services;
    std::unique_ptr<RegistrationShell> shell;
    RegistrationConfig config;

    // What the resident does at the screens (the scenario runner does the same).
    bool acceptTerms = true;
    bool confirm = true;
    std::function<void(const RegistrationState&)> onEnter;  // faults injected at a state

    std::vector<Outcome> outcomes;
    std::vector<std::string> lastReasons;
    std::vector<FingerHint> fingerHints;
    std::vector<FaceHint> faceHints;
    std::string lastReference;

    // reader: another fingerprint reader than the scripted one (the real libfprint one).
    explicit Harness(devices::FingerprintReader* reader = nullptr) {
        const fs::path key = dir / "bio.key";
        EXPECT_TRUE(store::Store::createKeyFile(key).ok());
        store::StoreOptions so;
        so.keyFile = key;
        auto s = store::Store::open(dir / "reg.sqlite", so);
        EXPECT_TRUE(s.ok()) << s.error().message;
        store = std::move(*s);
        auto k = sync::loadTemplateKey(writeTemplateKey(dir).string());
        EXPECT_TRUE(k.ok());
        templateKey = *k;
        services = std::make_unique<RegistrationServices>(
            RegistrationSettings{}, *store,
            [this](const store::EnrolmentRow& row) { return sync::sealEnrolmentForWire(row, templateKey); });
        devices::Image grey;
        grey.width = grey.height = 64;
        grey.pixels.assign(64 * 64, 128);
        camera.play({grey});
        RegistrationObserver obs;
        obs.onTransition = [this](const RegistrationState& before, const Event&, const RegistrationState& after) {
            if (after.fingerHint != FingerHint::None && after.fingerHint != before.fingerHint)
                fingerHints.push_back(after.fingerHint);
            if (after.faceHint != FaceHint::None && after.epoch != before.epoch) faceHints.push_back(after.faceHint);
            if (after.epoch == before.epoch || after.state == before.state) return;
            if (onEnter) onEnter(after);
            if (after.state == State::Terms && acceptTerms) {
                shell->post(ev::TermsScrolled{true});
                shell->post(ev::TermsAccepted{});
            }
            if (after.state == State::Confirm && confirm) shell->post(ev::Confirmed{});
        };
        obs.onFinished = [this](Outcome o, const std::vector<std::string>& reasons, const RegistrationState& last,
                                Millis) {
            outcomes.push_back(o);
            lastReasons = reasons;
            lastReference = last.reference;
        };
        shell = std::make_unique<RegistrationShell>(config, RegistrationTuning{},
                                                    RegistrationDevices{&doc, &slot, &camera, &face, reader ? reader : &finger, &printer},
                                                    *services, clock, ReceiptComposer{}, obs);
    }

    void runUntil(const std::function<bool()>& done, Millis limit = Millis(600000)) {
        const auto end = clock.monoNow() + limit;
        int turns = 0;
        while (!done() && clock.monoNow() < end && ++turns < 200000) shell->turn();
    }

    // One resident from the language screen to the end of the session.
    std::optional<Outcome> resident(const SimCard& card, Language lang = Language::En) {
        runUntil([&] { return shell->state().state == State::ChooseLanguage; });
        const auto before = outcomes.size();
        auto mrz = makeTd1Mrz(card);
        EXPECT_TRUE(mrz.ok()) << mrz.error().message;
        shell->post(ev::LanguageChosen{lang});
        doc.insert(*mrz, Millis(800));
        slot.insert();
        runUntil([&] { return outcomes.size() > before; });
        if (outcomes.size() == before) return std::nullopt;
        return outcomes.back();
    }

    int64_t enrolments() { return store->counts()->enrolments; }
    int64_t outboxOf(const std::string& kind) {
        int64_t n = 0;
        auto items = store->peekOutbox(1000);
        EXPECT_TRUE(items.ok());
        if (items.ok())
            for (auto& i : *items) n += i.kind == kind;
        return n;
    }
    bool alerted(const std::string& reason) {
        for (auto& a : services->alerts())
            if (a == reason) return true;
        return false;
    }
};

TEST(RegistrationShell, AResidentEnrolsAndTheSealedEnrolmentIsQueuedInTheSameTransaction) {
    Harness h;
    auto o = h.resident(adult(), Language::ZhHant);
    ASSERT_TRUE(o.has_value());
    EXPECT_EQ(*o, Outcome::Enrolled) << (h.lastReasons.empty() ? "" : h.lastReasons.front());
    EXPECT_EQ(h.enrolments(), 1);
    ASSERT_EQ(h.outboxOf("enrolment"), 1);
    EXPECT_EQ(h.finger.enrolCalls, 2);  // two fingers, 5 impressions each
    EXPECT_EQ(h.finger.verifyCalls, 2);  // one verify each
    EXPECT_FALSE(h.shell->holdsPending()) << "nothing of the resident stays in memory";

    // The outbox row is the wire enrolment, sealed with the fleet key, both fingers inside.
    std::string payload;
    auto items = h.store->peekOutbox();
    ASSERT_TRUE(items.ok());
    for (auto& i : *items)
        if (i.kind == "enrolment") payload = i.payload;
    auto j = core::parseJsonText(payload, "outbox");
    ASSERT_TRUE(j.ok());
    auto wire = sync::enrolmentFromWire(*j);
    ASSERT_TRUE(wire.ok()) << wire.error().message;
    EXPECT_EQ(wire->row.reference, h.lastReference);
    EXPECT_EQ(payload.find("K1234567"), std::string::npos) << "no document number on the wire";
    auto opened = sync::openWireEnrolment(*wire, h.templateKey);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    ASSERT_EQ(opened->fingers.size(), 2u);
    EXPECT_EQ(opened->fingers[0].finger, "right_index");
    EXPECT_EQ(opened->fingers[1].finger, "left_index");
    EXPECT_FALSE(opened->faceDescriptors.empty());

    // The receipt: the reference and usable-from = now + the machine delay (3 h).
    ASSERT_EQ(h.printer.printed.size(), 1u);
    EXPECT_EQ(h.printer.printed[0].reference, h.lastReference);
    auto row = h.store->findEnrolmentByReference(h.lastReference, store::Biometrics::Without);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_EQ(core::toUnixSeconds(h.printer.printed[0].usableFrom), (*row)->enrolledAt + 3 * 3600);
}

TEST(RegistrationShell, ReEnrolmentReplacesTheRecordWithAnAuditTrail) {
    Harness h;
    ASSERT_EQ(h.resident(adult()), Outcome::Enrolled);
    const std::string first = h.lastReference;
    ASSERT_EQ(h.resident(adult()), Outcome::Enrolled);
    EXPECT_NE(h.lastReference, first);
    EXPECT_EQ(h.store->counts()->enrolments, 2);
    EXPECT_EQ(h.store->counts()->activeEnrolments, 1);
    bool replaced = false;
    auto audit = h.store->auditEntries();
    ASSERT_TRUE(audit.ok());
    for (auto& a : *audit)
        replaced = replaced || (a.action == "enrolment.replace" && a.detail.find(first) != std::string::npos);
    EXPECT_TRUE(replaced);
    EXPECT_EQ(h.outboxOf("enrolment"), 2);
}

struct RefusalCase {
    const char* name;
    SimCard card;
    const char* reason;
};

class Refusal : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(Refusal, IsRefusedWithItsReasonAndNothingIsWritten) {
    Harness h;
    auto o = h.resident(GetParam().card);
    ASSERT_TRUE(o.has_value());
    EXPECT_EQ(*o, Outcome::Refused);
    ASSERT_FALSE(h.lastReasons.empty());
    EXPECT_EQ(h.lastReasons.front(), GetParam().reason);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_EQ(h.outboxOf("enrolment"), 0);
    EXPECT_FALSE(h.shell->holdsPending());
    EXPECT_EQ(h.finger.enrolCalls, 0) << "no biometrics of a refused resident";
}

SimCard with(std::function<void(SimCard&)> f) {
    SimCard c = adult();
    f(c);
    return c;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, Refusal,
    ::testing::Values(RefusalCase{"under_18", with([](SimCard& c) { c.dateOfBirth = "2010-05-01"; }), "reg.under_18"},
                      RefusalCase{"not_permanent", with([](SimCard& c) { c.nonPermanent = true; }), "reg.not_permanent_resident"},
                      RefusalCase{"other_territory", with([](SimCard& c) { c.issuingState = "GBR"; }), "reg.not_permanent_resident"},
                      RefusalCase{"expired", with([](SimCard& c) { c.expiry = "2025-01-31"; }), "reg.document_expired"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RegistrationShell, FingerQualityNeverReachedIsRefusedAfterGuidance) {
    Harness h;
    h.finger.enrolAnswers = {"finger.quality", "finger.quality", "finger.quality"};
    EXPECT_EQ(h.resident(adult()), Outcome::Refused);
    EXPECT_EQ(h.lastReasons, std::vector<std::string>{"reg.finger_quality"});
    ASSERT_GE(h.fingerHints.size(), 2u);
    EXPECT_EQ(h.fingerHints[0], FingerHint::PressFirmly);
    EXPECT_EQ(h.fingerHints[1], FingerHint::Moisten);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, TheReadersGuidanceIsShownWhenEnrolmentGivesUp) {
    Harness h;
    h.finger.enrolAnswers = {"finger.quality", "finger.quality", "finger.quality"};
    h.finger.enrolGuidance = devices::FingerGuidance::CleanSensor;  // the gate saw noise, not a faint finger
    EXPECT_EQ(h.resident(adult()), Outcome::Refused);
    ASSERT_FALSE(h.fingerHints.empty());
    EXPECT_EQ(h.fingerHints[0], FingerHint::CleanSensor);
}

TEST(RegistrationShell, AVerifyRefusedOrUnmatchedAsksForTheFingerAgainBeforeEnrollingAgain) {
    Harness h;
    // First finger: the gate refuses the first verify capture (faint), the second does not
    // match, the third does; the enrolment is kept throughout.
    h.finger.verifyAnswers = {devices::FingerVerify{false, 0, devices::FingerGuidance::PressHarder},
                              devices::FingerVerify{false, 12, devices::FingerGuidance::Ok},
                              devices::FingerVerify{true, 55, devices::FingerGuidance::Ok}};
    EXPECT_EQ(h.resident(adult()), Outcome::Enrolled);
    EXPECT_EQ(h.finger.enrolCalls, 2) << "one enrolment per finger";
    EXPECT_EQ(h.finger.verifyCalls, 4);
    ASSERT_GE(h.fingerHints.size(), 2u);
    EXPECT_EQ(h.fingerHints[0], FingerHint::PressFirmly);
    EXPECT_EQ(h.fingerHints[1], FingerHint::Centre);
}

TEST(RegistrationShell, NoVerifyMatchingInARoundEnrolsAgain) {
    Harness h;  // the default: 4 verify presentations per round
    for (int i = 0; i < 4; ++i) h.finger.verifyAnswers.push_back(devices::FingerVerify{false, 8, devices::FingerGuidance::Ok});
    EXPECT_EQ(h.resident(adult()), Outcome::Enrolled);
    EXPECT_EQ(h.finger.enrolCalls, 3) << "finger 0 enrolled twice: no match in 4 presentations";
    EXPECT_EQ(h.finger.verifyCalls, 6);
}

// The quality refusal with the real libfprint reader: the simulated image sensor shows a
// blank window every time (nobody presses), libfprint's path with the quality gate refuses
// every capture, and the resident is guided, then referred to an office.
TEST(RegistrationShell, RealLibfprintReaderFingerQualityNeverReachedIsRefused) {
    namespace fp = devices::fingerprint;
    auto sensor = std::make_shared<fp::SimFingerSensor>();
    auto reader = fp::LibfprintReader::create(fp::ReaderOptions{}, sensor);
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    for (int i = 0; i < 3 * 16; ++i) sensor->present(fp::synthBlank(300, 300, static_cast<uint64_t>(i)));
    Harness h(reader->get());
    EXPECT_EQ(h.resident(adult()), Outcome::Refused);
    EXPECT_EQ(h.lastReasons, std::vector<std::string>{"reg.finger_quality"});
    EXPECT_EQ((*reader)->stats().qualityRefusals, 48u) << "every capture went through the gate";
    EXPECT_EQ(h.fingerHints, (std::vector<FingerHint>{FingerHint::PressFirmly, FingerHint::Moisten,
                                                      FingerHint::CleanSensor}));
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, FingerQualityReachedOnTheSecondRoundEnrols) {
    Harness h;
    h.finger.enrolAnswers = {"finger.quality"};
    EXPECT_EQ(h.resident(adult()), Outcome::Enrolled);
    EXPECT_EQ(h.finger.enrolCalls, 3);
}

TEST(RegistrationShell, FaceQualityNeverReachedIsRefusedWithTheLightHint) {
    Harness h;
    h.face.guidance = devices::FaceGuidance::TooDark;
    EXPECT_EQ(h.resident(adult()), Outcome::Refused);
    EXPECT_EQ(h.lastReasons, std::vector<std::string>{"reg.face_quality"});
    ASSERT_FALSE(h.faceHints.empty());
    EXPECT_EQ(h.faceHints.back(), FaceHint::MoreLight);
    EXPECT_EQ(h.enrolments(), 0);
}

TEST(RegistrationShell, LivenessNeverPassedIsRefused) {
    Harness h;
    h.face.liveness = false;
    EXPECT_EQ(h.resident(adult()), Outcome::Refused);
    EXPECT_EQ(h.lastReasons, std::vector<std::string>{"reg.face_liveness"});
    EXPECT_EQ(h.enrolments(), 0);
}

TEST(RegistrationShell, CameraLostDuringTheFaceLeavesNothingAndTheMachineComesBack) {
    Harness h;
    h.onEnter = [&](const RegistrationState& s) {
        if (s.state == State::CaptureFace) h.camera.faults().lost = true;
    };
    EXPECT_EQ(h.resident(adult()), Outcome::Fault);
    EXPECT_EQ(h.shell->state().state, State::OutOfService);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_EQ(h.outboxOf("enrolment"), 0);
    EXPECT_FALSE(h.shell->holdsPending()) << "the fingers captured before the fault are dropped";
    EXPECT_TRUE(h.alerted("device.lost"));
    EXPECT_GE(h.outboxOf("alert"), 1);
    h.onEnter = nullptr;
    h.camera.faults().lost = false;
    h.runUntil([&] { return h.shell->state().state == State::ChooseLanguage; });
    EXPECT_EQ(h.shell->state().state, State::ChooseLanguage);
    EXPECT_EQ(h.resident(adult()), Outcome::Enrolled);
}

TEST(RegistrationShell, ReaderLostWhileWaitingForTheCardFailsSafe) {
    Harness h;
    h.onEnter = [&](const RegistrationState& s) {
        if (s.state == State::InsertCard) h.doc.faults().lost = true;
    };
    EXPECT_EQ(h.resident(adult()), Outcome::Fault);
    EXPECT_EQ(h.lastReasons, std::vector<std::string>{"device.lost"});
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, FingerprintReaderLostLeavesNothing) {
    Harness h;
    h.onEnter = [&](const RegistrationState& s) {
        if (s.state == State::CaptureFingers) h.finger.lost = true;
    };
    EXPECT_EQ(h.resident(adult()), Outcome::Fault);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, ACardLeftInTheReaderRaisesTheAlarmUntilItIsTaken) {
    Harness h;
    h.slot.takeAfter(std::nullopt);
    bool alarmOn = false, alarmOff = false;
    h.onEnter = nullptr;
    auto mrz = makeTd1Mrz(adult());
    h.runUntil([&] { return h.shell->state().state == State::ChooseLanguage; });
    h.shell->post(ev::LanguageChosen{Language::Pt});
    h.doc.insert(*mrz, Millis(500));
    h.slot.insert();
    h.runUntil([&] { return h.shell->state().cardAlarm; });
    alarmOn = h.shell->state().cardAlarm;
    EXPECT_TRUE(alarmOn);
    EXPECT_EQ(h.shell->state().state, State::TakeCardBack);
    EXPECT_TRUE(h.alerted("reg.card_left_in_reader"));
    h.slot.remove();
    h.runUntil([&] { return !h.outcomes.empty(); });
    alarmOff = !h.shell->state().cardAlarm;
    EXPECT_TRUE(alarmOff);
    ASSERT_EQ(h.outcomes.size(), 1u);
    EXPECT_EQ(h.outcomes[0], Outcome::Enrolled);
}

TEST(RegistrationShell, PrinterOutOfPaperAfterTheCommitKeepsTheEnrolmentAndOffersAReprint) {
    Harness h;
    h.printer.receiptsLeft = 0;
    h.runUntil([&] { return h.shell->state().state == State::ChooseLanguage; });
    auto mrz = makeTd1Mrz(adult());
    h.shell->post(ev::LanguageChosen{Language::En});
    h.doc.insert(*mrz, Millis(500));
    h.slot.insert();
    h.runUntil([&] { return h.shell->state().printerFault; });
    ASSERT_TRUE(h.shell->state().printerFault);
    EXPECT_EQ(h.shell->state().state, State::Receipt);
    EXPECT_EQ(h.enrolments(), 1) << "the enrolment is kept";
    EXPECT_EQ(h.outboxOf("enrolment"), 1);
    EXPECT_TRUE(h.alerted("device.out_of_paper"));
    // Staff load paper; the resident asks for the reprint.
    h.printer.state = devices::PrinterState::Ready;
    h.printer.receiptsLeft = -1;
    h.shell->post(ev::ReprintPressed{});
    h.runUntil([&] { return !h.outcomes.empty(); });
    ASSERT_EQ(h.printer.printed.size(), 1u);
    EXPECT_EQ(h.printer.printed[0].reference, h.lastReference);
    EXPECT_EQ(h.outcomes, std::vector<Outcome>{Outcome::Enrolled});
}

TEST(RegistrationShell, AResidentWhoWalksAwayAtTheTermsIsWarnedThenDroppedAndNothingIsKept) {
    Harness h;
    h.acceptTerms = false;
    EXPECT_EQ(h.resident(adult()), Outcome::Abandoned);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, AResidentWhoNeverConfirmsIsDroppedBeforeTheCommit) {
    Harness h;
    h.confirm = false;
    EXPECT_EQ(h.resident(adult()), Outcome::Abandoned);
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_EQ(h.outboxOf("enrolment"), 0);
    EXPECT_FALSE(h.shell->holdsPending());
}

TEST(RegistrationShell, OutOfPaperBeforeASessionKeepsTheMachineOutOfService) {
    Harness h;
    h.printer.state = devices::PrinterState::OutOfPaper;
    h.runUntil([&] { return h.shell->state().state == State::OutOfService; }, Millis(60000));
    EXPECT_EQ(h.shell->state().state, State::OutOfService);
    h.printer.state = devices::PrinterState::Ready;
    h.runUntil([&] { return h.shell->state().state == State::ChooseLanguage; }, Millis(60000));
    EXPECT_EQ(h.shell->state().state, State::ChooseLanguage);
}

PendingEnrolment pendingFor(const SimCard& card) {
    PendingEnrolment p;
    p.mrz = *makeTd1Mrz(card);
    p.card = *credentials::parseMrz(p.mrz, 1795307400);
    p.residency = residencyFromCard(*p.card);
    p.fingers.resize(2);
    p.fingers[0].data.assign(40, 1);
    p.fingers[1].data.assign(40, 2);
    devices::FaceDescriptor d(128, 0.5f);
    p.faces = {d};
    return p;
}

// Issue 16: the registration machine erases records older than 31 days and anchors its
// journal with the clearance service, hourly, like a lane.
TEST(RegistrationServices, OldRecordsAreErasedAndTheJournalIsAnchoredHourly) {
    Harness h;
    const int64_t now = core::toUnixSeconds(h.clock.wallNow());
    ASSERT_TRUE(h.store->appendAudit(now - 40 * 86400, "REG-T", "registration.enrolled", "").ok());
    ASSERT_TRUE(h.store->appendAudit(now - 10 * 86400, "REG-T", "registration.enrolled", "").ok());
    auto anchors = [&] {
        int n = 0;
        auto items = h.store->peekOutbox(1000);
        EXPECT_TRUE(items.ok());
        if (items.ok())
            for (auto& i : *items) n += i.kind == "journal_anchor";
        return n;
    };
    h.services->record(Outcome::Enrolled, {}, h.clock.wallNow());
    EXPECT_EQ(anchors(), 1);
    auto audit = h.store->auditEntries(0, 1000);
    ASSERT_TRUE(audit.ok());
    for (auto& e : *audit) EXPECT_GE(e.time, now - store::kRetentionSeconds) << "a 40-day-old row was kept";
    EXPECT_EQ(audit->size(), 2u);  // the 10-day-old row and this session's
    EXPECT_TRUE(h.store->verifyJournal().ok());
    h.services->record(Outcome::Enrolled, {}, h.clock.wallNow() + std::chrono::minutes(30));
    EXPECT_EQ(anchors(), 1);  // at most hourly
    h.services->record(Outcome::Enrolled, {}, h.clock.wallNow() + std::chrono::minutes(61));
    EXPECT_EQ(anchors(), 2);
}

TEST(RegistrationServices, ARepeatedCommitIsIdempotent) {
    Harness h;
    auto p = pendingFor(adult());
    const auto now = h.clock.wallNow();
    auto a = h.services->commit(p, Language::En, now);
    auto b = h.services->commit(p, Language::En, now);
    ASSERT_TRUE(std::holds_alternative<ev::Committed>(a));
    ASSERT_TRUE(std::holds_alternative<ev::Committed>(b));
    EXPECT_EQ(std::get<ev::Committed>(a).reference, std::get<ev::Committed>(b).reference);
    EXPECT_EQ(h.enrolments(), 1);
    EXPECT_EQ(h.outboxOf("enrolment"), 1);
}

TEST(RegistrationServices, ASealFailureWritesNothing) {
    Harness h;
    RegistrationServices s(RegistrationSettings{}, *h.store, [](const store::EnrolmentRow&) -> core::Result<core::Json> {
        return core::makeError("sync.bad_key", "no key");
    });
    auto p = pendingFor(adult());
    auto r = s.commit(p, Language::En, h.clock.wallNow());
    ASSERT_TRUE(std::holds_alternative<ev::CommitFailed>(r));
    EXPECT_EQ(h.enrolments(), 0);
    EXPECT_EQ(h.outboxOf("enrolment"), 0);
}

TEST(RegistrationServices, ACrashInsideTheCommitLeavesNeitherTheEnrolmentNorItsOutboxRow) {
    const fs::path dir = testing::tempDir("registration-crash");
    const fs::path key = dir / "bio.key", db = dir / "reg.sqlite";
    ASSERT_TRUE(store::Store::createKeyFile(key).ok());
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The power goes after the enrolment row is written, before its outbox row.
        store::StoreOptions so;
        so.keyFile = key;
        so.testHook = [](std::string_view point) {
            if (point == "enrolment.row_written") ::_exit(42);
        };
        auto s = store::Store::open(db, so);
        if (!s.ok()) ::_exit(2);
        RegistrationServices svc(RegistrationSettings{}, **s, [](const store::EnrolmentRow& row) -> core::Result<core::Json> {
            return core::Json{{"reference", row.reference}};
        });
        auto p = pendingFor(adult());
        (void)svc.commit(p, Language::En, core::fromUnixSeconds(1795307400));
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 42) << "the hook did not run inside the commit";
    store::StoreOptions so;
    so.keyFile = key;
    auto s = store::Store::open(db, so);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ((*s)->counts()->enrolments, 0);
    EXPECT_EQ((*s)->counts()->outbox, 0);
}

TEST(RegistrationSettings, UnknownKeysAndBadValuesAreNamed) {
    RegistrationSettings s;
    RegistrationConfig m;
    core::Json bad = {{"fingerz", 1}};
    auto r = registrationSettingsFromConfig(core::ConfigView(bad, "registration"), s, m);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("registration.fingerz"), std::string::npos) << r.error().message;
    core::Json same = {{"fingers", {"left_index", "left_index"}}};
    r = registrationSettingsFromConfig(core::ConfigView(same, "registration"), s, m);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("registration.fingers"), std::string::npos) << r.error().message;
    core::Json t = {{"timeouts_ms", {{"warning", 5000}}}};
    r = registrationSettingsFromConfig(core::ConfigView(t, "registration"), s, m);
    ASSERT_FALSE(r.ok());
    core::Json ok = {{"fingers", {"right_thumb", "left_thumb"}},
                     {"offices", {{{"name", "Kowloon"}, {"address", "1 Nathan Road"}, {"hours", "9-17"}}}},
                     {"timeouts_ms", {{"terms", 90000}}}};
    r = registrationSettingsFromConfig(core::ConfigView(ok, "registration"), s, m);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(s.fingers[0], "right_thumb");
    ASSERT_EQ(s.offices.size(), 1u);
    EXPECT_EQ(m.termsTimeout, Millis(90000));
}

TEST(SimCard, MakesATd1MrzThatParsesBackToTheSameFacts) {
    auto c = adult();
    c.issuingState = "MAC";
    auto mrz = makeTd1Mrz(c);
    ASSERT_TRUE(mrz.ok());
    auto d = credentials::parseMrz(*mrz, 1795307400);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->documentNumber, "K12345674");
    EXPECT_EQ(d->dateOfBirth, "1985-03-04");
    EXPECT_EQ(d->expiryDate, "2031-03-04");
    EXPECT_EQ(residencyFromCard(*d), store::Residency::MacauPermanent);
}

}  // namespace
}  // namespace kiosk::registration
