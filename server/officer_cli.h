#pragma once
// `clearance-server --config F officer add NAME --role officer|supervisor|admin
// [--password-file FILE]`: the bootstrap of the console's first admin (docs/console.md).
#include <optional>

namespace kiosk::server {

// nullopt when the command line is not an officer command (the server runs as usual);
// otherwise the exit code: 0 done, 1 the name exists or the database is away, 2 a bad
// command line, name, role or password (the message names it).
std::optional<int> runOfficerCli(int argc, const char* const* argv);

}  // namespace kiosk::server
