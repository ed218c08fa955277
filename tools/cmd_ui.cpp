// kioskctl ui ...: make the officer PIN hash for the configuration, check a PIN against one.
#ifdef KIOSK_HAVE_UI
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <termios.h>
#include <unistd.h>

#include "tools/command.h"
#include "ui/app.h"
#include "ui/image_tools.h"
#include "ui/officer_pin.h"
#include "ui/samples.h"
#include "ui/sounds.h"
#include "ui/voice.h"

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

int intOption(const Args& args, const std::string& name, int fallback) {
    try {
        return std::stoi(option(args, name, std::to_string(fallback)));
    } catch (...) {
        return fallback;
    }
}

int uiFail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return e.code == "ui.no_display" ? 3 : 1;
}

// speak: --voice spawns espeak-ng (demo); a still render only draws the voice switch on.
core::Result<std::unique_ptr<ui::App>> openApp(const Args& args, bool speak = true) {
    ui::WindowOptions o;
    o.mode = flag(args, "--windowed")     ? ui::DisplayMode::Windowed
             : flag(args, "--fullscreen") ? ui::DisplayMode::Fullscreen
                                          : ui::DisplayMode::Offscreen;
    o.width = intOption(args, "--width", 960);
    o.height = intOption(args, "--height", 540);
    o.voice = speak && flag(args, "--voice") ? ui::VoiceMode::Espeak : ui::VoiceMode::Off;
    o.sounds = flag(args, "--sounds") ? ui::SoundMode::Tones : ui::SoundMode::Off;
    if (!option(args, "--assets").empty()) o.assetsDir = option(args, "--assets");
    return ui::App::create(o);
}

KIOSKCTL_COMMAND({"ui", "render",
                  "--screen NAME [--language zh-Hant|en|pt] [--lane-id ID] [--officer pin|menu|scan_log|alerts] "
                  "[--voice] [--sounds] [--staff-device NAME] [--width W --height H] [--windowed|--fullscreen] [--assets DIR] --out FILE.png",
                  "render one screen with sample content to a PNG (offscreen unless --windowed)",
                  [](const Args& args) {
                      auto screen = ui::screenFromName(option(args, "--screen", "welcome"));
                      auto lang = ui::languageFromTag(option(args, "--language", "zh-Hant"));
                      std::string out = option(args, "--out");
                      if (!screen || !lang || out.empty()) {
                          std::cerr << "error: --screen (welcome, reading, door_open, face, finger, proceed, "
                                       "see_officer, out_of_service, processing, emergency, timeout, starting), "
                                       "--language and --out are required\n";
                          return 2;
                      }
                      auto app = openApp(args, false);
                      if (!app) return uiFail(app.error());
                      auto vm = ui::sampleViewModel(*screen, *lang);
                      vm.voiceEnabled = flag(args, "--voice");  // the switch as a lane with voice on shows it
                      if (args.end() != std::find(args.begin(), args.end(), "--lane-id")) vm.laneId = option(args, "--lane-id");
                      // A staff banner for a device (the lane's "check the camera").
                      if (!option(args, "--staff-device").empty()) vm.staffDeviceWarnings = {option(args, "--staff-device")};
                      std::string officer = option(args, "--officer");
                      if (officer == "pin") vm.officer = ui::sampleOfficerOverlay(ui::OfficerMode::PinEntry);
                      if (officer == "menu") vm.officer = ui::sampleOfficerOverlay(ui::OfficerMode::Menu);
                      if (officer == "scan_log") vm.officer = ui::sampleOfficerOverlay(ui::OfficerMode::ScanLog);
                      if (officer == "alerts") vm.officer = ui::sampleOfficerOverlay(ui::OfficerMode::Alerts);
                      auto r = (*app)->render(vm);
                      if (!r.ok()) return uiFail(r.error());
                      auto s = (*app)->screenshot(out);
                      if (!s.ok()) return uiFail(s.error());
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ui", "demo", "[--windowed|--fullscreen] [--width W --height H] [--language L] [--voice] [--sounds] "
                               "[--screenshots DIR] [--seconds-per-screen S] [--assets DIR]",
                  "show every screen with sample content (through the real window with --windowed/--fullscreen)",
                  [](const Args& args) {
                      auto app = openApp(args);
                      if (!app) return uiFail(app.error());
                      std::string dir = option(args, "--screenshots");
                      double seconds = 0;
                      try {
                          seconds = std::stod(option(args, "--seconds-per-screen", "0"));
                      } catch (...) {
                      }
                      std::vector<ui::Language> langs = {ui::Language::ZhHant, ui::Language::En, ui::Language::Pt};
                      if (auto l = ui::languageFromTag(option(args, "--language"))) langs = {*l};
                      int n = 0;
                      for (ui::Language l : langs) {
                          for (ui::Screen s : ui::allScreens()) {
                              auto vm = ui::sampleViewModel(s, l);
                              vm.voiceEnabled = flag(args, "--voice");
                              auto r = (*app)->render(vm);
                              if (!r.ok()) return uiFail(r.error());
                              if (!dir.empty()) {
                                  auto path = std::filesystem::path(dir) /
                                              (std::string(ui::screenName(s)) + "_" + ui::languageTag(l) + ".png");
                                  auto st = (*app)->screenshot(path);
                                  if (!st.ok()) return uiFail(st.error());
                              }
                              ++n;
                              auto until = std::chrono::steady_clock::now() +
                                           std::chrono::milliseconds(static_cast<int>(seconds * 1000));
                              do {
                                  for (const auto& e : (*app)->pollEvents())
                                      if (e.type == ui::UiEventType::Quit) return 0;
                                  std::this_thread::sleep_for(std::chrono::milliseconds(seconds > 0 ? 20 : 0));
                              } while (std::chrono::steady_clock::now() < until);
                          }
                      }
                      std::cout << n << " screens rendered at " << (*app)->width() << "x" << (*app)->height() << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ui", "say", "--screen NAME [--language zh-Hant|en|pt] [--wav FILE.wav]",
                  "print what the voice says on a screen (sample content); --wav: espeak-ng writes it to a WAV file",
                  [](const Args& args) {
                      auto screen = ui::screenFromName(option(args, "--screen", "welcome"));
                      auto lang = ui::languageFromTag(option(args, "--language", "zh-Hant"));
                      if (!screen || !lang) {
                          std::cerr << "error: unknown --screen or --language\n";
                          return 2;
                      }
                      auto app = openApp(args, false);
                      if (!app) return uiFail(app.error());
                      const std::string text = (*app)->spokenText(ui::sampleViewModel(*screen, *lang));
                      std::cout << text << "\n";
                      const std::string wav = option(args, "--wav");
                      if (wav.empty()) return 0;
                      std::string cmd;
                      for (const auto& a : ui::espeakCommand(text, *lang, wav)) {
                          std::string q = "'";
                          for (char c : a) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
                          cmd += q + "' ";
                      }
                      return std::system((cmd + ">/dev/null 2>&1").c_str()) == 0 ? 0 : 1;
                  }});

KIOSKCTL_COMMAND({"ui", "sounds", "--out DIR",
                  "write the three sound cues (success, refusal, see_officer) as WAV files to listen to",
                  [](const Args& args) {
                      std::string dir = option(args, "--out");
                      if (dir.empty()) {
                          std::cerr << "error: --out DIR is required\n";
                          return 2;
                      }
                      std::error_code ec;
                      std::filesystem::create_directories(dir, ec);
                      for (ui::SoundCue c : ui::allSoundCues()) {
                          auto path = std::filesystem::path(dir) / (std::string(ui::soundCueName(c)) + ".wav");
                          std::ofstream f(path, std::ios::binary);
                          f << ui::wavBytes(ui::synthesizeCue(c));
                          if (!f) {
                              std::cerr << "error: cannot write " << path.string() << "\n";
                              return 1;
                          }
                          std::cout << path.string() << "\n";
                      }
                      return 0;
                  }});

// Compares two PNGs, or every PNG of folder A with the same name in folder B.
KIOSKCTL_COMMAND({"ui", "compare", "A.png|DIR_A B.png|DIR_B [--max-mean 1.5] [--max-fraction 0.005]",
                  "compare screenshots like the screenshot tests do; exit 0 when all are within tolerance",
                  [](const Args& args) {
                      if (args.size() < 2) {
                          std::cerr << "error: two PNG files or two folders are required\n";
                          return 2;
                      }
                      double maxMean = 1.5, maxFraction = 0.005;
                      try {
                          maxMean = std::stod(option(args, "--max-mean", "1.5"));
                          maxFraction = std::stod(option(args, "--max-fraction", "0.005"));
                      } catch (...) {
                          std::cerr << "error: tolerances must be numbers\n";
                          return 2;
                      }
                      std::vector<std::pair<std::filesystem::path, std::filesystem::path>> pairs;
                      namespace fs = std::filesystem;
                      if (fs::is_directory(args[0])) {
                          std::vector<fs::path> files;
                          for (const auto& e : fs::directory_iterator(args[0]))
                              if (e.path().extension() == ".png") files.push_back(e.path());
                          std::sort(files.begin(), files.end());
                          for (const auto& f : files) pairs.push_back({f, fs::path(args[1]) / f.filename()});
                          if (pairs.empty()) {
                              std::cerr << "error: no PNG in " << args[0] << "\n";
                              return 1;
                          }
                      } else {
                          pairs.push_back({args[0], args[1]});
                      }
                      bool all = true;
                      for (const auto& [pa, pb] : pairs) {
                          auto a = ui::loadPng(pa);
                          auto b = ui::loadPng(pb);
                          if (!a || !b) {
                              std::cerr << "error: " << (!a ? a.error().message : b.error().message) << "\n";
                              all = false;
                              continue;
                          }
                          auto d = ui::compareImages(*a, *b);
                          bool ok = d.sameSize && d.meanAbsDiff <= maxMean && d.differingFraction <= maxFraction;
                          all = all && ok;
                          std::printf("%s: %s: size %dx%d vs %dx%d, mean abs diff %.3f, differing %.4f\n",
                                      ok ? "match" : "DIFFERENT", pa.filename().string().c_str(), a->width, a->height,
                                      b->width, b->height, d.meanAbsDiff, d.differingFraction);
                      }
                      return all ? 0 : 1;
                  }});

}  // namespace
}  // namespace kiosk::tools
#endif  // KIOSK_HAVE_UI
