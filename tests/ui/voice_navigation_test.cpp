// Voice navigation (issue 17): every screen's instruction spoken in the chosen language,
// a key and a button that repeat it, the three sound cues, voice and sounds following the
// configuration, one polite register in the strings.
#include <gtest/gtest.h>

#include <SDL.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "core/config.h"
#include "policies/reasons.h"
#include "tests/support/test_support.h"
#include "tests/ui/ui_test_support.h"
#include "ui/app.h"
#include "ui/sounds.h"
#include "ui/strings.h"
#include "ui/ui_config.h"
#include "ui/voice.h"

namespace kiosk::ui {
namespace {

using testing::screenModel;

constexpr Language kVoiceLanguages[] = {Language::ZhHant, Language::En, Language::Pt};

std::unique_ptr<App> makeVoiceApp(VoiceMode voice = VoiceMode::Off, const std::string& binary = "espeak-ng",
                             SoundMode sounds = SoundMode::Off) {
    WindowOptions o;
    o.mode = DisplayMode::Offscreen;
    o.width = 960;
    o.height = 540;
    o.voice = voice;
    o.voiceBinary = binary;
    o.sounds = sounds;
    o.assetsDir = testing::sourceDir() / "assets";
    auto r = App::create(o);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
}

StringTable voiceTable() {
    auto t = StringTable::load(testing::sourceDir() / "assets" / "strings" / "strings.json");
    EXPECT_TRUE(t.ok());
    return t.ok() ? std::move(t).value() : StringTable{};
}

// A fake espeak-ng that appends its arguments to a log, one line per prompt.
struct VoiceFakeEspeak {
    std::filesystem::path script, log;
    explicit VoiceFakeEspeak(const std::string& tag) {
        auto dir = kiosk::testing::tempDir(tag);
        script = dir / "fake-espeak";
        log = dir / "calls.txt";
        std::ofstream f(script);
        f << "#!/bin/sh\necho \"$*\" >> " << log.string() << "\n";
        f.close();
        std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    }
    std::vector<std::string> lines() const {
        std::ifstream in(log);
        std::vector<std::string> out;
        for (std::string l; std::getline(in, l);) out.push_back(l);
        return out;
    }
    // Waits (up to 5 s: a spawned process, not a timing assertion) for n lines.
    std::vector<std::string> waitFor(std::size_t n) const {
        for (int i = 0; i < 500 && lines().size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return lines();
    }
};

// Every lane screen in the states that change what it says: guidance, retries, a refusal
// reason, the countdown.
std::vector<ViewModel> laneStates(Language l) {
    std::vector<ViewModel> out;
    for (Screen s : allScreens()) {
        auto vm = screenModel(s, l);
        vm.guidanceKey.clear();
        out.push_back(vm);
        if (s != screenModel(s, l).screen) continue;
        out.push_back(screenModel(s, l));  // with the sample's guidance / progress / reason
    }
    for (const char* g : {"face.come_closer", "face.move_back", "face.hold_still", "face.no_face", "face.too_dark"}) {
        auto vm = screenModel(Screen::FaceCapture, l);
        vm.guidanceKey = g;
        out.push_back(vm);
    }
    for (const char* g : {"finger.press_harder", "finger.lift_and_retry", "finger.hold_still"}) {
        auto vm = screenModel(Screen::Fingerprint, l);
        vm.guidanceKey = g;
        vm.progressStep = 2;
        vm.progressTotal = 3;
        out.push_back(vm);
    }
    // retries and the liveness challenge, said as they are shown
    for (Screen s : {Screen::FaceCapture, Screen::Fingerprint}) {
        auto retry = screenModel(s, l);
        retry.attempt = 2;
        retry.attempts = 3;
        out.push_back(retry);
    }
    for (LivenessPrompt p : {LivenessPrompt::Blink, LivenessPrompt::HeadTurn, LivenessPrompt::BlinkOrHeadTurn}) {
        auto face = screenModel(Screen::FaceCapture, l);
        face.liveness = p;
        out.push_back(face);
    }
    auto plain = screenModel(Screen::SeeOfficer, l);
    plain.reasonText.reset();  // the generic "see an officer"
    out.push_back(plain);
    // a policy-voiceTable reason text: whole sentences with their own full stop
    auto policy = screenModel(Screen::SeeOfficer, l);
    const auto& r = policies::genericRefusal();
    policy.reasonText = TextTriple{std::string(r.zhHant), std::string(r.en), std::string(r.pt)};
    out.push_back(policy);
    return out;
}

TEST(VoiceNavigation, EveryScreenHasASpokenInstructionInEveryLanguage) {
    auto app = makeVoiceApp();
    ASSERT_TRUE(app);
    auto t = voiceTable();
    const auto keys = t.keys();
    for (Language l : kVoiceLanguages) {
        for (const ViewModel& vm : laneStates(l)) {
            const std::string what = std::string(screenName(vm.screen)) + "/" + languageTag(l) + "/" + vm.guidanceKey;
            const std::string text = app->spokenText(vm);
            ASSERT_FALSE(text.empty()) << what;
            // the screen's own words, in its language (the same voiceTable the screen is drawn from)
            EXPECT_NE(text.find(t.get(std::string(screenName(vm.screen)) + ".title", l)), std::string::npos) << what;
            if (!vm.guidanceKey.empty()) {
                EXPECT_NE(text.find(t.get(vm.guidanceKey, l)), std::string::npos) << what << ": " << text;
            }
            if (vm.reasonText) {
                EXPECT_NE(text.find(vm.reasonText->in(l)), std::string::npos) << what;
            }
            if (vm.screen == Screen::FaceCapture && vm.liveness != LivenessPrompt::None) {
                const char* key = vm.liveness == LivenessPrompt::Blink      ? "face.liveness_blink"
                                  : vm.liveness == LivenessPrompt::HeadTurn ? "face.liveness_head_turn"
                                                                            : "face.liveness_blink_or_head_turn";
                EXPECT_NE(text.find(t.get(key, l)), std::string::npos) << what << ": " << text;
            }
            if (vm.attempt >= 2) {
                EXPECT_NE(text.find(std::to_string(vm.attempt)), std::string::npos) << what << ": " << text;
            }
            for (const auto& k : keys) EXPECT_EQ(text.find(k + "."), std::string::npos) << what << ": key " << k;
            EXPECT_EQ(text.find('{'), std::string::npos) << what << ": placeholder left: " << text;
            // one full stop between sentences, never two ("。." after a reason text)
            for (const char* twice : {"。.", "..", "?.", "？."})
                EXPECT_EQ(text.find(twice), std::string::npos) << what << ": " << text;
            // the command built for it uses the language's espeak-ng voice
            auto argv = espeakCommand(text, l);
            ASSERT_GE(argv.size(), 3u);
            EXPECT_EQ(argv[1], "-v");
            EXPECT_EQ(argv[2], l == Language::ZhHant ? "yue" : l == Language::En ? "en" : "pt") << what;
            EXPECT_EQ(argv.back(), text);
        }
    }
}

TEST(VoiceNavigation, SpokenTextFollowsTheScreensState) {
    auto app = makeVoiceApp();
    ASSERT_TRUE(app);
    auto t = voiceTable();
    auto finger = screenModel(Screen::Fingerprint, Language::En);
    finger.guidanceKey = "finger.press_harder";
    auto other = finger;
    other.guidanceKey = "finger.lift_and_retry";
    EXPECT_NE(app->spokenText(finger), app->spokenText(other));
    auto warning = screenModel(Screen::TimeoutWarning, Language::Pt);
    warning.timeoutSecondsLeft = 17;
    EXPECT_NE(app->spokenText(warning).find("17"), std::string::npos) << app->spokenText(warning);
    // the welcome screen tells how to hear it again; no other screen repeats that hint
    EXPECT_NE(app->spokenText(screenModel(Screen::Welcome, Language::ZhHant)).find(t.get("voice.repeat_hint", Language::ZhHant)),
              std::string::npos);
    EXPECT_EQ(app->spokenText(screenModel(Screen::Proceed, Language::ZhHant)).find(t.get("voice.repeat_hint", Language::ZhHant)),
              std::string::npos);
    // the officer overlay is silent
    auto officer = screenModel(Screen::Welcome, Language::En);
    officer.officer = testing::sampleOfficer(OfficerMode::Menu);
    EXPECT_EQ(app->spokenText(officer), "");
}

TEST(VoiceNavigation, RepeatKeyAndButtonSpeakTheInstructionAgain) {
    VoiceFakeEspeak fake("voice_repeat");
    auto app = makeVoiceApp(VoiceMode::Espeak, fake.script.string());
    ASSERT_TRUE(app);
    auto vm = screenModel(Screen::FaceCapture, Language::Pt);
    vm.voiceEnabled = true;
    ASSERT_TRUE(app->render(vm).ok());
    ASSERT_TRUE(app->render(vm).ok());  // unchanged: said once
    ASSERT_EQ(fake.waitFor(1).size(), 1u);

    SDL_Event key{};
    key.type = SDL_KEYDOWN;
    key.key.keysym.sym = SDLK_r;
    ASSERT_EQ(SDL_PushEvent(&key), 1);
    app->pollEvents();
    ASSERT_EQ(fake.waitFor(2).size(), 2u);

    key.key.keysym.sym = SDLK_F1;
    ASSERT_EQ(SDL_PushEvent(&key), 1);
    app->pollEvents();
    ASSERT_EQ(fake.waitFor(3).size(), 3u);

    // the on-screen button, also with the traveller's voice switch off
    vm.voiceEnabled = false;
    ASSERT_TRUE(app->render(vm).ok());
    std::optional<TapTarget> repeat;
    for (const auto& tt : app->tapTargets())
        if (tt.id == "repeat") repeat = tt;
    ASSERT_TRUE(repeat);
    EXPECT_GE(repeat->box.h, 88 * 540 / 1080);
    app->injectTap(repeat->box.x + repeat->box.w / 2, repeat->box.y + repeat->box.h / 2);
    EXPECT_TRUE(app->pollEvents().empty());  // handled inside the UI: no lane event
    auto lines = fake.waitFor(4);
    ASSERT_EQ(lines.size(), 4u);
    const std::string said = app->spokenText(vm);
    for (const auto& line : lines) {
        EXPECT_NE(line.find("-v pt "), std::string::npos) << line;
        EXPECT_NE(line.find(said), std::string::npos) << line << "\n  expected: " << said;
    }
}

TEST(VoiceNavigation, RepeatButtonOnEveryScreenAndNothingWithVoiceOff) {
    auto app = makeVoiceApp(VoiceMode::Off);
    ASSERT_TRUE(app);
    auto hasRepeat = [&app] {
        bool found = false;
        for (const auto& tt : app->tapTargets()) found = found || tt.id == "repeat";
        return found;
    };
    for (Screen s : allScreens()) {
        ASSERT_TRUE(app->render(screenModel(s, Language::En)).ok());
        EXPECT_TRUE(hasRepeat()) << screenName(s);
    }
    for (RegistrationScreen s : allRegistrationScreens()) {
        ASSERT_TRUE(app->render(sampleRegistrationViewModel(s, Language::ZhHant)).ok());
        EXPECT_TRUE(hasRepeat()) << registrationScreenName(s);
    }
    EXPECT_FALSE(app->repeatPrompt());  // VoiceMode::Off ("ui.voice": false): never speaks
}

// Power of frequency hz in pcm (Goertzel), normalised by length.
double power(const std::vector<int16_t>& pcm, double hz, std::size_t from = 0, std::size_t to = 0) {
    if (to == 0) to = pcm.size();
    const double w = 2.0 * 3.14159265358979323846 * hz / kSoundSampleRate;
    const double c = 2.0 * std::cos(w);
    double s1 = 0, s2 = 0;
    for (std::size_t i = from; i < to; ++i) {
        double s0 = pcm[i] / 32768.0 + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return (s1 * s1 + s2 * s2 - c * s1 * s2) / double(to - from);
}

// Runs of sound separated by at least 20 ms of silence.
int bursts(const std::vector<int16_t>& pcm) {
    int n = 0, quiet = kSoundSampleRate;  // leading silence counts as a gap
    for (int16_t s : pcm) {
        if (std::abs(s) > 200) {
            if (quiet >= kSoundSampleRate / 50) ++n;
            quiet = 0;
        } else {
            ++quiet;
        }
    }
    return n;
}

TEST(SoundCues, TheThreeCuesDifferInPitchRhythmAndLength) {
    std::vector<std::vector<int16_t>> pcm;
    for (SoundCue c : allSoundCues()) pcm.push_back(synthesizeCue(c));
    ASSERT_EQ(pcm.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& tones = cueTones(allSoundCues()[i]);
        std::size_t expected = 0;
        for (const auto& t : tones) expected += std::size_t(t.ms + t.gapMs) * kSoundSampleRate / 1000;
        EXPECT_EQ(pcm[i].size(), expected);
        EXPECT_GT(pcm[i].size(), std::size_t(kSoundSampleRate / 5));  // at least 0.2 s: audible
        EXPECT_LT(pcm[i].size(), std::size_t(kSoundSampleRate));      // under 1 s: never in the way
        int peak = 0;
        for (int16_t s : pcm[i]) peak = std::max(peak, std::abs(int(s)));
        EXPECT_GT(peak, 10000);
        EXPECT_LT(peak, 20000);  // no clipping
        // each cue's own notes carry far more energy than any other cue's notes
        for (std::size_t j = 0; j < 3; ++j) {
            if (j == i) continue;
            EXPECT_NE(pcm[i].size(), pcm[j].size());
            for (const auto& own : tones)
                for (const auto& foreign : cueTones(allSoundCues()[j]))
                    EXPECT_GT(power(pcm[i], own.hz), 20 * power(pcm[i], foreign.hz))
                        << soundCueName(allSoundCues()[i]) << " " << own.hz << " vs " << foreign.hz;
        }
    }
    // rhythm: success and refusal are two notes, see-an-officer three equal beeps
    EXPECT_EQ(bursts(pcm[0]), 2);
    EXPECT_EQ(bursts(pcm[1]), 2);
    EXPECT_EQ(bursts(pcm[2]), 3);
    // direction: success rises, refusal falls (which note leads in the first half, which
    // in the second)
    auto goesFrom = [](const std::vector<int16_t>& p, double a, double b) {
        std::size_t m = p.size() / 2;
        return power(p, a, 0, m) > power(p, b, 0, m) && power(p, b, m, p.size()) > power(p, a, m, p.size());
    };
    const auto& su = cueTones(SoundCue::Success);
    const auto& re = cueTones(SoundCue::Refusal);
    EXPECT_TRUE(goesFrom(pcm[0], su[0].hz, su[1].hz));
    EXPECT_TRUE(goesFrom(pcm[1], re[0].hz, re[1].hz));
    EXPECT_GT(su[1].hz, su[0].hz);
    EXPECT_LT(re[1].hz, re[0].hz);
    // the WAV form (kioskctl ui sounds) is a RIFF PCM file of the same samples
    auto wav = wavBytes(pcm[2]);
    EXPECT_EQ(wav.substr(0, 4), "RIFF");
    EXPECT_EQ(wav.substr(8, 8), "WAVEfmt ");
    EXPECT_EQ(wav.size(), 44 + pcm[2].size() * 2);
}

TEST(SoundCues, ChosenFromWhatTheScreenShows) {
    auto welcome = screenModel(Screen::Welcome, Language::En);
    auto proceed = screenModel(Screen::Proceed, Language::En);
    auto officer = screenModel(Screen::SeeOfficer, Language::En);
    EXPECT_EQ(cueForTransition(&welcome, proceed), SoundCue::Success);
    EXPECT_EQ(cueForTransition(nullptr, proceed), SoundCue::Success);
    EXPECT_FALSE(cueForTransition(&proceed, proceed));  // once, not every frame
    EXPECT_EQ(cueForTransition(&welcome, officer), SoundCue::SeeOfficer);
    EXPECT_FALSE(cueForTransition(&proceed, welcome));
    for (Screen s : {Screen::Fingerprint, Screen::FaceCapture}) {
        auto f1 = screenModel(s, Language::En);
        f1.attempt = 1;
        f1.attempts = 3;
        auto f2 = f1;
        f2.attempt = 2;
        EXPECT_EQ(cueForTransition(&f1, f2), SoundCue::Refusal) << screenName(s);  // a failed try: try again
        EXPECT_FALSE(cueForTransition(&f2, f2)) << screenName(s);
        auto moved = f1;
        moved.progressStep = f1.progressStep + 1;  // progress within a try is no refusal
        EXPECT_FALSE(cueForTransition(&f1, moved)) << screenName(s);
    }
    auto overlay = proceed;
    overlay.officer = testing::sampleOfficer(OfficerMode::Menu);
    EXPECT_FALSE(cueForTransition(&welcome, overlay));
    // the registration machine: saved, refused, card left in the reader
    auto reg = [](RegistrationScreen s) { return sampleRegistrationViewModel(s, Language::En); };
    auto confirm = reg(RegistrationScreen::Confirm), receipt = reg(RegistrationScreen::Receipt);
    EXPECT_EQ(cueForTransition(&confirm, receipt), SoundCue::Success);
    EXPECT_EQ(cueForTransition(&confirm, reg(RegistrationScreen::Refused)), SoundCue::Refusal);
    auto take = reg(RegistrationScreen::TakeCard), alarm = take;
    alarm.registration->cardAlarm = true;
    EXPECT_FALSE(cueForTransition(&confirm, take));
    EXPECT_EQ(cueForTransition(&take, alarm), SoundCue::SeeOfficer);
    EXPECT_FALSE(cueForTransition(&alarm, alarm));
}

TEST(SoundCues, PlayedOnTheAudioDeviceAndSilentWithoutOne) {
    // SDL's dummy driver: a real audio device that discards what it plays (no sound card here)
    setenv("SDL_AUDIODRIVER", "dummy", 1);
    {
        auto app = makeVoiceApp(VoiceMode::Off, "espeak-ng", SoundMode::Tones);
        ASSERT_TRUE(app);
        ASSERT_TRUE(app->render(screenModel(Screen::Welcome, Language::En)).ok());
        EXPECT_EQ(app->lastSound(), "");
        ASSERT_TRUE(app->render(screenModel(Screen::SeeOfficer, Language::En)).ok());
        EXPECT_EQ(app->lastSound(), "see_officer");
        ASSERT_TRUE(app->render(screenModel(Screen::Proceed, Language::En)).ok());
        EXPECT_EQ(app->lastSound(), "success");
    }
    {
        // the prompt of the new screen follows the cue instead of talking over it
        VoiceFakeEspeak fake("voice_after_cue");
        auto app = makeVoiceApp(VoiceMode::Espeak, fake.script.string(), SoundMode::Tones);
        ASSERT_TRUE(app);
        auto vm = screenModel(Screen::Proceed, Language::En);
        vm.voiceEnabled = true;
        ASSERT_TRUE(app->render(vm).ok());
        EXPECT_EQ(app->lastSound(), "success");
        for (int i = 0; i < 500 && fake.lines().empty(); ++i) {
            app->pollEvents();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        auto lines = fake.lines();
        ASSERT_EQ(lines.size(), 1u);
        EXPECT_NE(lines[0].find(app->spokenText(vm)), std::string::npos) << lines[0];
    }
    {
        auto quiet = makeVoiceApp(VoiceMode::Off, "espeak-ng", SoundMode::Off);
        ASSERT_TRUE(quiet);
        ASSERT_TRUE(quiet->render(screenModel(Screen::Proceed, Language::En)).ok());
        EXPECT_EQ(quiet->lastSound(), "");
    }
    // no usable audio driver: the lane runs on, silently
    setenv("SDL_AUDIODRIVER", "no-such-driver", 1);
    {
        auto app = makeVoiceApp(VoiceMode::Off, "espeak-ng", SoundMode::Tones);
        ASSERT_TRUE(app);
        ASSERT_TRUE(app->render(screenModel(Screen::Proceed, Language::En)).ok());
        EXPECT_EQ(app->lastSound(), "");
    }
    unsetenv("SDL_AUDIODRIVER");
}

TEST(VoiceConfig, VoiceAndSoundsAreOnUnlessTheConfigurationSaysOff) {
    auto opts = [](const char* text) {
        static core::Json j;
        j = core::Json::parse(text);
        return windowOptionsFromConfig(core::ConfigView(j, "ui"));
    };
    auto d = opts("{}");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->voice, VoiceMode::Espeak);
    EXPECT_EQ(d->sounds, SoundMode::Tones);
    auto off = opts(R"({"voice": false, "sounds": false, "voice_binary": "/opt/espeak"})");
    ASSERT_TRUE(off.ok());
    EXPECT_EQ(off->voice, VoiceMode::Off);
    EXPECT_EQ(off->sounds, SoundMode::Off);
    EXPECT_EQ(off->voiceBinary, "/opt/espeak");
    auto bad = opts(R"({"sounds": "loud"})");
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("ui.sounds"), std::string::npos) << bad.error().message;
}

TEST(UiWording, TraditionalChineseUsesThePolite您Only) {
    auto t = voiceTable();
    int zh = 0;
    for (const auto& k : t.keys()) {
        const auto& s = t.get(k, Language::ZhHant);
        ++zh;
        EXPECT_EQ(s.find("你"), std::string::npos) << k << ": " << s;
    }
    EXPECT_GT(zh, 100);
    // the refusal texts the lane shows come from the policy voiceTable: the same register
    for (const auto& r : policies::allReasons()) EXPECT_EQ(r.zhHant.find("你"), std::string_view::npos) << r.code;
    EXPECT_EQ(policies::genericRefusal().zhHant.find("你"), std::string_view::npos);
}

TEST(UiWording, PortugueseKeepsOneFormalGenderNeutralRegister) {
    // docs/ui.md "Wording": third-person formal imperative, "o seu / a sua", never "tu" or
    // "você", no agreement with the traveller's gender, "canal" for the lane, AO90 spelling
    auto t = voiceTable();
    std::vector<std::string> all;
    for (const auto& k : t.keys()) all.push_back(k + ": " + t.get(k, Language::Pt));
    for (const auto& r : policies::allReasons()) all.push_back(std::string(r.code) + ": " + std::string(r.pt));
    for (const std::string& s : all) {
        for (const char* banned : {" você", "Você", " tu ", " teu", " tua ", "Bem-vindo", "ajudá-lo", "está inscrit",
                                   " via ", " via.", "Actual", "actual", "Por favor, entre"})
            EXPECT_EQ(s.find(banned), std::string::npos) << banned << " in " << s;
    }
}

TEST(UiWording, OfficerAlertTextsInEveryLanguageForEveryReasonCode) {
    auto t = voiceTable();
    for (const auto& r : policies::allReasons()) {
        const std::string key = "officer.alert." + std::string(r.code);
        ASSERT_TRUE(t.has(key)) << key;
        // English is the policy voiceTable's officer text: the two cannot drift apart
        EXPECT_EQ(t.get(key, Language::En), std::string(r.officer)) << key;
        EXPECT_NE(t.get(key, Language::ZhHant), t.get(key, Language::En)) << key << " not translated";
        EXPECT_NE(t.get(key, Language::Pt), t.get(key, Language::En)) << key << " not translated";
    }
}

}  // namespace
}  // namespace kiosk::ui
