#pragma once
// What the API and console test fixtures share: TEST_Ps run once per backend (SQLite and
// PostgreSQL), requests built as a client sends them, and readers of the JSON answers.
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/http_types.h"

namespace kiosk::server::servertest {

class BackendFixture : public ::testing::TestWithParam<std::string> {
protected:
    // POST and PUT carry Content-Type: application/json unless `headers` names one.
    static Request request(const std::string& method, const std::string& path, const std::string& body,
                           std::map<std::string, std::string> query = {},
                           std::map<std::string, std::string> headers = {}) {
        Request req;
        req.method = method;
        req.path = path;
        req.query = std::move(query);
        req.body = body;
        req.headers = std::move(headers);
        if (method == "POST" || method == "PUT") req.headers.emplace("content-type", "application/json");
        return req;
    }

    static nlohmann::json parse(const Response& r) {
        nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
        return j;
    }
    static std::string errorCode(const Response& r) {
        nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.contains("error")) return "(no error: " + r.body + ")";
        return j["error"].value("code", "");
    }
    static std::string errorMessage(const Response& r) {
        nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.contains("error")) return "";
        return j["error"].value("message", "");
    }
};

inline std::string backendName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

}  // namespace kiosk::server::servertest

#define KIOSK_BACKENDS_INSTANTIATE(Fixture)                                                                    \
    INSTANTIATE_TEST_SUITE_P(Backends, Fixture, ::testing::Values(std::string("sqlite"), std::string("postgresql")), \
                             ::kiosk::server::servertest::backendName)
