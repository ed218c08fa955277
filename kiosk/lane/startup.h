#pragma once
// Start-up: the engines (dlib's models, libfprint) load on a background thread while the
// window shows the start-up screen with each one's progress, and stays responsive. The
// lane itself is built only once every engine is ready, so it is never in service before.
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace kiosk::lane {

class UiBridge;

struct StartupTask {
    std::string key;                    // the start-up screen's line: "startup.face_model", ...
    std::function<core::Status()> run;  // on the loader thread, one task after another
};

// Runs the tasks; with a UI, shows the start-up screen (the first frame is drawn before any
// task starts) and keeps drawing it until they are done. Returns the first task's error,
// or startup.stopped when `stop` turned true first: the loader thread is then left running
// (detached) and the caller must leave the process without touching what the tasks fill.
core::Status runStartup(std::vector<StartupTask> tasks, UiBridge* ui, const std::function<bool()>& stop);

}  // namespace kiosk::lane
