#include "ui/sounds.h"

#include <algorithm>
#include <cmath>

namespace kiosk::ui {

const char* soundCueName(SoundCue c) {
    switch (c) {
        case SoundCue::Success: return "success";
        case SoundCue::Refusal: return "refusal";
        case SoundCue::SeeOfficer: return "see_officer";
    }
    return "success";
}

const std::vector<SoundCue>& allSoundCues() {
    static const std::vector<SoundCue> all{SoundCue::Success, SoundCue::Refusal, SoundCue::SeeOfficer};
    return all;
}

const std::vector<Tone>& cueTones(SoundCue c) {
    // Pitches a fifth or more apart between cues, so no cue shares a note with another.
    static const std::vector<Tone> success{{880.0, 120, 30}, {1318.5, 240, 0}};    // A5 -> E6, up
    static const std::vector<Tone> refusal{{493.9, 180, 40}, {329.6, 320, 0}};     // B4 -> E4, down
    static const std::vector<Tone> officer{{659.3, 140, 110}, {659.3, 140, 110}, {659.3, 140, 0}};  // E5 x3
    switch (c) {
        case SoundCue::Success: return success;
        case SoundCue::Refusal: return refusal;
        case SoundCue::SeeOfficer: return officer;
    }
    return success;
}

std::vector<int16_t> synthesizeCue(SoundCue c, int sampleRate) {
    constexpr double kPi = 3.14159265358979323846;
    constexpr double kPeak = 0.5 * 32767.0;
    std::vector<int16_t> out;
    for (const Tone& t : cueTones(c)) {
        const int n = t.ms * sampleRate / 1000;
        const int fade = std::max(1, std::min(n / 2, sampleRate / 100));  // 10 ms
        for (int i = 0; i < n; ++i) {
            double env = 1.0;
            if (i < fade) env = double(i) / fade;
            if (n - 1 - i < fade) env = std::min(env, double(n - 1 - i) / fade);
            out.push_back(static_cast<int16_t>(std::lround(kPeak * env * std::sin(2.0 * kPi * t.hz * i / sampleRate))));
        }
        out.insert(out.end(), static_cast<std::size_t>(t.gapMs * sampleRate / 1000), int16_t{0});
    }
    return out;
}

std::string wavBytes(const std::vector<int16_t>& pcm, int sampleRate) {
    std::string w;
    auto u32 = [&w](uint32_t v) {
        for (int i = 0; i < 4; ++i) w.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    auto u16 = [&w](uint16_t v) {
        w.push_back(static_cast<char>(v & 0xff));
        w.push_back(static_cast<char>(v >> 8));
    };
    const auto data = static_cast<uint32_t>(pcm.size() * 2);
    w += "RIFF";
    u32(36 + data);
    w += "WAVEfmt ";
    u32(16);
    u16(1);  // PCM
    u16(1);  // mono
    u32(static_cast<uint32_t>(sampleRate));
    u32(static_cast<uint32_t>(sampleRate * 2));
    u16(2);
    u16(16);
    w += "data";
    u32(data);
    for (int16_t s : pcm) u16(static_cast<uint16_t>(s));
    return w;
}

namespace {

// The try number on a screen that allows retries (the lane's face and fingerprint steps).
int attemptOf(const ViewModel& vm) {
    if (vm.screen == Screen::Fingerprint || vm.screen == Screen::FaceCapture) return vm.attempt;
    return 0;
}

std::optional<SoundCue> registrationCue(const ViewModel* before, const RegistrationView& r) {
    const RegistrationView* b = before && before->registration ? &*before->registration : nullptr;
    auto entered = [&](RegistrationScreen s) { return r.screen == s && (!b || b->screen != s); };
    if (entered(RegistrationScreen::Receipt)) return SoundCue::Success;
    if (entered(RegistrationScreen::Refused)) return SoundCue::Refusal;
    if (r.screen == RegistrationScreen::TakeCard && r.cardAlarm && !(b && b->screen == r.screen && b->cardAlarm))
        return SoundCue::SeeOfficer;
    return std::nullopt;
}

}  // namespace

std::optional<SoundCue> cueForTransition(const ViewModel* before, const ViewModel& after) {
    if (after.officer.mode != OfficerMode::Closed) return std::nullopt;
    if (after.registration) return registrationCue(before, *after.registration);
    const bool lane = before && !before->registration;
    auto entered = [&](Screen s) { return after.screen == s && (!lane || before->screen != s); };
    if (entered(Screen::Proceed)) return SoundCue::Success;
    if (entered(Screen::SeeOfficer)) return SoundCue::SeeOfficer;
    if (lane && before->screen == after.screen && attemptOf(after) > attemptOf(*before) && attemptOf(*before) > 0)
        return SoundCue::Refusal;
    return std::nullopt;
}

}  // namespace kiosk::ui
