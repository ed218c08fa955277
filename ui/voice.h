#pragma once
// Voice prompts through the espeak-ng binary, spawned asynchronously (posix_spawn):
// rendering never waits for speech. A new prompt stops the one still speaking.
#include <string>
#include <sys/types.h>
#include <vector>

#include "ui/view_model.h"

namespace kiosk::ui {

// espeak-ng voice per language: Cantonese "yue", English "en", Portuguese "pt".
const char* espeakVoice(Language l);

// The argv (argv[0] = "espeak-ng") for one prompt; wavPath non-empty adds "-w wavPath"
// (write a WAV file instead of playing).
std::vector<std::string> espeakCommand(const std::string& text, Language l,
                                       const std::string& wavPath = "", int wordsPerMinute = 150);

class VoicePrompter {
public:
    explicit VoicePrompter(std::string binary = "espeak-ng") : binary_(std::move(binary)) {}
    ~VoicePrompter();
    VoicePrompter(const VoicePrompter&) = delete;
    VoicePrompter& operator=(const VoicePrompter&) = delete;

    // Starts speaking (stopping any current prompt); returns false when it cannot spawn.
    bool speak(const std::string& text, Language l);
    void stop();
    bool speaking();  // reaps a finished child
    const std::vector<std::string>& lastCommand() const { return lastCommand_; }

private:
    std::string binary_;
    pid_t child_ = -1;
    std::vector<std::string> lastCommand_;
};

}  // namespace kiosk::ui
