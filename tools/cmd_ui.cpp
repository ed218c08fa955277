// kioskctl ui ...: make the officer PIN hash for the configuration, check a PIN against one.
#ifdef KIOSK_HAVE_UI
#include <iostream>
#include <string>

#include <termios.h>
#include <unistd.h>

#include "tools/command.h"
#include "ui/officer_pin.h"

namespace kiosk::tools {
namespace {

// The PIN from --pin, else read from stdin (without echo on a terminal) so it stays out
// of the shell history.
std::string readPin(const Args& args) {
    std::string pin = option(args, "--pin");
    if (!pin.empty()) return pin;
    bool tty = isatty(STDIN_FILENO);
    termios old{};
    if (tty) {
        std::cerr << "officer PIN: " << std::flush;
        tcgetattr(STDIN_FILENO, &old);
        termios noecho = old;
        noecho.c_lflag &= ~ECHO;
        tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
    }
    std::getline(std::cin, pin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::cerr << "\n";
    }
    return pin;
}

bool digitsOnly(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

KIOSKCTL_COMMAND({"ui", "hash-pin", "[--pin DIGITS] [--iterations N]",
                  "print the salted PBKDF2-SHA256 hash of an officer PIN (for ui.officer_pin_hash)",
                  [](const Args& args) {
                      std::string pin = readPin(args);
                      if (!digitsOnly(pin) || pin.size() < 4 || pin.size() > 12) {
                          std::cerr << "error: ui.pin: the PIN must be 4 to 12 digits\n";
                          return 2;
                      }
                      int iterations = ui::kDefaultPinIterations;
                      try {
                          iterations = std::stoi(option(args, "--iterations", std::to_string(iterations)));
                      } catch (...) {
                          std::cerr << "error: --iterations must be a number\n";
                          return 2;
                      }
                      auto h = ui::hashOfficerPin(pin, iterations);
                      if (!h) {
                          std::cerr << "error: " << h.error().code << ": " << h.error().message << "\n";
                          return 1;
                      }
                      std::cout << *h << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ui", "check-pin", "--hash HASH [--pin DIGITS]",
                  "exit 0 when the PIN matches the hash, 1 when it does not",
                  [](const Args& args) {
                      std::string hash = option(args, "--hash");
                      if (hash.empty()) {
                          std::cerr << "error: --hash is required\n";
                          return 2;
                      }
                      bool ok = ui::verifyOfficerPin(readPin(args), hash);
                      std::cout << (ok ? "match" : "no match") << "\n";
                      return ok ? 0 : 1;
                  }});

}  // namespace
}  // namespace kiosk::tools
#endif  // KIOSK_HAVE_UI
