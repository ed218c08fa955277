#include "kiosk/scenario/scenario_support.h"

#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>


namespace kiosk::scenario {

namespace fs = std::filesystem;

fs::path resolvePath(const fs::path& demoDir, const fs::path& baseDir, const std::string& p) {
    if (p.rfind("@demo/", 0) == 0) return demoDir / p.substr(6);
    fs::path f(p);
    return f.is_absolute() ? f : baseDir / f;
}

core::Result<std::unique_ptr<store::Store>> openFreshStore(const fs::path& workDir, const std::string& fileName) {
    fs::create_directories(workDir);
    ::chmod(workDir.c_str(), 0700);
    const fs::path db = workDir / fileName;
    std::error_code ec;
    for (auto suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
    fs::remove(workDir / "biometrics.key", ec);  // left by an older version
    store::StoreOptions so;
    auto key = store::Store::generateKey();
    if (!key.ok()) return key.error();
    so.keyBytes = std::move(*key);
    return store::Store::open(db, so);
}

fs::path temporaryRunDir(const std::string& prefix, int* removed) {
    const fs::path tmp = fs::temp_directory_path();
    int n = 0;
    std::error_code ec;
    for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() <= prefix.size() + 1 || name.compare(0, prefix.size() + 1, prefix + "-") != 0) continue;
        const std::string digits = name.substr(prefix.size() + 1);
        if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(digits));
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
        if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // that run is still going
        std::error_code rm;
        fs::remove_all(it->path(), rm);
        if (!rm) ++n;
    }
    if (removed) *removed = n;
    return tmp / (prefix + "-" + std::to_string(::getpid()));
}

core::Result<core::Json> loadScenarioFile(const fs::path& file, fs::path* baseDir) {
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(file));
    if (baseDir->empty()) *baseDir = file.parent_path();
    return j;
}

}  // namespace kiosk::scenario
