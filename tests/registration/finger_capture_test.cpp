// The machine's finger loop (registration::runFingerLoop: the pure machine's CaptureFingers
// state with the FingerCapture the shell runs) on the real libfprint reader fed by the
// simulated image sensor with synthetic fingerprints: a verify capture the quality gate
// refuses asks for the finger again instead of re-enrolling; noise on the sensor asks to
// clean it; two fingers enrol; and the guidance mapping of the reader's FingerGuidance.
#include "kiosk/registration/finger_capture.h"

#include <gtest/gtest.h>

#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace kiosk::registration {
namespace {

namespace fp = devices::fingerprint;

struct Rig {
    std::shared_ptr<fp::SimFingerSensor> sensor = std::make_shared<fp::SimFingerSensor>();
    std::unique_ptr<fp::LibfprintReader> reader;
    fp::FingerSynth synth{20261201};
    Rig() {
        auto r = fp::LibfprintReader::create(fp::ReaderOptions{}, sensor);
        EXPECT_TRUE(r.ok()) << r.error().message;
        if (r.ok()) reader = std::move(*r);
    }
    void present(int finger, int from, int count) {
        for (int k = from; k < from + count; ++k) sensor->present(synth.impression(finger, k));
    }
};

RegistrationConfig oneFinger() {
    RegistrationConfig c;
    c.fingers = 1;
    return c;
}

TEST(FingerLoop, AVerifyCaptureTheGateRefusesAsksForTheFingerAgain) {
    Rig rig;
    ASSERT_TRUE(rig.reader);
    rig.present(0, 0, 5);
    rig.sensor->present(fp::synthBlank(300, 300, 1));  // the resident barely touches the sensor
    rig.present(0, 5, 1);
    const auto r = runFingerLoop(oneFinger(), *rig.reader, {});
    EXPECT_TRUE(r.enrolled) << (r.reasons.empty() ? "" : r.reasons.front());
    EXPECT_EQ(r.enrolCommands, 1) << "the template is kept; only the verify capture is repeated";
    EXPECT_EQ(r.verifyCommands, 2);
    EXPECT_EQ(r.hints, std::vector<FingerHint>{FingerHint::PressFirmly});
    ASSERT_EQ(r.prints.size(), 1u);
    EXPECT_FALSE(r.prints[0].empty());
}

TEST(FingerLoop, AnotherFingersVerifyNeverAcceptsTheFinger) {
    Rig rig;
    ASSERT_TRUE(rig.reader);
    // Every round: 5 good impressions of finger 1, then 4 verify presentations of finger 2.
    for (int round = 0; round < 3; ++round) {
        rig.present(1, 5 * round, 5);
        rig.present(2, 4 * round, 4);
    }
    const auto r = runFingerLoop(oneFinger(), *rig.reader, {});
    EXPECT_FALSE(r.enrolled);
    EXPECT_EQ(r.reasons, std::vector<std::string>{"reg.finger_quality"});
    EXPECT_EQ(r.enrolCommands, 3);
    EXPECT_EQ(r.verifyCommands, 12);
    EXPECT_TRUE(r.prints.empty()) << "nothing of a refused resident is kept";
}

TEST(FingerLoop, NoiseOnTheSensorAsksToCleanIt) {
    Rig rig;
    ASSERT_TRUE(rig.reader);
    for (int i = 0; i < 3 * 16; ++i) rig.sensor->present(fp::synthNoise(300, 300, static_cast<uint64_t>(i)));
    const auto r = runFingerLoop(oneFinger(), *rig.reader, {});
    EXPECT_FALSE(r.enrolled);
    EXPECT_EQ(r.reasons, std::vector<std::string>{"reg.finger_quality"});
    EXPECT_EQ(r.hints, std::vector<FingerHint>{FingerHint::CleanSensor});
    EXPECT_EQ(rig.reader->lastEnrolGuidance(), devices::FingerGuidance::CleanSensor);
}

TEST(FingerLoop, TwoFingersEnrolOneAfterTheOther) {
    Rig rig;
    ASSERT_TRUE(rig.reader);
    rig.present(3, 0, 6);
    rig.present(4, 0, 6);
    RegistrationConfig c;
    c.fingers = 2;
    const auto r = runFingerLoop(c, *rig.reader, {});
    EXPECT_TRUE(r.enrolled) << (r.reasons.empty() ? "" : r.reasons.front());
    EXPECT_EQ(r.enrolCommands, 2);
    ASSERT_EQ(r.prints.size(), 2u);
    EXPECT_NE(r.prints[0], r.prints[1]);
}

TEST(FingerLoop, GuidanceFollowsWhatTheReaderSaw) {
    using G = devices::FingerGuidance;
    EXPECT_EQ(hintFor(G::PressHarder, FingerHint::None), FingerHint::PressFirmly);
    EXPECT_EQ(hintFor(G::PressHarder, FingerHint::PressFirmly), FingerHint::Moisten);
    EXPECT_EQ(hintFor(G::PressHarder, FingerHint::Moisten), FingerHint::CleanSensor);
    EXPECT_EQ(hintFor(G::CleanSensor, FingerHint::None), FingerHint::CleanSensor);
    EXPECT_EQ(hintFor(G::PlaceFinger, FingerHint::PressFirmly), FingerHint::Centre);
    EXPECT_EQ(hintFor(G::RemoveAndRetry, FingerHint::None), FingerHint::LiftAndPlaceAgain);
    EXPECT_EQ(hintFor(G::Ok, FingerHint::None), FingerHint::Centre);
}

}  // namespace
}  // namespace kiosk::registration
