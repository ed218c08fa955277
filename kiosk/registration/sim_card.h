#pragma once
// Simulated ID cards for the registration machine: TD1 MRZ lines made from plain facts
// (with every check digit), and a card slot that the resident empties after a delay.
// Used by the scenario runner, the tests and the benchmark.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "kiosk/registration/registration_shell.h"

namespace kiosk::registration {

struct SimCard {
    std::string documentNumber;   // "K1234567(4)": letters and digits are kept (at most 9)
    std::string issuingState = "HKG";
    std::string dateOfBirth;      // YYYY-MM-DD
    std::string expiry;           // YYYY-MM-DD
    std::string surname = "CHAN";
    std::string givenNames = "TAI MAN";
    bool nonPermanent = false;    // optional data "NP" (residencyFromCard)
};

// Three 30-character TD1 lines. Error reg.bad_card naming the field.
core::Result<std::vector<std::string>> makeTd1Mrz(const SimCard& card);

class SimCardSlot final : public CardSlot {
public:
    explicit SimCardSlot(core::Clock& clock) : clock_(clock) {}
    void insert() { present_ = true; removeAt_.reset(); }
    // The resident takes the card this long after the machine first asks (nullopt: never).
    void takeAfter(std::optional<core::Millis> after) { takeAfter_ = after; }
    void remove() { present_ = false; removeAt_.reset(); }
    std::atomic<bool>& lost() { return lost_; }

    core::Result<bool> cardPresent() override;

private:
    core::Clock& clock_;
    bool present_ = false;
    std::optional<core::Millis> takeAfter_ = core::Millis(2000);
    std::optional<core::MonoTime> removeAt_;
    std::atomic<bool> lost_{false};
};

}  // namespace kiosk::registration
