// The "sync" configuration section: every key read, unknown keys and missing files named.
#include <gtest/gtest.h>

#include "kiosk/sync/sync_agent.h"
#include "tests/sync/sync_test_util.h"

namespace kiosk::sync {
namespace {

using core::Json;

struct ConfigFixture : ::testing::Test {
    std::filesystem::path dir = kiosk::testing::tempDir("sync-config");
    void SetUp() override {
        std::filesystem::create_directories(dir / "pki");
        for (const char* f : {"pki/lane.cert.pem", "pki/lane.key.pem", "pki/ca.cert.pem"}) testutil::writeFile(dir / f, "x");
        testutil::writeKeyFile(dir / "pki", testutil::randomKey(1));
    }
    Json base() const {
        return Json{{"server", "https://127.0.0.1:8443"},
                    {"cert_file", "pki/lane.cert.pem"},
                    {"key_file", "pki/lane.key.pem"},
                    {"ca_file", "pki/ca.cert.pem"},
                    {"template_key_file", "pki/template.key"}};
    }
    core::Result<SyncOptions> read(const Json& j) const {
        return syncOptionsFromConfig(core::ConfigView(j, "sync"), "HZMB-A-07", dir.string());
    }
};

TEST_F(ConfigFixture, DefaultsAndRelativePaths) {
    auto o = read(base());
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->serverUrl, "https://127.0.0.1:8443");
    EXPECT_EQ(o->deviceId, "HZMB-A-07");
    EXPECT_EQ(o->certFile, (dir / "pki/lane.cert.pem").string());
    EXPECT_EQ(o->templateKeyFile, (dir / "pki/template.key").string());
    EXPECT_EQ(o->onDemandBudget.count(), 300);
    EXPECT_EQ(o->batchSize, 200);
    EXPECT_EQ(o->enrolmentMaxAgeS, 86400);
}

TEST_F(ConfigFixture, EveryKeyIsRead) {
    Json j = base();
    j["push_interval_ms"] = 111;
    j["pull_interval_ms"] = 2222;
    j["heartbeat_interval_ms"] = 3333;
    j["request_timeout_ms"] = 4444;
    j["connect_timeout_ms"] = 555;
    j["on_demand_budget_ms"] = 250;
    j["backoff_min_ms"] = 100;
    j["backoff_max_ms"] = 9000;
    j["command_wait_ms"] = 15000;
    j["batch_size"] = 50;
    j["enrolment_warn_age_s"] = 600;
    j["enrolment_max_age_s"] = 7200;
    j["cert_file"] = (dir / "pki/lane.cert.pem").string();  // absolute stays
    auto o = read(j);
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->pushInterval.count(), 111);
    EXPECT_EQ(o->pullInterval.count(), 2222);
    EXPECT_EQ(o->heartbeatInterval.count(), 3333);
    EXPECT_EQ(o->requestTimeout.count(), 4444);
    EXPECT_EQ(o->connectTimeout.count(), 555);
    EXPECT_EQ(o->onDemandBudget.count(), 250);
    EXPECT_EQ(o->backoffMin.count(), 100);
    EXPECT_EQ(o->backoffMax.count(), 9000);
    EXPECT_EQ(o->commandWait.count(), 15000);
    EXPECT_EQ(o->batchSize, 50);
    EXPECT_EQ(o->enrolmentWarnAgeS, 600);
    EXPECT_EQ(o->enrolmentMaxAgeS, 7200);
    EXPECT_EQ(o->certFile, (dir / "pki/lane.cert.pem").string());
}

TEST_F(ConfigFixture, UnknownKeyIsNamed) {
    Json j = base();
    j["push_intervall_ms"] = 100;
    auto o = read(j);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, "config.unknown_key");
    EXPECT_NE(o.error().message.find("sync.push_intervall_ms"), std::string::npos);
}

TEST_F(ConfigFixture, MissingFileNamesKeyAndPath) {
    for (const char* key : {"cert_file", "key_file", "ca_file", "template_key_file"}) {
        Json j = base();
        j[key] = "pki/absent.pem";
        auto o = read(j);
        ASSERT_FALSE(o.ok()) << key;
        EXPECT_NE(o.error().message.find(std::string("sync.") + key), std::string::npos) << o.error().message;
        EXPECT_NE(o.error().message.find((dir / "pki/absent.pem").string()), std::string::npos) << o.error().message;
    }
    Json j = base();
    j.erase("ca_file");
    auto o = read(j);
    ASSERT_FALSE(o.ok());
    EXPECT_EQ(o.error().code, "config.missing_key");
    EXPECT_NE(o.error().message.find("sync.ca_file"), std::string::npos);
}

TEST_F(ConfigFixture, BadValuesAreNamed) {
    const std::vector<std::pair<const char*, Json>> cases = {
        {"server", "http://127.0.0.1:8443"}, {"server", 8443},          {"batch_size", 0},
        {"batch_size", 501},                 {"push_interval_ms", "1s"}, {"on_demand_budget_ms", 5},
        {"command_wait_ms", 30001},          {"backoff_max_ms", 50},     {"enrolment_max_age_s", 100},
    };
    for (const auto& [key, value] : cases) {
        Json j = base();
        j[key] = value;
        if (std::string(key) == "backoff_max_ms") j["backoff_min_ms"] = 100;
        if (std::string(key) == "enrolment_max_age_s") j["enrolment_warn_age_s"] = 3600;
        auto o = read(j);
        ASSERT_FALSE(o.ok()) << key << " = " << value.dump();
        EXPECT_NE(o.error().message.find(std::string("sync.") + key), std::string::npos) << o.error().message;
    }
}

TEST_F(ConfigFixture, CreateChecksFilesAndKey) {
    testutil::TempStore t("sync-create");
    auto store = t.open();
    ASSERT_TRUE(store);
    core::FakeClock clock;
    auto o = read(base());
    ASSERT_TRUE(o.ok());
    {
        auto agent = SyncAgent::create(*o, *store, clock);
        EXPECT_TRUE(agent.ok()) << agent.error().message;
    }
    testutil::writeFile(dir / "pki/template.key", std::string(33, 'k'));
    auto agent = SyncAgent::create(*o, *store, clock);
    ASSERT_FALSE(agent.ok());
    EXPECT_EQ(agent.error().code, "sync.bad_key");
    SyncOptions noCa = *o;
    noCa.caFile = (dir / "nope.pem").string();
    auto agent2 = SyncAgent::create(noCa, *store, clock);
    ASSERT_FALSE(agent2.ok());
    EXPECT_NE(agent2.error().message.find("ca_file"), std::string::npos);
}

}  // namespace
}  // namespace kiosk::sync
