#include "server/postgres_repository.h"

namespace kiosk::server {

core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string&, const PostgresOptions&) {
    return core::makeError("repo.open_failed", "PostgreSQL repository not built yet");
}

core::Result<std::unique_ptr<Repository>> openPostgresRepository(const std::string& url) {
    return openPostgresRepository(url, PostgresOptions{});
}

}  // namespace kiosk::server
