#include "kiosk/lane/startup.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "kiosk/lane/ui_bridge.h"
#include "ui/view_model.h"

namespace kiosk::lane {

core::Status runStartup(std::vector<StartupTask> tasks, UiBridge* ui, const std::function<bool()>& stop) {
    struct Shared {
        std::vector<StartupTask> tasks;
        std::atomic<std::size_t> done{0};
        std::atomic<bool> finished{false};
        std::mutex mu;
        core::Status status;  // under mu
    };
    auto sh = std::make_shared<Shared>();
    sh->tasks = std::move(tasks);
    auto items = [&] {
        std::vector<ui::StartupItem> v;
        for (std::size_t i = 0; i < sh->tasks.size(); ++i) v.push_back({sh->tasks[i].key, i < sh->done.load()});
        return v;
    };
    // The first frame before any model is read: the screen is never black at start-up.
    if (ui) ui->showStartup(items());
    std::thread loader([sh] {
        for (auto& t : sh->tasks) {
            auto st = t.run ? t.run() : core::Status{};
            if (!st.ok()) {
                std::lock_guard<std::mutex> lk(sh->mu);
                sh->status = st;
                break;
            }
            sh->done.fetch_add(1);
        }
        sh->finished = true;
    });
    std::size_t shown = 0;
    while (!sh->finished.load()) {
        if ((stop && stop()) || (ui && ui->quitRequested())) {
            loader.detach();
            return core::makeError("startup.stopped", "stopped while the engines were loading");
        }
        if (ui && (sh->done.load() != shown)) {
            shown = sh->done.load();
            ui->showStartup(items());
        } else if (ui) {
            ui->tick();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    loader.join();
    std::lock_guard<std::mutex> lk(sh->mu);
    if (!sh->status.ok()) return sh->status;
    if (ui) ui->showStartup(items());  // every line ticked
    return {};
}

}  // namespace kiosk::lane
