#pragma once
// What the console listener answers (the browsers' HTTPS port): the page's static files
// from one folder, /v1/console/* handed to the console API, nothing else. The security
// headers of every console answer are set on the listener (HttpServerOptions::
// responseHeaders = consoleSecurityHeaders()), so transport errors carry them too.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server/http_types.h"

namespace kiosk::server {

// Content-Security-Policy (no inline script or style, nothing from elsewhere, no framing),
// nosniff, no referrer, HSTS.
std::vector<std::pair<std::string, std::string>> consoleSecurityHeaders();

// The fixed table: .html .js .mjs .css .json .svg .png .ico .woff2 .txt; anything else is
// not served (nullopt).
std::optional<std::string> consoleContentType(const std::string& fileName);

class ConsoleSite {
public:
    using ApiHandler = std::function<Response(const Request&)>;

    // `staticDir`: the page's folder (index.html, app.js, ...). `api`: /v1/console/*
    // (empty: those answer 404).
    ConsoleSite(std::filesystem::path staticDir, ApiHandler api);

    // GET / -> index.html; GET /console/<path> -> a file under staticDir (each segment of
    // letters, digits, '.', '_', '-', not starting with '.', a known extension, no symlink
    // leading out of the folder); /v1/console/* -> the API; anything else 404.
    Response handle(const Request& req) const;

private:
    Response file(const std::string& relative) const;

    std::filesystem::path staticDir_;
    ApiHandler api_;
};

}  // namespace kiosk::server
