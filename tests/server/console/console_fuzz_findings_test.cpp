// Regressions for what fuzz/fuzz_console_request.cpp found (docs/console.md, "Fuzzing").
#include "tests/server/console/console_fixture.h"

namespace kiosk::server::consoletest {
namespace {

class ConsoleFuzzFindings : public ConsoleFixture {
protected:
    Response rawLoginBody(const std::string& body) {
        return consoleApi_->handle(request("POST", "/v1/console/login", body), now_);
    }
};

// Found: a malformed body was answered with nlohmann's parse error text, which quotes the
// last token read: a truncated login echoed the password, a truncated export its purpose.
// Error messages name the field or position, never the refused value.
TEST_P(ConsoleFuzzFindings, MalformedJsonIsNotQuotedInTheAnswer) {
    const std::string secret = "hunter2-hunter2-hunter2";
    for (const std::string& body : {R"({"name": "chan.tm", "password": ")" + secret,
                                     R"({"name": "chan.tm", "password": ")" + secret + R"(" x})",
                                     R"({")" + secret, R"({"name": )" + secret + "}", secret}) {
        Response r = rawLoginBody(body);
        EXPECT_EQ(r.status, 400) << body;
        EXPECT_EQ(errorCode(r), "api.bad_json") << body;
        EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
        Json j = parse(r);
        EXPECT_NE(j["error"]["message"].get<std::string>().find("at byte"), std::string::npos) << r.body;
    }

    Browser s = login("sup.one", "supervisor");
    Response r = call("POST", "/v1/console/exports", &s, R"({"lanes": ["HZMB-CP-01"], "purpose": ")" + secret);
    EXPECT_EQ(errorCode(r), "api.bad_json");
    EXPECT_EQ(r.body.find("hunter2"), std::string::npos) << r.body;
}

KIOSK_CONSOLE_INSTANTIATE(ConsoleFuzzFindings);

}  // namespace
}  // namespace kiosk::server::consoletest
