#pragma once
// The ordered schema migrations. Step i (1-based) brings PRAGMA user_version from i-1 to
// i; each is applied in its own transaction. Never edit a released step: append one.
#include <string>
#include <vector>

namespace kiosk::store::detail {

const std::vector<std::string>& migrations();

}  // namespace kiosk::store::detail
