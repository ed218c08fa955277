#pragma once
// Internal to the libfprint adapter (libfprint_*.cpp, the only files that include libfprint
// and glib): the process-wide libfprint thread.
#include <fprint.h>
#include <glib.h>

#include <cstdio>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kiosk::devices::fingerprint {

// ---------------------------------------------------------------------------------
// Process-wide libfprint thread: owns glib's global default main context and runs a
// GMainLoop on it. libfprint's enumeration and *_sync helpers iterate the global default
// context, so every libfprint call of every reader is made on this one thread.
class Runtime {
public:
    static Runtime& get() {
        static Runtime* rt = new Runtime();  // never destroyed: the loop thread lives until exit
        return *rt;
    }

    // Runs f on the loop thread and waits for it.
    void call(const std::function<void()>& f) {
        if (std::this_thread::get_id() == threadId_) {
            f();
            return;
        }
        std::promise<void> done;
        auto* job = new Job{f, &done};
        g_main_context_invoke_full(nullptr, G_PRIORITY_DEFAULT, &Runtime::runJob, job, nullptr);
        done.get_future().wait();
    }
    // Runs f on the loop thread later.
    void post(std::function<void()> f) {
        auto* job = new Job{std::move(f), nullptr};
        g_main_context_invoke_full(nullptr, G_PRIORITY_DEFAULT, &Runtime::runJob, job, nullptr);
    }

    // Scores logged by libfprint's bozorth matcher ("score %d/%d") since the last reset.
    void resetScores() {
        std::lock_guard lock(scoreMu_);
        scores_.clear();
    }
    std::vector<int> scores() {
        std::lock_guard lock(scoreMu_);
        return scores_;
    }

    // Serialises device operations process-wide, so the logged scores belong to the
    // operation that reads them.
    std::mutex& opMutex() { return opMu_; }

private:
    struct Job {
        std::function<void()> f;
        std::promise<void>* done;
    };
    static gboolean runJob(gpointer data) {
        auto* job = static_cast<Job*>(data);
        try {
            job->f();
        } catch (...) {
        }
        if (job->done) job->done->set_value();
        delete job;
        return G_SOURCE_REMOVE;
    }
    static void logHandler(const gchar* domain, GLogLevelFlags level, const gchar* message, gpointer self) {
        int score = 0, threshold = 0;
        if (message && std::sscanf(message, "score %d/%d", &score, &threshold) == 2) {
            auto* rt = static_cast<Runtime*>(self);
            std::lock_guard lock(rt->scoreMu_);
            rt->scores_.push_back(score);
        }
        if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
            g_log_default_handler(domain, level, message, nullptr);
    }

    Runtime() {
        g_log_set_handler("libfprint-print", static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL),
                          &Runtime::logHandler, this);
        std::promise<void> started;
        thread_ = std::thread([this, &started] {
            threadId_ = std::this_thread::get_id();
            GMainContext* ctx = g_main_context_default();
            g_main_context_acquire(ctx);
            loop_ = g_main_loop_new(ctx, FALSE);
            started.set_value();
            g_main_loop_run(loop_);
        });
        started.get_future().wait();
        thread_.detach();
    }

    std::thread thread_;
    std::thread::id threadId_;
    GMainLoop* loop_ = nullptr;
    std::mutex scoreMu_;
    std::vector<int> scores_;
    std::mutex opMu_;
};

std::string gerrorText(const GError* e);
// A private 0700 folder for the virtual_image socket ("" = could not create one).
std::string makePrivateDir(const std::string& wanted);

}  // namespace kiosk::devices::fingerprint
