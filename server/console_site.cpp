#include "server/console_site.h"

#include <fstream>
#include <map>
#include <sstream>

#include "core/config.h"

namespace kiosk::server {
namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

Response notFound() {
    Response r;
    r.status = 404;
    r.body = core::Json{{"error", {{"code", "api.not_found"}, {"message", "no such page"}}}}.dump();
    return r;
}

Response methodNotAllowed() {
    Response r;
    r.status = 405;
    r.body = core::Json{{"error", {{"code", "api.method_not_allowed"}, {"message", "only GET"}}}}.dump();
    r.headers.emplace_back("Allow", "GET");
    return r;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// One path segment of a console file: no "..", no hidden files, no escapes or slashes.
bool safeSegment(const std::string& seg) {
    if (seg.empty() || seg.size() > 128 || seg.front() == '.') return false;
    for (unsigned char c : seg)
        if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) return false;
    return true;
}

bool inside(const fs::path& child, const fs::path& root) {
    auto c = child.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++c)
        if (c == child.end() || *c != *r) return false;
    return true;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> consoleSecurityHeaders() {
    return {
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
         "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "no-referrer"},
        {"Strict-Transport-Security", "max-age=31536000"},
        {"X-Frame-Options", "DENY"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
    };
}

std::optional<std::string> consoleContentType(const std::string& fileName) {
    static const std::map<std::string, std::string> types = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const auto ext = fs::path(fileName).extension().string();
    auto it = types.find(ext);
    if (it == types.end()) return std::nullopt;
    return it->second;
}

ConsoleSite::ConsoleSite(fs::path staticDir, ApiHandler api) : staticDir_(std::move(staticDir)), api_(std::move(api)) {}

Response ConsoleSite::handle(const Request& req) const {
    if (startsWith(req.path, "/v1/console/") || req.path == "/v1/console") {
        if (!api_) return notFound();
        return api_(req);
    }
    const bool page = req.path == "/" || req.path == "/index.html";
    if (!page && !startsWith(req.path, "/console/")) return notFound();
    if (req.method != "GET") return methodNotAllowed();
    if (page) return file("index.html");
    return file(req.path.substr(std::string("/console/").size()));
}

Response ConsoleSite::file(const std::string& relative) const {
    // Each segment checked by hand (no "..", no "%2e" since the transport gives the path
    // undecoded, no hidden files), then the real path must still be inside the folder.
    fs::path rel;
    std::stringstream parts(relative);
    std::string seg;
    int segments = 0;
    while (std::getline(parts, seg, '/')) {
        if (!safeSegment(seg) || ++segments > 8) return notFound();
        rel /= seg;
    }
    if (rel.empty() || relative.back() == '/') return notFound();
    auto type = consoleContentType(rel.filename().string());
    if (!type) return notFound();
    std::error_code ec;
    const fs::path root = fs::canonical(staticDir_, ec);
    if (ec) return notFound();
    const fs::path real = fs::canonical(root / rel, ec);
    if (ec || !inside(real, root) || !fs::is_regular_file(real, ec)) return notFound();
    const auto size = fs::file_size(real, ec);
    if (ec || size > kMaxFileBytes) return notFound();
    std::ifstream in(real, std::ios::binary);
    if (!in) return notFound();
    Response r;
    r.body.resize(static_cast<size_t>(size));
    in.read(r.body.data(), static_cast<std::streamsize>(size));
    r.body.resize(static_cast<size_t>(in.gcount()));
    r.contentType = *type;
    return r;
}

}  // namespace kiosk::server
