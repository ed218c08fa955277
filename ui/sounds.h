#pragma once
// The lane's three sound cues, synthesised in code (no sound files, no extra package):
//   Success     two rising notes, bright  (door 2 opens: proceed; registration saved)
//   Refusal     two falling notes, low    (an attempt failed, try again; registration refused)
//   SeeOfficer  three short equal beeps   (sent to an officer; card left in the reader)
// Each differs from the others in pitch, direction and rhythm, so a traveller who cannot
// see the screen (or does not read its language) still knows the outcome. Played through
// SDL audio by the App (ui/app.cpp); with no audio device they are silent.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ui/view_model.h"

namespace kiosk::ui {

enum class SoundCue { Success, Refusal, SeeOfficer };

const char* soundCueName(SoundCue c);  // "success", "refusal", "see_officer"
const std::vector<SoundCue>& allSoundCues();

constexpr int kSoundSampleRate = 22050;

// One note: a sine at `hz` for `ms`, then `gapMs` of silence.
struct Tone {
    double hz = 0;
    int ms = 0;
    int gapMs = 0;
};

const std::vector<Tone>& cueTones(SoundCue c);

// Mono signed 16-bit PCM of the cue at `sampleRate` (10 ms fade in and out per note: no
// clicks), peak about half of full scale.
std::vector<int16_t> synthesizeCue(SoundCue c, int sampleRate = kSoundSampleRate);

// The same as a RIFF WAV file (kioskctl ui sounds --out DIR, to listen to them).
std::string wavBytes(const std::vector<int16_t>& pcm, int sampleRate = kSoundSampleRate);

// Which cue the change from `before` (nullptr: nothing shown yet) to `after` calls for:
// entering the lane's Proceed (or the registration Receipt) = Success; entering SeeOfficer
// (or the registration card alarm) = SeeOfficer; the registration Refused screen, or a new
// attempt on the face or fingerprint screen = Refusal. Nothing while the officer overlay
// is open. The UI chooses no outcome: it only sounds the one the view model shows.
std::optional<SoundCue> cueForTransition(const ViewModel* before, const ViewModel& after);

}  // namespace kiosk::ui
