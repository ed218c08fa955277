#include "devices/fingerprint/libfprint_runtime.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace kiosk::devices::fingerprint {

std::string gerrorText(const GError* e) { return e && e->message ? e->message : "unknown error"; }

std::string makePrivateDir(const std::string& wanted) {
    if (!wanted.empty()) {
        std::filesystem::create_directories(wanted);
        ::chmod(wanted.c_str(), 0700);
        return wanted;
    }
    const char* rt = std::getenv("XDG_RUNTIME_DIR");
    std::string base = (rt && *rt && std::filesystem::is_directory(rt)) ? rt : "/tmp";
    std::string tmpl = base + "/kiosk-fp-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data())) return "";
    return std::string(buf.data());  // mkdtemp creates it 0700
}

}  // namespace kiosk::devices::fingerprint
