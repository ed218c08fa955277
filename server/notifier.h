#pragma once
// A callback the server's main sets once the transport exists, while handler threads may
// already call it: set and read under a lock, called outside it (the callback may block
// on the transport's own lock).
#include <functional>
#include <mutex>
#include <utility>

namespace kiosk::server {

template <class... Args>
class Notifier {
public:
    using Callback = std::function<void(Args...)>;

    void set(Callback f) {
        std::lock_guard lock(mu_);
        f_ = std::move(f);
    }
    // A copy of the callback (empty when none was set).
    Callback get() const {
        std::lock_guard lock(mu_);
        return f_;
    }
    void operator()(Args... args) const {
        if (auto f = get()) f(std::forward<Args>(args)...);
    }

private:
    mutable std::mutex mu_;
    Callback f_;
};

}  // namespace kiosk::server
