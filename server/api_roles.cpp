// Role names of http_types.h. Kept in a file of its own so that a definition elsewhere in
// the server never collides with it at link time (a static library member is only pulled
// in when the symbol is still missing).
#include "server/http_types.h"

namespace kiosk::server {

const char* toString(Role r) {
    switch (r) {
        case Role::None: return "none";
        case Role::Lane: return "lane";
        case Role::Registration: return "registration";
        case Role::Admin: return "admin";
    }
    return "none";
}

std::optional<Role> parseRole(const std::string& s) {
    if (s == "lane") return Role::Lane;
    if (s == "registration") return Role::Registration;
    if (s == "admin") return Role::Admin;
    if (s == "none") return Role::None;
    return std::nullopt;
}

}  // namespace kiosk::server
