#pragma once
// The kiosk's configuration file, read strictly before anything starts (issue 16): every
// key anywhere must be one the program reads (an unknown key is config.unknown_key naming
// the full key, with a "did you mean" hint), and every value must be valid, whatever the
// mode uses of it, so a misspelt "stor" can never send the store to the default folder.
// The parts are read by the same functions that read them for use (sync, ui, policy,
// registration, devices, fingerprint); this file adds the top level, "store", "trust" and
// the face keys the kiosk reads today. docs/configuration.md lists every key.
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"

namespace kiosk {

enum class KioskRole { Lane, Registration };

// The top-level keys the program reads in this role.
const std::vector<std::string>& topLevelKeys(KioskRole role);
// The keys of "store", "trust" and "face" (the sections this file reads itself).
const std::vector<std::string>& storeKeys();
const std::vector<std::string>& trustKeys();
const std::vector<std::string>& faceKeys();

// The whole file. `configDir` resolves relative paths (sync certificates, strings).
core::Status checkKioskConfig(const core::ConfigView& root, KioskRole role, const std::filesystem::path& configDir);

// What a program does when its screen could not be opened (ui::App::create, the UI
// bridges). No mode changes silently: a configuration or installation error (a bad ui.*
// value, a missing font, no strings) stops the program; no display stops a live machine,
// and only a demo plays on headless, saying so.
enum class UiFailure { Stop, PlayHeadless };
UiFailure uiFailure(const core::Error& e, bool live);
// The line printed for it, e.g. "kiosk: config.bad_value: ui.font: ... (the screen could not be opened; nothing was started)".
std::string uiFailureMessage(const core::Error& e, bool live);

}  // namespace kiosk
