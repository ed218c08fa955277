// The simulated reader = libfprint's real virtual_image path fed by SimFingerSensor with
// synthetic fingerprints generated here (no files needed).
#include <gtest/gtest.h>

#include <memory>

#include "devices/fingerprint/finger_image_source.h"
#include "devices/fingerprint/finger_synth.h"
#include "devices/fingerprint/finger_transaction.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace fp = kiosk::devices::fingerprint;
namespace errc = kiosk::devices::errc;
using kiosk::devices::DeviceState;
using kiosk::devices::FingerGuidance;
using namespace std::chrono_literals;

namespace {

struct ReaderRig {
    std::shared_ptr<fp::SimFingerSensor> sensor = std::make_shared<fp::SimFingerSensor>();
    std::unique_ptr<fp::LibfprintReader> reader;
    fp::FingerSynth synth{20261122};

    // Most tests use the single-variant (CLAHE) path to stay fast; the first test runs
    // the default configuration (CLAHE + Gabor enrolment merged, two probe variants).
    static fp::ReaderOptions fast() {
        fp::ReaderOptions o;
        o.extraEnrolVariants = {};
        o.verifyVariants = {fp::Enhancement::Clahe};
        return o;
    }
    explicit ReaderRig(fp::ReaderOptions o = fast()) {
        auto r = fp::LibfprintReader::create(o, sensor);
        if (!r.ok()) ADD_FAILURE() << r.error().code << ": " << r.error().message;
        else reader = std::move(r).value();
    }
    std::vector<uint8_t> enrol(int finger) {
        for (int k = 0; k < 5; ++k) sensor->present(synth.impression(finger, k));
        std::vector<int> stages;
        auto e = reader->enroll([&](int s, int n) { stages.push_back(s); EXPECT_EQ(n, 5); }, 30s);
        EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
        if (!e.ok()) return {};
        EXPECT_EQ(stages, (std::vector<int>{1, 2, 3, 4, 5}));
        return e->print;
    }
};

}  // namespace

TEST(FingerReader, EnrolThenGenuineMatchesAndImpostorDoesNot) {
    ReaderRig rig(fp::ReaderOptions{});
    ASSERT_TRUE(rig.reader);
    auto print = rig.enrol(0);
    ASSERT_FALSE(print.empty());
    EXPECT_GT(print.size(), 1000u);  // fp_print_serialize blob
    auto n = fp::printImpressions(print);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n.value(), 10);  // 5 stages x (CLAHE, Gabor) merged into one print

    rig.sensor->present(rig.synth.impression(0, 6));
    auto g = rig.reader->verify(print, 10s);
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_TRUE(g->match);
    EXPECT_GE(g->score, 40);
    EXPECT_EQ(g->guidance, FingerGuidance::Ok);

    rig.sensor->present(rig.synth.impression(1, 0));
    auto i = rig.reader->verify(print, 10s);
    ASSERT_TRUE(i.ok()) << i.error().message;
    EXPECT_FALSE(i->match);
    EXPECT_LT(i->score, rig.reader->options().matchThreshold);
    EXPECT_EQ(rig.reader->health().state, DeviceState::Ready);
}

TEST(FingerReader, BlankAndNoiseAreRefusedBeforeMatching) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto print = rig.enrol(2);
    ASSERT_FALSE(print.empty());
    const auto before = rig.reader->stats().verifies;

    rig.sensor->present(fp::synthBlank(300, 300, 9));
    auto b = rig.reader->verify(print, 5s);
    ASSERT_TRUE(b.ok());
    EXPECT_FALSE(b->match);
    EXPECT_EQ(b->guidance, FingerGuidance::PressHarder);

    rig.sensor->present(fp::synthNoise(300, 300, 9));
    auto n = rig.reader->verify(print, 5s);
    ASSERT_TRUE(n.ok());
    EXPECT_FALSE(n->match);
    EXPECT_EQ(n->guidance, FingerGuidance::CleanSensor);
    EXPECT_EQ(rig.reader->stats().verifies, before);  // libfprint never saw them
    EXPECT_EQ(rig.reader->stats().qualityRefusals, 2u);
}

TEST(FingerReader, NoFingerGivesPlaceFingerGuidance) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    rig.sensor->faults().noInput = true;
    auto v = rig.reader->verify(std::vector<uint8_t>(10, 0), 200ms);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->match);
    EXPECT_EQ(v->guidance, FingerGuidance::PlaceFinger);
}

TEST(FingerReader, SensorLostMidVerifyIsDeviceLost) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto print = rig.enrol(3);
    ASSERT_FALSE(print.empty());
    rig.sensor->faults().lost = true;
    auto v = rig.reader->verify(print, 2s);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, errc::kLost);
    EXPECT_EQ(rig.reader->health().state, DeviceState::Lost);
    // back again: the reader works without being recreated
    rig.sensor->faults().lost = false;
    rig.sensor->present(rig.synth.impression(3, 5));
    auto ok = rig.reader->verify(print, 10s);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_TRUE(ok->match);
}

TEST(FingerReader, SensorTimeoutIsDeviceTimeout) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    rig.sensor->faults().timeout = true;
    auto v = rig.reader->verify(std::vector<uint8_t>(10, 0), 200ms);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, errc::kTimeout);
}

TEST(FingerReader, TooHotDuringVerifyRecoversByRecreatingTheContext) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto print = rig.enrol(4);
    ASSERT_FALSE(print.empty());
    // The virtual_image driver reports FP_DEVICE_ERROR_TOO_HOT for the running verify.
    ASSERT_TRUE(rig.reader->injectDeviceError(fp::kFpErrorTooHot).ok());
    rig.sensor->present(rig.synth.impression(4, 6));
    auto v = rig.reader->verify(print, 15s);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_TRUE(v->match);  // the same capture, verified on the recreated context
    EXPECT_EQ(rig.reader->stats().recoveries, 1u);
    EXPECT_EQ(rig.reader->health().state, DeviceState::Ready);
}

TEST(FingerReader, ErrorDuringEnrolmentRecovers) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    ASSERT_TRUE(rig.reader->injectDeviceError(fp::kFpErrorProto).ok());
    auto print = rig.enrol(5);
    EXPECT_FALSE(print.empty());
    EXPECT_EQ(rig.reader->stats().recoveries, 1u);
}

TEST(FingerReader, CorruptTemplateIsBadInput) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    rig.sensor->present(rig.synth.impression(0, 0));
    auto v = rig.reader->verify(std::vector<uint8_t>(64, 0x5a), 5s);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code, errc::kBadInput);
}

TEST(FingerReader, UsbBackendWithoutHardwareIsUnavailable) {
    fp::ReaderOptions o;
    o.backend = fp::Backend::Usb;
    auto r = fp::LibfprintReader::create(o, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kUnavailable);
    EXPECT_NE(r.error().message.find("USB"), std::string::npos);
}

TEST(FingerTransaction, EitherFingerAcceptsSecondFingerAfterFirstFails) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto p0 = rig.enrol(6);
    auto p1 = rig.enrol(7);
    ASSERT_FALSE(p0.empty());
    ASSERT_FALSE(p1.empty());
    // finger 0: three impostor presentations; finger 1: genuine on its 2nd attempt
    for (int k = 0; k < 3; ++k) rig.sensor->present(rig.synth.impression(8, k));
    rig.sensor->present(fp::synthBlank(300, 300, 3));
    rig.sensor->present(rig.synth.impression(7, 6));
    fp::FingerTransaction tx(*rig.reader, {3, fp::FingerFusion::Either, 10000ms});
    std::vector<std::pair<int, int>> prompts;
    auto r = tx.run({p0, p1}, [&](int f, int a, FingerGuidance) { prompts.emplace_back(f, a); });
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->accepted);
    EXPECT_EQ(r->reason, "");
    EXPECT_EQ(r->attempts.size(), 5u);
    EXPECT_EQ(r->attempts[3].guidance, FingerGuidance::PressHarder);
    EXPECT_EQ(prompts.back(), (std::pair<int, int>{1, 2}));
}

TEST(FingerTransaction, BothFingersRuleNeedsBoth) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto p0 = rig.enrol(6);
    auto p1 = rig.enrol(7);
    rig.sensor->present(rig.synth.impression(6, 6));  // finger 0 genuine
    for (int k = 0; k < 3; ++k) rig.sensor->present(rig.synth.impression(9, k));  // finger 1 impostor
    fp::FingerTransaction tx(*rig.reader, {3, fp::FingerFusion::Both, 10000ms});
    auto r = tx.run({p0, p1});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->accepted);
    EXPECT_EQ(r->reason, "finger.no_match");
    EXPECT_EQ(r->fingerMatched, (std::vector<bool>{true, false}));
    EXPECT_EQ(r->attempts.size(), 4u);
}

TEST(FingerTransaction, DeviceLostEndsTransactionWithError) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    rig.sensor->faults().lost = true;
    fp::FingerTransaction tx(*rig.reader, {3, fp::FingerFusion::Either, 1000ms});
    auto r = tx.run({std::vector<uint8_t>(8, 1)});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::kLost);
}

TEST(FingerPrintMerge, MergedPrintHoldsAllImpressionsAndRejectsGarbage) {
    ReaderRig rig;
    ASSERT_TRUE(rig.reader);
    auto a = rig.enrol(1);
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(fp::printImpressions(a).valueOr(0), 5);
    auto m = fp::mergePrints({a, a});
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(fp::printImpressions(*m).valueOr(0), 10);
    auto bad = fp::mergePrints({a, std::vector<uint8_t>(20, 7)});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, errc::kBadInput);
}
