#pragma once
// Shared by the headless scenario runners (kiosk/lane/scenario.cpp,
// kiosk/registration/registration_scenario.cpp): both read the same path conventions and
// start each run on a fresh store.
#include <filesystem>
#include <memory>
#include <string>

#include "core/config.h"
#include "core/result.h"
#include "kiosk/store/store.h"

namespace kiosk::scenario {

// "@demo/x" -> demoDir/x; a relative path -> baseDir/path (the scenario file's folder);
// an absolute path as it is.
std::filesystem::path resolvePath(const std::filesystem::path& demoDir, const std::filesystem::path& baseDir,
                                  const std::string& p);

// workDir/fileName with a new random biometric key that stays in memory: no key file is
// written, so whatever a crashed run leaves behind cannot be decrypted. Any database (and
// its -wal, -shm) and key file an earlier run left there are removed first.
core::Result<std::unique_ptr<store::Store>> openFreshStore(const std::filesystem::path& workDir,
                                                           const std::string& fileName);

// The work folder of a temporary (headless demo or scenario) run: <temp>/<prefix>-<pid>.
// Folders <prefix>-<pid> of this user whose process is gone (a crashed or killed run) are
// removed first; returns how many in *removed when given.
std::filesystem::path temporaryRunDir(const std::string& prefix, int* removed = nullptr);

// The scenario in `file`; an empty `*baseDir` becomes the file's folder.
core::Result<core::Json> loadScenarioFile(const std::filesystem::path& file, std::filesystem::path* baseDir);

}  // namespace kiosk::scenario
