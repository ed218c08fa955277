// kioskctl policy ...: check a policy configuration, print the reason table, and
// explain a lane or registration decision for given facts (what-if for operators).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "policies/policies.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

namespace pol = kiosk::policies;

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

int usageError(const std::string& what) {
    std::cerr << "error: " << what << "\n";
    return 2;
}

core::Result<pol::PolicyConfig> configFrom(const Args& args) {
    const std::string path = option(args, "--config");
    if (path.empty()) return pol::defaultPolicyConfig();
    KIOSK_ASSIGN_OR_RETURN(core::Json j, core::loadJsonFile(path));
    return pol::loadPolicyConfigFromRoot(j);
}

core::Result<int64_t> timeOption(const Args& args, const std::string& name) {
    const std::string text = option(args, name);
    core::WallTime t;
    if (text.empty() || !core::parseIsoTime(text, t))
        return core::makeError("usage", name + " needs an ISO time, e.g. 2026-01-19T09:30:00+08:00");
    return core::toUnixSeconds(t);
}

core::Result<pol::Date> dateOption(const Args& args, const std::string& name) {
    auto d = pol::parseDate(option(args, name));
    if (!d) return core::makeError("usage", name + " needs a date YYYY-MM-DD");
    return *d;
}

core::Result<pol::Residency> residencyOption(const Args& args) {
    const std::string s = option(args, "--residency", "hk_permanent");
    for (auto r : {pol::Residency::HongKongPermanent, pol::Residency::MacauPermanent,
                   pol::Residency::HongKongNonPermanent, pol::Residency::MacauNonPermanent, pol::Residency::Other})
        if (s == pol::toString(r)) return r;
    return core::makeError("usage", "--residency: one of hk_permanent, mo_permanent, hk_non_permanent, "
                                    "mo_non_permanent, other");
}

void printDecision(const pol::Decision& d, pol::Language lang) {
    std::cout << "verdict: " << pol::toString(d.verdict) << (d.quiet ? " (quiet)" : "") << "\n";
    for (size_t i = 0; i < d.reasons.size(); ++i) {
        std::cout << "  " << d.reasons[i] << ": " << d.details[i] << "\n";
        if (const auto* t = pol::reasonText(d.reasons[i]))
            std::cout << "    officer:   " << t->officer << "\n";
        std::cout << "    traveller: " << pol::travellerText(d.reasons[i], lang) << "\n";
    }
    if (d.replacesEnrolment) std::cout << "replaces enrolment: " << *d.replacesEnrolment << "\n";
    if (d.laneUsableFrom) std::cout << "lane usable from: " << pol::formatLocalDateTime(*d.laneUsableFrom) << "\n";
}

pol::Language languageOption(const Args& args) {
    const std::string l = option(args, "--lang", "en");
    return l == "zh" ? pol::Language::ZhHant : l == "pt" ? pol::Language::Pt : pol::Language::En;
}

KIOSKCTL_COMMAND({"policy", "check", "CONFIG.json",
                  "load the \"policy\" object of a kiosk configuration and print the schedules in force",
                  [](const Args& args) -> int {
                      if (args.empty()) return usageError("usage: kioskctl policy check CONFIG.json");
                      auto j = core::loadJsonFile(args[0]);
                      if (!j.ok()) return fail(j.error());
                      auto c = pol::loadPolicyConfigFromRoot(*j);
                      if (!c.ok()) return fail(c.error());
                      std::printf("utc offset: %+lld min\n", static_cast<long long>(c->utcOffsetSeconds / 60));
                      for (const auto& m : c->minimumAge)
                          std::printf("minimum age from %s: %d\n", pol::formatDate(m.from).c_str(), m.years);
                      std::printf("registration delay: self-service machine %lld min, enrolment office %lld min\n",
                                  static_cast<long long>(c->delaySelfServiceSeconds / 60),
                                  static_cast<long long>(c->delayEnrolmentOfficeSeconds / 60));
                      std::printf("self-service registration minimum age: %d\n", c->registrationMinimumAge);
                      if (c->healthRules.empty()) std::printf("health code: no rules\n");
                      for (const auto& h : c->healthRules)
                          std::printf("health code from %s: %s, max code age %s, HC1 %s\n",
                                      pol::formatDate(h.from).c_str(), h.required ? "required" : "off",
                                      h.maxCodeAgeSeconds ? (std::to_string(*h.maxCodeAgeSeconds / 60) + " min").c_str()
                                                          : "none",
                                      h.certificateAccepted ? "accepted" : "not accepted");
                      return 0;
                  }});

KIOSKCTL_COMMAND({"policy", "reasons", "[--lang zh|en|pt]",
                  "print every reason code with its traveller and officer texts",
                  [](const Args& args) -> int {
                      const pol::Language lang = languageOption(args);
                      for (const auto& r : pol::allReasons())
                          std::cout << r.code << "\t" << r.traveller(lang) << "\t" << r.officer << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"policy", "lane",
                  "--at TIME [--config F] [--not-enrolled] [--dob D] [--residency R] [--channel machine|office] "
                  "[--enrolled-at TIME] [--expiry D] [--inactive] [--watchlist] [--people N] "
                  "[--health green|amber|red --issued-at TIME] [--lang zh|en|pt]",
                  "explain the lane decision for the given facts",
                  [](const Args& args) -> int {
                      auto c = configFrom(args);
                      if (!c.ok()) return fail(c.error());
                      auto now = timeOption(args, "--at");
                      if (!now.ok()) return usageError(now.error().message);
                      pol::LaneFacts f;
                      f.watchlistHit = flag(args, "--watchlist");
                      f.peopleInLane = std::atoi(option(args, "--people", "1").c_str());
                      if (!flag(args, "--not-enrolled")) {
                          pol::EnrolmentRecord e;
                          e.reference = "CLI";
                          auto r = residencyOption(args);
                          if (!r.ok()) return usageError(r.error().message);
                          e.residency = *r;
                          auto dob = dateOption(args, "--dob");
                          if (!dob.ok()) return usageError(dob.error().message);
                          e.dateOfBirth = *dob;
                          e.channel = option(args, "--channel", "machine") == "office"
                                          ? pol::EnrolmentChannel::EnrolmentOffice
                                          : pol::EnrolmentChannel::SelfServiceMachine;
                          auto at = option(args, "--enrolled-at").empty() ? core::Result<int64_t>(*now - 30 * 86400)
                                                                          : timeOption(args, "--enrolled-at");
                          if (!at.ok()) return usageError(at.error().message);
                          e.enrolledAt = *at;
                          e.active = !flag(args, "--inactive");
                          auto exp = option(args, "--expiry").empty() ? core::Result<pol::Date>(pol::Date{9999, 12, 31})
                                                                      : dateOption(args, "--expiry");
                          if (!exp.ok()) return usageError(exp.error().message);
                          e.documentExpiry = *exp;
                          f.enrolment = e;
                      }
                      const std::string colour = option(args, "--health");
                      if (!colour.empty()) {
                          pol::HealthCode code;
                          code.colour = colour == "green"   ? pol::HealthCode::Colour::Green
                                        : colour == "amber" ? pol::HealthCode::Colour::Amber
                                                            : pol::HealthCode::Colour::Red;
                          auto issued = timeOption(args, "--issued-at");
                          if (!issued.ok()) return usageError(issued.error().message);
                          code.issuedAt = *issued;
                          f.health = pol::HealthEvidence{code};
                      }
                      const pol::Decision d = pol::evaluateLane(f, *c, *now);
                      printDecision(d, languageOption(args));
                      return d.passed() ? 0 : 3;
                  }});

KIOSKCTL_COMMAND({"policy", "register",
                  "--at TIME [--config F] --dob D [--residency R] [--expiry D] [--existing REF] [--lang zh|en|pt]",
                  "explain the self-service registration decision for the given facts",
                  [](const Args& args) -> int {
                      auto c = configFrom(args);
                      if (!c.ok()) return fail(c.error());
                      auto now = timeOption(args, "--at");
                      if (!now.ok()) return usageError(now.error().message);
                      pol::RegistrationFacts f;
                      auto r = residencyOption(args);
                      if (!r.ok()) return usageError(r.error().message);
                      f.residency = *r;
                      auto dob = dateOption(args, "--dob");
                      if (!dob.ok()) return usageError(dob.error().message);
                      f.dateOfBirth = *dob;
                      auto exp = option(args, "--expiry").empty() ? core::Result<pol::Date>(pol::Date{9999, 12, 31})
                                                                  : dateOption(args, "--expiry");
                      if (!exp.ok()) return usageError(exp.error().message);
                      f.documentExpiry = *exp;
                      const std::string existing = option(args, "--existing");
                      if (!existing.empty())
                          f.existing = pol::EnrolmentRecord{existing, f.residency, f.dateOfBirth,
                                                            pol::EnrolmentChannel::SelfServiceMachine, 0, true,
                                                            f.documentExpiry};
                      const pol::Decision d = pol::evaluateRegistration(f, *c, *now);
                      printDecision(d, languageOption(args));
                      return d.passed() ? 0 : 3;
                  }});

}  // namespace
}  // namespace kiosk::tools
