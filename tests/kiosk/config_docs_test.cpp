// Issue 16, defect 5: keys that docs/ list were not read by the kiosk, and a misspelt key
// was ignored. This test reads the key tables and the configuration examples of
// docs/configuration.md, ui.md, sync.md, registration.md and devices.md, and for every key
// documented there shows that the kiosk's configuration check (the same readers the
// program uses) reads it: set to a value of the wrong kind in an otherwise valid file, the
// key is refused by name (config.bad_value / missing_key), never as an unknown key and
// never silently accepted. The documented examples themselves must be accepted.
#ifdef KIOSK_HAS_CONFIG_CHECK
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "core/config.h"
#include "kiosk/kiosk_config.h"
#include "tests/support/test_support.h"

namespace kiosk::testing {
namespace {

namespace fs = std::filesystem;
using core::Json;

std::string readDoc(const std::string& name) {
    std::ifstream in(sourceDir() / "docs" / name);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool inCode = false;
    for (std::size_t i = 1; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '`') inCode = !inCode;
        if (c == '|' && !inCode) {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return out;
}

std::vector<std::string> backticked(const std::string& cell) {
    std::vector<std::string> out;
    static const std::regex re("`([A-Za-z0-9_.]+)`");
    for (std::sregex_iterator it(cell.begin(), cell.end(), re), end; it != end; ++it) out.push_back((*it)[1]);
    return out;
}

struct Row {
    std::vector<std::string> c;
};

// The rows of every table whose header's first cell matches `header`.
std::vector<Row> tableRows(const std::string& doc, const std::regex& header) {
    std::vector<Row> rows;
    std::istringstream in(doc);
    std::string line;
    bool inTable = false;
    while (std::getline(in, line)) {
        if (line.rfind("|", 0) != 0) {
            inTable = false;
            continue;
        }
        auto c = cells(line);
        if (c.empty()) continue;
        if (!inTable) {
            std::string first = c[0];
            inTable = std::regex_search(first, header);
            std::getline(in, line);  // the |---| line
            continue;
        }
        rows.push_back(Row{c});
    }
    return rows;
}

// The ```json blocks of a doc (comments allowed).
std::vector<std::string> jsonBlocks(const std::string& doc) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while ((at = doc.find("```json\n", at)) != std::string::npos) {
        const std::size_t start = at + 8, end = doc.find("```", start);
        out.push_back(doc.substr(start, end - start));
        at = end + 3;
    }
    return out;
}

// Every leaf and section key of an object, as dotted paths under `prefix`.
void collectKeys(const Json& j, const std::string& prefix, std::vector<std::string>& out) {
    for (const auto& [k, v] : j.items()) {
        const std::string path = prefix.empty() ? k : prefix + "." + k;
        out.push_back(path);
        if (v.is_object()) collectKeys(v, path, out);
    }
}

void setPath(Json& j, const std::string& path, const Json& value) {
    Json* at = &j;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (dot == std::string::npos) {
            (*at)[key] = value;
            return;
        }
        if (!at->contains(key) || !(*at)[key].is_object()) (*at)[key] = Json::object();
        at = &(*at)[key];
        start = dot + 1;
    }
}

const Json* getPath(const Json& j, const std::string& path) {
    const Json* at = &j;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object() || !at->contains(key)) return nullptr;
        at = &(*at)[key];
        if (dot == std::string::npos) return at;
        start = dot + 1;
    }
}

class ConfigDocs : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = tempDir("config-docs");
        for (const char* f : {"dev.crt.pem", "dev.key.pem", "ca.pem", "template.key"}) std::ofstream(dir_ / f) << "x";
    }

    Json syncSection() const {
        return {{"server", "https://clearance.example:8443"}, {"cert_file", (dir_ / "dev.crt.pem").string()},
                {"key_file", (dir_ / "dev.key.pem").string()}, {"ca_file", (dir_ / "ca.pem").string()},
                {"template_key_file", (dir_ / "template.key").string()}};
    }

    // A valid file with every section present, so a key set to a bad value is refused for
    // that key and nothing else.
    Json laneBase() const {
        return {{"mode", "live"},
                {"lane_id", "HZMB-A-07"},
                {"scenario", "../scenarios/demo.json"},
                {"face", {{"recognition_model", ""}, {"match_threshold", 0.5}}},
                {"fingerprint", {{"backend", "virtual_image"}}},
                {"devices",
                 {{"camera", {{"backend", "sim"}}},
                  {"qr", {{"backend", "sim"}}},
                  {"document", {{"backend", "sim"}}},
                  {"gate", {{"backend", "sim"}}}}},
                {"store", {{"path", "kiosk.sqlite"}, {"key_file", "bio.key"}}},
                {"trust", {{"file", "trust.cose"}, {"signer_public_key", "signer.pem"}}},
                {"policy", {{"utc_offset_minutes", 480}}},
                {"sync", syncSection()},
                {"ui", {{"display", "offscreen"}}}};
    }
    Json registrationBase() const {
        return {{"mode", "registration"},
                {"live", false},
                {"scenario", "../scenarios/registration.json"},
                {"strings", (sourceDir() / "assets/strings/strings.json").string()},
                {"face", {{"recognition_model", ""}, {"match_threshold", 0.5}}},
                {"fingerprint", {{"backend", "virtual_image"}}},
                {"devices", {{"camera", {{"backend", "sim"}}}, {"document", {{"backend", "sim"}}},
                             {"printer", {{"backend", "sim"}}}}},
                {"store", {{"path", "registration.sqlite"}, {"key_file", "bio.key"}}},
                {"registration", {{"device_id", "REG-01"}, {"timeouts_ms", Json::object()}}},
                {"policy", {{"utc_offset_minutes", 480}}},
                {"sync", syncSection()},
                {"ui", {{"display", "offscreen"}}}};
    }

    core::Status check(const Json& j, KioskRole role) const { return checkKioskConfig(core::ConfigView(j), role, dir_); }

    // `path` set to a value of the wrong kind: refused, by name, as a bad (not unknown) key.
    // Returns "" when so, else what went wrong.
    std::string readBy(Json j, const std::string& path, KioskRole role) const {
        const Json* now = getPath(j, path);
        const Json bad = now && now->is_object() ? Json(42) : Json{{"not", "a valid value"}};
        setPath(j, path, bad);
        auto st = check(j, role);
        if (st.ok()) return path + ": a bad value was accepted (the key is not read)";
        if (st.error().code == "config.unknown_key") return path + ": unknown to the kiosk: " + st.error().message;
        if (st.error().message.rfind(path, 0) != 0)
            return path + ": the error does not name it: " + st.error().code + ": " + st.error().message;
        return "";
    }
    // Read by the lane or by the registration machine (configuration.md covers both).
    std::string readByEither(const std::string& path) const {
        auto lane = readBy(laneBase(), path, KioskRole::Lane);
        if (lane.empty()) return "";
        auto reg = readBy(registrationBase(), path, KioskRole::Registration);
        return reg.empty() ? "" : lane + " / " + reg;
    }

    fs::path dir_;
};

TEST_F(ConfigDocs, TheBaseFilesAreValid) {
    auto lane = check(laneBase(), KioskRole::Lane);
    EXPECT_TRUE(lane.ok()) << lane.error().message;
    auto reg = check(registrationBase(), KioskRole::Registration);
    EXPECT_TRUE(reg.ok()) << reg.error().message;
}

TEST_F(ConfigDocs, EveryKeyOfConfigurationMdIsRead) {
    const std::string doc = readDoc("configuration.md");
    ASSERT_FALSE(doc.empty());
    std::set<std::string> keys;
    for (const auto& row : tableRows(doc, std::regex("^\\s*key\\s*$")))
        for (const auto& k : backticked(row.c[0])) keys.insert(k);
    // The examples' keys too (their device and sync keys: the devices.md and sync.md tests
    // below, which need each device's backend and real certificate files).
    for (const auto& block : jsonBlocks(doc)) {
        auto j = core::parseJsonText(block, "configuration.md example");
        ASSERT_TRUE(j.ok()) << j.error().message;
        std::vector<std::string> found;
        collectKeys(*j, "", found);
        for (const auto& k : found)
            if (k.rfind("devices.", 0) != 0 && k.rfind("sync.", 0) != 0) keys.insert(k);
    }
    EXPECT_GE(keys.size(), 15u) << "the tables were not found";
    for (const char* k : {"store.path", "trust.signer_public_key", "face", "ui", "sync"})
        EXPECT_TRUE(keys.count(k)) << k << " is not in docs/configuration.md";
    int checked = 0;
    for (const auto& k : keys) {
        EXPECT_EQ(readByEither(k), "");
        ++checked;
    }
    std::cout << "configuration.md: " << checked << " keys, each read by name\n";
}

TEST_F(ConfigDocs, EveryKeyOfUiMdIsRead) {
    const auto rows = tableRows(readDoc("ui.md"), std::regex("^\\s*key\\s*$"));
    int n = 0;
    for (const auto& row : rows)
        for (const auto& k : backticked(row.c[0])) {
            EXPECT_EQ(readByEither("ui." + k), "");
            ++n;
        }
    EXPECT_GE(n, 11);
}

TEST_F(ConfigDocs, EveryKeyOfSyncMdIsRead) {
    const auto rows = tableRows(readDoc("sync.md"), std::regex("^\\s*key\\s*$"));
    ASSERT_GE(rows.size(), 17u);
    for (const auto& row : rows)
        for (const auto& k : backticked(row.c[0])) EXPECT_EQ(readBy(laneBase(), "sync." + k, KioskRole::Lane), "");
}

TEST_F(ConfigDocs, EveryKeyOfRegistrationMdIsRead) {
    const auto rows = tableRows(readDoc("registration.md"), std::regex("`registration` key"));
    ASSERT_GE(rows.size(), 8u);
    int n = 0;
    for (const auto& row : rows) {
        for (const auto& k : backticked(row.c[0])) {
            EXPECT_EQ(readBy(registrationBase(), "registration." + k, KioskRole::Registration), "");
            ++n;
            // timeouts_ms lists its keys in the meaning column.
            if (k != "timeouts_ms") continue;
            for (const auto& t : backticked(row.c[1])) {
                EXPECT_EQ(readBy(registrationBase(), "registration.timeouts_ms." + t, KioskRole::Registration), "");
                ++n;
            }
        }
    }
    EXPECT_GE(n, 20);
}

// Issue 14: fingerprint.md listed transaction keys nothing read. Every key of its table is
// read by the reader's configuration (lane and registration machine), and nothing else is.
TEST_F(ConfigDocs, EveryKeyOfFingerprintMdIsRead) {
    const auto rows = tableRows(readDoc("fingerprint.md"), std::regex("^\\s*key\\s*$"));
    std::set<std::string> keys;
    for (const auto& row : rows)
        for (const auto& k : backticked(row.c[0])) keys.insert(k);
    EXPECT_GE(keys.size(), 7u) << "the key table of docs/fingerprint.md was not found";
    for (const char* k : {"backend", "match_threshold", "verify_variants"}) EXPECT_TRUE(keys.count(k)) << k;
    for (const auto& k : keys) {
        EXPECT_EQ(readBy(laneBase(), "fingerprint." + k, KioskRole::Lane), "");
        EXPECT_EQ(readBy(registrationBase(), "fingerprint." + k, KioskRole::Registration), "");
    }
    // The keys fingerprint.md used to list for FingerTransaction are not configuration.
    for (const char* k : {"max_attempts", "fusion", "attempt_timeout_ms"}) {
        Json j = laneBase();
        j["fingerprint"][k] = 3;
        auto st = check(j, KioskRole::Lane);
        ASSERT_FALSE(st.ok()) << k << " was accepted";
        EXPECT_EQ(st.error().code, "config.unknown_key") << st.error().message;
        EXPECT_FALSE(keys.count(k)) << k << " is in the key table";
    }
}

TEST_F(ConfigDocs, EveryDeviceKeyOfDevicesMdIsRead) {
    const std::string doc = readDoc("devices.md");
    // The lane's devices: the documented example (a JSON fragment: "devices": {...}), the
    // alternatives written in its comments ("instead: "backend": ..."), and the RTU gate.
    std::vector<std::pair<std::string, Json>> sections;  // device, its documented section
    for (const auto& block : jsonBlocks(doc)) {
        if (block.rfind("\"devices\"", 0) != 0) continue;  // the printer's: below
        auto j = core::parseJsonText("{" + block + "}", "devices.md example");
        ASSERT_TRUE(j.ok()) << j.error().message;
        for (const auto& [dev, sec] : (*j)["devices"].items()) sections.emplace_back(dev, sec);
        static const std::regex alt(R"(instead:\s*("backend": "[a-z]+".*))");
        std::istringstream in(block);
        std::string line;
        while (std::getline(in, line)) {
            std::smatch m;
            if (!std::regex_search(line, m, alt)) continue;
            auto a = core::parseJsonText("{" + m[1].str() + "}", "devices.md alternative");
            ASSERT_TRUE(a.ok()) << line;
            sections.emplace_back("qr", *a);
        }
    }
    const std::size_t rtu = doc.find("`\"gate\": {\"backend\": \"modbus\", \"transport\": \"rtu\"");
    ASSERT_NE(rtu, std::string::npos);
    std::string snippet = doc.substr(rtu + 1, doc.find('`', rtu + 1) - rtu - 1);
    snippet = std::regex_replace(snippet, std::regex("\\{\\.\\.\\.\\}"), "{}");
    auto r = core::parseJsonText("{" + snippet + "}", "devices.md RTU");
    ASSERT_TRUE(r.ok()) << snippet;
    sections.emplace_back("gate", (*r)["gate"]);
    ASSERT_GE(sections.size(), 6u);

    int n = 0;
    for (const auto& [dev, sec] : sections) {
        Json base = laneBase();
        base["devices"][dev] = sec;
        auto ok = check(base, KioskRole::Lane);
        EXPECT_TRUE(ok.ok()) << "the documented " << dev << " section is refused: " << ok.error().message;
        std::vector<std::string> keys;
        collectKeys(sec, "devices." + dev, keys);
        for (const auto& k : keys) {
            if (k == "devices." + dev + ".backend") continue;  // chooses the keys; refused when bad (below)
            EXPECT_EQ(readBy(base, k, KioskRole::Lane), "");
            ++n;
        }
        EXPECT_EQ(readBy(base, "devices." + dev + ".backend", KioskRole::Lane), "");
    }
    EXPECT_GE(n, 30);
}

TEST_F(ConfigDocs, EveryPrinterKeyOfDevicesMdIsRead) {
    const auto rows = tableRows(readDoc("devices.md"), std::regex("^\\s*key\\s*$"));
    int n = 0;
    for (const auto& row : rows) {
        if (row.c.size() < 2) continue;
        const std::string backends = row.c[1];
        std::string backend = backends.find("all") != std::string::npos ? "sim"
                              : backends.find("escpos") != std::string::npos ? "escpos"
                              : backends.find("cups") != std::string::npos ? "cups"
                                                                           : "sim";
        for (const auto& k : backticked(row.c[0])) {
            Json base = registrationBase();
            base["devices"]["printer"] = {{"backend", backend}};
            if (backend == "escpos" && k != "port" && k != "device") base["devices"]["printer"]["device"] = "/dev/usb/lp0";
            EXPECT_EQ(readBy(base, "devices.printer." + k, KioskRole::Registration), "") << "backend " << backend;
            ++n;
        }
    }
    EXPECT_GE(n, 17);
    // The printer examples (one per line) are accepted as they are.
    int examples = 0;
    for (const auto& block : jsonBlocks(readDoc("devices.md"))) {
        if (block.rfind("\"printer\"", 0) != 0) continue;
        std::istringstream in(block);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            auto j = core::parseJsonText("{" + line + "}", "devices.md printer example");
            ASSERT_TRUE(j.ok()) << line;
            Json base = registrationBase();
            base["devices"]["printer"] = (*j)["printer"];
            auto st = check(base, KioskRole::Registration);
            EXPECT_TRUE(st.ok()) << line << ": " << st.error().message;
            ++examples;
        }
    }
    EXPECT_EQ(examples, 4);
}

// Defect 5 itself: a misspelt key anywhere is an error naming the full key, with a hint.
TEST_F(ConfigDocs, AMisspeltKeyAnywhereIsNamedWithAHint) {
    struct Case {
        std::string path;
        std::string hint;
    };
    const std::vector<Case> cases = {{"stor", "store"},
                                     {"store.pth", "store.path"},
                                     {"trust.signer_public_kye", "trust.signer_public_key"},
                                     {"ui.officer_pin_hsh", "ui.officer_pin_hash"},
                                     {"face.match_treshold", "face.match_threshold"},
                                     {"fingerprint.backnd", "fingerprint.backend"},
                                     {"sync.sever", "sync.server"},
                                     {"policy.minimum_ages", "policy.minimum_age"},
                                     {"ui.colour", ""}};
    for (const auto& c : cases) {
        Json j = laneBase();
        setPath(j, c.path, "x");
        auto st = check(j, KioskRole::Lane);
        ASSERT_FALSE(st.ok()) << c.path << " was accepted";
        EXPECT_EQ(st.error().code, "config.unknown_key") << st.error().message;
        EXPECT_EQ(st.error().message.rfind(c.path + ": unknown key", 0), 0u) << st.error().message;
        if (!c.hint.empty())
            EXPECT_NE(st.error().message.find("did you mean " + c.hint + "?"), std::string::npos) << st.error().message;
        else
            EXPECT_EQ(st.error().message.find("did you mean"), std::string::npos) << st.error().message;
    }
    Json gate = laneBase();
    gate["devices"]["gate"] = {{"backend", "modbus"}, {"host", "10.0.0.2"}, {"map", {{"door3_command_coil", 2}}}};
    auto st = check(gate, KioskRole::Lane);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().message.rfind("devices.gate.map.door3_command_coil: unknown key (did you mean "
                                       "devices.gate.map.door1_command_coil?)", 0),
              0u)
        << st.error().message;
    Json reg = registrationBase();
    reg["registration"]["finger_atempts"] = 3;
    auto r = check(reg, KioskRole::Registration);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("registration.finger_atempts: unknown key (did you mean registration.finger_attempts?)"),
              std::string::npos)
        << r.error().message;
}

}  // namespace
}  // namespace kiosk::testing
#endif
