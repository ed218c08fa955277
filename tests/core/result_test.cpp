#include "core/result.h"

#include <gtest/gtest.h>

namespace kiosk::core {
namespace {

Result<int> half(int x) {
    if (x % 2) return makeError("math.odd", "odd");
    return x / 2;
}

Result<int> quarter(int x) {
    KIOSK_ASSIGN_OR_RETURN(int h, half(x));
    return half(h);
}

Status checkEven(int x) {
    KIOSK_TRY(half(x));
    return {};
}

TEST(Result, ValueAndErrorPropagate) {
    EXPECT_EQ(*quarter(8), 2);
    auto r = quarter(6);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "math.odd");
    EXPECT_TRUE(checkEven(4).ok());
    EXPECT_EQ(checkEven(3).error().code, "math.odd");
    EXPECT_EQ(half(3).valueOr(-1), -1);
}

}  // namespace
}  // namespace kiosk::core
