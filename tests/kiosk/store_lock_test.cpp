// Issue 16, defect 6: two kiosk processes on the same store both started and ran. The
// kiosk now holds an exclusive lock beside its store for as long as it runs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "kiosk/store/store_lock.h"
#include "tests/support/test_support.h"

namespace kiosk::store {
namespace {

TEST(StoreLock, ASecondHolderOfTheSameStoreIsRefusedUntilTheFirstEnds) {
    const auto dir = testing::tempDir("store-lock");
    const auto db = dir / "kiosk.sqlite";
    {
        auto first = StoreLock::acquire(db);
        ASSERT_TRUE(first.ok()) << first.error().message;
        EXPECT_TRUE(std::filesystem::exists(StoreLock::lockFileFor(db)));
        auto second = StoreLock::acquire(db);
        ASSERT_FALSE(second.ok());
        EXPECT_EQ(second.error().code, "store.locked");
        EXPECT_NE(second.error().message.find(db.string()), std::string::npos) << second.error().message;
        EXPECT_NE(second.error().message.find("pid " + std::to_string(::getpid())), std::string::npos)
            << second.error().message;
        // Another store beside it is not affected.
        EXPECT_TRUE(StoreLock::acquire(dir / "other.sqlite").ok());
    }
    // Released with its holder; the stale lock file does not block the next start.
    EXPECT_TRUE(StoreLock::acquire(db).ok());
}

TEST(StoreLock, AnotherProcessHoldingTheStoreRefusesThisOneAndACrashReleasesIt) {
    const auto dir = testing::tempDir("store-lock-proc");
    const auto db = dir / "kiosk.sqlite";
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto l = StoreLock::acquire(db);
        const char c = l.ok() ? 'y' : 'n';
        (void)!::write(ready[1], &c, 1);
        ::pause();  // holds the lock until killed
        ::_exit(0);
    }
    char c = 0;
    ASSERT_EQ(::read(ready[0], &c, 1), 1);
    ASSERT_EQ(c, 'y');
    auto mine = StoreLock::acquire(db);
    ASSERT_FALSE(mine.ok());
    EXPECT_EQ(mine.error().code, "store.locked");
    EXPECT_NE(mine.error().message.find("pid " + std::to_string(child)), std::string::npos) << mine.error().message;
    // The holder dies without cleaning up: the kernel drops its lock.
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_TRUE(StoreLock::acquire(db).ok());
    ::close(ready[0]);
    ::close(ready[1]);
}

}  // namespace
}  // namespace kiosk::store
