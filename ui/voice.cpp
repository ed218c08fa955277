#include "ui/voice.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace kiosk::ui {

const char* espeakVoice(Language l) {
    switch (l) {
        case Language::ZhHant: return "yue";
        case Language::En: return "en";
        case Language::Pt: return "pt";
    }
    return "en";
}

std::vector<std::string> espeakCommand(const std::string& text, Language l, const std::string& wavPath,
                                       int wordsPerMinute) {
    std::vector<std::string> argv{"espeak-ng", "-v", espeakVoice(l), "-s", std::to_string(wordsPerMinute)};
    if (!wavPath.empty()) {
        argv.push_back("-w");
        argv.push_back(wavPath);
    }
    argv.push_back("--");  // the text is never taken for an option
    argv.push_back(text);
    return argv;
}

VoicePrompter::~VoicePrompter() { stop(); }

void VoicePrompter::stop() {
    if (child_ > 0) {
        ::kill(child_, SIGKILL);  // never wait on a stuck audio device: rendering must not block
        ::waitpid(child_, nullptr, 0);
        child_ = -1;
    }
}

bool VoicePrompter::speaking() {
    if (child_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(child_, &status, WNOHANG);
    if (r == child_ || r < 0) {
        child_ = -1;
        return false;
    }
    return true;
}

bool VoicePrompter::speak(const std::string& text, Language l) {
    stop();
    lastCommand_ = espeakCommand(text, l);
    lastCommand_[0] = binary_;
    std::vector<char*> argv;
    for (auto& a : lastCommand_) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, binary_.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return false;
    child_ = pid;
    return true;
}

}  // namespace kiosk::ui
