#include "kiosk/scenario/scenario_support.h"

namespace kiosk::scenario {

namespace fs = std::filesystem;

fs::path resolvePath(const fs::path& demoDir, const fs::path& baseDir, const std::string& p) {
    if (p.rfind("@demo/", 0) == 0) return demoDir / p.substr(6);
    fs::path f(p);
    return f.is_absolute() ? f : baseDir / f;
}

core::Result<std::unique_ptr<store::Store>> openFreshStore(const fs::path& workDir, const std::string& fileName) {
    fs::create_directories(workDir);
    const fs::path db = workDir / fileName, key = workDir / "biometrics.key";
    std::error_code ec;
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
    fs::remove(key, ec);
    KIOSK_TRY(store::Store::createKeyFile(key));
    store::StoreOptions so;
    so.keyFile = key;
    return store::Store::open(db, so);
}

core::Result<core::Json> loadScenarioFile(const fs::path& file, fs::path* baseDir) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(file));
    if (baseDir->empty()) *baseDir = file.parent_path();
    return j;
}

}  // namespace kiosk::scenario
