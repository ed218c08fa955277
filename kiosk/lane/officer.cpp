#include "kiosk/lane/officer.h"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "core/log.h"
#include "kiosk/lane/lane_commands.h"
#include "policies/reasons.h"

namespace kiosk::lane {

namespace {
std::string localClock(int64_t unix) {
    const int64_t local = unix + 8 * 3600;  // HK/Macau time for the officer's log
    const int64_t d = ((local % 86400) + 86400) % 86400;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", int(d / 3600), int(d / 60 % 60), int(d % 60));
    return buf;
}
}  // namespace

OfficerHooks makeOfficerHooks(LaneServices& services, LaneShell& shell, devices::Gate* gate, core::Clock& clock) {
    OfficerHooks h;
    h.audit = [&services, &clock](const std::string& action, const std::string& note) {
        if (auto s = services.audit("officer", action, note, clock.wallNow()); !s.ok())
            core::logError("officer.audit_failed", {{"code", s.error().code}});
    };
    h.act = [&services, &shell, gate, &clock](ui::OfficerAction a, const std::string& detail) {
        const auto now = clock.wallNow();
        std::string action = std::string("officer.") + ui::officerActionName(a);
        std::string note;
        ui::OfficerResult result = ui::OfficerResult::Done;
        switch (a) {
            case ui::OfficerAction::LaneInService: shell.post(ev::OfficerSetInService{true}); break;
            case ui::OfficerAction::LaneOutOfService: shell.post(ev::OfficerSetInService{false}); break;
            case ui::OfficerAction::OpenDoor1:
            case ui::OfficerAction::CloseDoor1:
            case ui::OfficerAction::OpenDoor2:
            case ui::OfficerAction::CloseDoor2: {
                // The same rule as the server's emergency_open: doors by hand only on a stopped lane.
                const auto door = (a == ui::OfficerAction::OpenDoor1 || a == ui::OfficerAction::CloseDoor1)
                                      ? devices::Door::Entry
                                      : devices::Door::Exit;
                const bool open = a == ui::OfficerAction::OpenDoor1 || a == ui::OfficerAction::OpenDoor2;
                auto r = moveDoorByHand(shell.state(), gate, door, open ? DoorMove::Open : DoorMove::Close);
                result = r.ok()                                  ? ui::OfficerResult::Done
                         : r.error().code == "lane.in_service" ? ui::OfficerResult::RefusedInService
                                                               : ui::OfficerResult::Failed;
                note = r.ok()                                  ? "done"
                       : r.error().code == "lane.in_service" ? "refused: take the lane out of service first"
                                                               : "failed: " + r.error().code;
                break;
            }
            case ui::OfficerAction::AcknowledgeAlert:
                note = "alert " + detail;
                try {
                    if (!services.acknowledgeAlert(std::stoull(detail))) throw std::out_of_range("no such alert");
                } catch (...) {
                    note = "unknown alert";
                    result = ui::OfficerResult::Failed;
                }
                break;
            default: break;
        }
        if (auto s = services.audit("officer", action, note, now); !s.ok())
            core::logError("officer.audit_failed", {{"code", s.error().code}});
        return result;
    };
    // Read from the gate itself (the overlay runs on the lane's thread): after a door
    // action the labels show where the door really is.
    h.doors = [&shell, gate] {
        LaneDoors d;
        std::optional<devices::GateStatus> g;
        if (gate) {
            if (auto st = gate->status(); st.ok()) g = *st;
        }
        if (!g) g = shell.gateSnapshot();
        if (g) {
            d.entryOpen = g->entry != devices::DoorState::Closed;
            d.exitOpen = g->exit != devices::DoorState::Closed;
        }
        return d;
    };
    h.continuePressed = [&shell] { shell.post(ev::ContinuePressed{}); };
    h.scanLog = [&services, &clock] {
        std::vector<ui::ScanLogRow> rows;
        auto scans = services.recentScans(clock.wallNow());
        if (!scans.ok()) return rows;
        for (const auto& s : *scans) {
            const bool ok = s.verdict == "accepted";
            rows.push_back({localClock(s.time), "QR #" + s.qrHash.substr(0, 10), ok ? "accepted" : "refused",
                            ok ? "" : s.verdict});
        }
        return rows;
    };
    h.alerts = [&services] {
        std::vector<ui::OfficerAlert> out;
        for (const auto& a : services.alerts()) {
            const auto* t = policies::reasonText(a.reason);
            out.push_back({std::to_string(a.seq), localClock(a.time), a.reason, t ? std::string(t->officer) : a.reason,
                           a.acknowledged});
        }
        // Newest first.
        return std::vector<ui::OfficerAlert>(out.rbegin(), out.rend());
    };
    return h;
}

std::function<StaffNotices()> makeStaffNotices(LaneServices& services, LaneShell& shell, core::Clock& clock) {
    return [&services, &shell, &clock] {
        StaffNotices n;
        const auto now = clock.wallNow();
        n.enrolments = services.enrolmentFreshness(now);
        n.trustListDaysLeft = services.trustListDaysLeft(now);
        n.devices = shell.deviceWarnings();
        return n;
    };
}

core::Status requireOfficerPin(const core::ConfigView& cfg) {
    std::string hash;
    if (cfg.has("ui")) {
        KIOSK_ASSIGN_OR_RETURN(auto ui, cfg.child("ui"));
        KIOSK_ASSIGN_OR_RETURN(hash, ui.stringOr("officer_pin_hash", ""));
    }
    if (hash.empty())
        return core::makeError("ui.officer_pin_missing",
                               "ui.officer_pin_hash: a live lane with a screen needs the officer PIN's hash "
                               "(make it with `kioskctl ui hash-pin`)");
    return {};
}

}  // namespace kiosk::lane
