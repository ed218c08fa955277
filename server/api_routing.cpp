#include "server/api_routing.h"

#include <cctype>

#include "server/api.h"
#include "server/api_json.h"

namespace kiosk::server::apiroute {

namespace {

bool isJsonContentType(const Request& req) {
    auto it = req.headers.find("content-type");
    if (it == req.headers.end()) return false;
    std::string v = it->second.substr(0, it->second.find(';'));
    std::string t;
    for (char c : v)
        if (c != ' ' && c != '\t') t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return t == "application/json";
}

}  // namespace

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> out;
    if (path.empty() || path[0] != '/') return out;
    size_t i = 1;
    while (true) {
        auto j = path.find('/', i);
        out.push_back(path.substr(i, j == std::string::npos ? std::string::npos : j - i));
        if (j == std::string::npos) break;
        i = j + 1;
    }
    return out;
}

bool matchPattern(const std::vector<std::string>& segments, const char* pattern, std::vector<std::string>* params) {
    const auto pat = splitPath(pattern);
    if (pat.size() != segments.size()) return false;
    std::vector<std::string> got;
    for (size_t i = 0; i < pat.size(); ++i) {
        if (segments[i].empty()) return false;
        if (pat[i] == "{}") got.push_back(segments[i]);
        else if (pat[i] != segments[i]) return false;
    }
    if (params) *params = std::move(got);
    return true;
}

Response noRoute(const std::string& allow) {
    if (allow.empty()) return apiresp::error(404, "api.not_found", "no such endpoint");
    auto r = apiresp::error(405, "api.method", "method not allowed here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return r;
}

std::optional<Response> readBody(const Request& req, size_t maxBodyBytes, core::Json* body) {
    if (req.body.size() > maxBodyBytes)
        return apiresp::error(413, "api.too_large", "body larger than " + std::to_string(maxBodyBytes) + " bytes");
    if (req.method == "POST" || req.method == "PUT") {
        if (!isJsonContentType(req))
            return apiresp::error(415, "api.content_type", "Content-Type must be application/json");
        auto parsed = apijson::parseObject(req.body);
        if (!parsed.ok()) return apiresp::error(parsed.error());
        *body = std::move(parsed).value();
    }
    return std::nullopt;
}

}  // namespace kiosk::server::apiroute
