#pragma once
// The clearance service's schema, as numbered steps per backend. Step i (1-based) brings
// meta.schema_version from i-1 to i; the repository runs each step once, in its own
// transaction, and refuses (repo.newer_schema) a database whose version it does not know.
// Both lists always have the same length and describe the same tables. Never edit a
// released step: append one, to both lists.
#include <string>
#include <vector>

namespace kiosk::server::detail {

const std::vector<std::string>& sqliteMigrations();
const std::vector<std::string>& postgresMigrations();
int latestSchemaVersion();

// The meta key that holds the schema version (decimal text).
inline constexpr const char* kSchemaVersionKey = "schema_version";

}  // namespace kiosk::server::detail
