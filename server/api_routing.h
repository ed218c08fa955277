#pragma once
// Routing shared by the device/admin API (Api) and the console API (ConsoleApi): path
// patterns, 404/405 with Allow, and the body rules (size limit, JSON content type, one
// object). Each API keeps its own access checks between finding the route and the body.
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/config.h"
#include "server/http_types.h"

namespace kiosk::server::apiroute {

// "/a/b/c" -> {"a", "b", "c"}; a path not starting with '/' -> {}.
std::vector<std::string> splitPath(const std::string& path);

// Matches `segments` against a pattern whose "{}" segments capture one non-empty segment.
bool matchPattern(const std::vector<std::string>& segments, const char* pattern, std::vector<std::string>* params);

// 404 "api.not_found" when no pattern matches, else 405 "api.method" with Allow.
Response noRoute(const std::string& allow);

// The route whose pattern and method match, with its "{}" captures in `params`; when
// none does, the 404/405 answer. `Route` needs `method` and `pattern` (const char*).
template <class Route>
std::variant<const Route*, Response> find(const std::vector<Route>& routes, const Request& req,
                                          std::vector<std::string>* params) {
    const auto segments = splitPath(req.path);
    const Route* route = nullptr;
    std::string allow;
    for (const auto& r : routes) {
        std::vector<std::string> p;
        if (!matchPattern(segments, r.pattern, &p)) continue;
        allow += (allow.empty() ? "" : ", ") + std::string(r.method);
        if (req.method == r.method) {
            route = &r;
            *params = std::move(p);
        }
    }
    if (!route) return noRoute(allow);
    return route;
}

// The body limit, then for POST and PUT the JSON content type and one object into `body`;
// an answer to give when a rule is broken.
std::optional<Response> readBody(const Request& req, size_t maxBodyBytes, core::Json* body);

}  // namespace kiosk::server::apiroute
