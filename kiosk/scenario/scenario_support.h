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

// workDir/fileName with a new biometrics key (workDir/biometrics.key): any database (and
// its -wal, -shm) and key an earlier run left there are removed first.
core::Result<std::unique_ptr<store::Store>> openFreshStore(const std::filesystem::path& workDir,
                                                           const std::string& fileName);

// The scenario in `file`; an empty `*baseDir` becomes the file's folder.
core::Result<core::Json> loadScenarioFile(const std::filesystem::path& file, std::filesystem::path* baseDir);

}  // namespace kiosk::scenario
