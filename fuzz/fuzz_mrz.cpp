// MRZ: input split on newlines into lines; parse never crashes; check digits stay in range.
#include <cstdlib>
#include <string>
#include <vector>

#include "credentials/mrz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiosk::credentials;
    const std::string in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> lines;
    std::string cur;
    for (char c : in) {
        if (c == '\n') {
            lines.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    lines.push_back(cur);
    auto r = parseMrz(lines, 1795000000);
    if (r.ok() && (r->documentNumber.empty() || r->surname.empty())) std::abort();
    const int d = mrzCheckDigit(in);
    if (d < -1 || d > 9) std::abort();
    return 0;
}
