// Verification of the journal hash chains, the enrolment rows against their newest
// change, and the signed purge checkpoints (docs/store.md "Journal hash chains").
#include <map>
#include <set>

#include "core/config.h"
#include "kiosk/store/journal_chain.h"

namespace kiosk::store::detail {

namespace {

// The first fault of one chain, or "" when it holds.
struct Walk {
    Chain chain;
    ChainLink anchor, head;
    int64_t expect = 0;
    std::string prev;
    int64_t rows = 0;
    std::string fault;

    // Checks one row at chain position `seq`; false once a fault is recorded.
    bool step(int64_t seq, const std::string& label, const std::string& prevHash, const std::string& computed,
              const std::string& stored) {
        if (!fault.empty()) return false;
        const std::string at = std::string(chainName(chain)) + " row seq " + std::to_string(expect);
        if (seq != expect) {
            if (seq < expect)
                fault = std::string(chainName(chain)) + " row " + label + ": unexpected position " + std::to_string(seq) +
                        " (inserted outside the store, or rows reordered)";
            else
                fault = at + ": missing (deleted)";
            return false;
        }
        if (prevHash != prev) {
            fault = at + " (" + label + "): previous-hash link does not match (the row before it was changed, "
                                      "removed or moved)";
            return false;
        }
        if (computed != stored) {
            fault = at + " (" + label + "): content does not match its hash (modified)";
            return false;
        }
        prev = stored;
        ++expect;
        ++rows;
        return true;
    }
    void finish() {
        if (!fault.empty()) return;
        if (expect - 1 != head.seq || prev != head.hash)
            fault = std::string(chainName(chain)) + " row seq " + std::to_string(expect) +
                    ": missing (the chain ends at seq " + std::to_string(expect - 1) + ", its head is seq " +
                    std::to_string(head.seq) + ": newest rows deleted)";
    }
};

Result<Walk> startWalk(Store::Impl& s, Chain c) {
    Walk w;
    w.chain = c;
    KIOSK_ASSIGN_OR_RETURN(w.anchor, chainAnchor(s, c));
    KIOSK_ASSIGN_OR_RETURN(w.head, chainHead(s, c));
    w.expect = w.anchor.seq + 1;
    w.prev = w.anchor.hash;
    return w;
}

std::string idLabel(int64_t id) { return "id " + std::to_string(id); }

Result<Walk> walkCrossings(Store::Impl& s) {
    KIOSK_ASSIGN_OR_RETURN(Walk w, startWalk(s, Chain::Crossings));
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT seq, id, time, lane_id, outcome, enrolment_reference, qr_hash, "
                                                       "durations, reason_count, prev_hash, hash FROM crossings "
                                                       "ORDER BY seq, id"));
    KIOSK_ASSIGN_OR_RETURN(Statement rs, s.db->prepare("SELECT code FROM crossing_reasons WHERE crossing_id = ? "
                                                       "ORDER BY position"));
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        const int64_t id = st.colInt(1);
        std::vector<std::string> reasons;
        rs.bind(1, id);
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool r, rs.step());
            if (!r) break;
            reasons.push_back(rs.colText(0));
        }
        rs.reset();
        const int64_t seq = st.colNull(0) ? -1 : st.colInt(0);
        const std::string h = chain::crossingCanon(seq, id, st.colInt(2), st.colText(3), st.colText(4), st.colText(5),
                                                   st.colText(6), st.colText(7), st.colInt(8), reasons, st.colText(9));
        if (!w.step(seq, idLabel(id), st.colText(9), h, st.colText(10))) break;
    }
    w.finish();
    return w;
}

Result<Walk> walkScans(Store::Impl& s) {
    KIOSK_ASSIGN_OR_RETURN(Walk w, startWalk(s, Chain::Scans));
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT seq, id, time, lane_id, qr_hash, verdict, prev_hash, hash "
                                                       "FROM scans ORDER BY seq, id"));
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        const int64_t seq = st.colNull(0) ? -1 : st.colInt(0), id = st.colInt(1);
        const std::string h = chain::scanCanon(seq, id, st.colInt(2), st.colText(3), st.colText(4), st.colText(5),
                                               st.colText(6));
        if (!w.step(seq, idLabel(id), st.colText(6), h, st.colText(7))) break;
    }
    w.finish();
    return w;
}

Result<Walk> walkAudit(Store::Impl& s) {
    KIOSK_ASSIGN_OR_RETURN(Walk w, startWalk(s, Chain::Audit));
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT id, time, actor, action, detail, prev_hash, hash "
                                                       "FROM audit ORDER BY id"));
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        const int64_t id = st.colInt(0);
        const std::string h =
            sha256HexOf(canonicalAudit(id, st.colInt(1), st.colText(2), st.colText(3), st.colText(4), st.colText(5)));
        if (!w.step(id, idLabel(id), st.colText(5), h, st.colText(6))) break;
    }
    w.finish();
    return w;
}

struct Latest {
    int64_t seq = 0;
    std::string change, digest;
};

Result<Walk> walkEnrolmentChanges(Store::Impl& s, std::map<std::string, Latest>* latest) {
    KIOSK_ASSIGN_OR_RETURN(Walk w, startWalk(s, Chain::Enrolments));
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT seq, time, reference, change, digest, prev_hash, hash "
                                                       "FROM enrolment_changes ORDER BY seq"));
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        const int64_t seq = st.colInt(0);
        const std::string h =
            chain::changeCanon(seq, st.colInt(1), st.colText(2), st.colText(3), st.colText(4), st.colText(5));
        if (!w.step(seq, "reference " + st.colText(2), st.colText(5), h, st.colText(6))) break;
        (*latest)[st.colText(2)] = Latest{seq, st.colText(3), st.colText(4)};
    }
    w.finish();
    return w;
}

// Every enrolment row must be what its newest change recorded; a reference whose newest
// change left a row must still have it.
Result<std::string> checkEnrolments(Store::Impl& s, const std::map<std::string, Latest>& latest, int64_t* checked) {
    std::set<std::string> seen;
    std::vector<std::string> refs;
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT reference FROM enrolments ORDER BY id"));
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) break;
            refs.push_back(st.colText(0));
        }
    }
    for (const auto& ref : refs) {
        seen.insert(ref);
        ++*checked;
        auto it = latest.find(ref);
        if (it == latest.end())
            return "enrolment " + ref + ": no journal entry (inserted outside the store)";
        KIOSK_ASSIGN_OR_RETURN(std::string digest, chain::enrolmentDigest(s, ref));
        if (digest != it->second.digest)
            return "enrolment " + ref + ": modified outside the store (differs from enrolments row seq " +
                   std::to_string(it->second.seq) + ")";
    }
    for (const auto& [ref, l] : latest)
        if (!l.digest.empty() && !seen.count(ref))
            return "enrolment " + ref + ": deleted outside the store (present at enrolments row seq " +
                   std::to_string(l.seq) + ")";
    return std::string();
}

// The checkpoints: linked, signed by one journal key (the store key's, when the store was
// opened with one), the newest recording exactly the anchors in force.
Result<std::string> checkCheckpoints(Store::Impl& s, JournalCheck& out) {
    const std::string ownKey = journalPublicKeyHex(s);
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT id, body, public_key, signature FROM journal_checkpoints "
                                                       "ORDER BY id"));
    std::string prevBody;
    std::map<std::string, ChainLink> anchors;
    bool any = false;
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (!row) break;
        any = true;
        const std::string at = "checkpoint " + std::to_string(st.colInt(0));
        const std::string body = st.colText(1), pub = st.colText(2);
        std::string prev;
        anchors.clear();
        if (!chain::parseCheckpoint(body, &prev, &anchors)) return at + ": malformed";
        if (prev != (prevBody.empty() ? "" : sha256HexOf(prevBody)))
            return at + ": does not follow the checkpoint before it (one was removed or changed)";
        if (!ed25519Verify(fromHex(pub), body, fromHex(st.colText(3)))) return at + ": bad signature";
        if (out.publicKey.empty()) out.publicKey = pub;
        if (pub != out.publicKey) return at + ": signed by another key than the checkpoints before it";
        if (!ownKey.empty() && pub != ownKey) return at + ": not signed with this store's journal key";
        prevBody = body;
        ++out.checkpoints;
    }
    out.publicKeyChecked = any && !ownKey.empty();
    KIOSK_ASSIGN_OR_RETURN(auto legacy, s.metaGet("journal.unsigned_audit_anchor"));
    for (Chain c : kChains) {
        KIOSK_ASSIGN_OR_RETURN(ChainLink a, chainAnchor(s, c));
        const std::string name = chainName(c);
        if (any) {
            auto it = anchors.find(name);
            if (it == anchors.end() || it->second.seq != a.seq || it->second.hash != a.hash)
                return name + " chain: its start (purge anchor seq " + std::to_string(a.seq) +
                       ") is not the one the newest signed checkpoint records";
        } else if (a.seq > 0) {
            const bool legacyOk = c == Chain::Audit && legacy && *legacy == std::to_string(a.seq) + " " + a.hash;
            if (!legacyOk)
                return name + " chain: starts after seq " + std::to_string(a.seq) +
                       " but no signed checkpoint records that purge (rows deleted from the front)";
        }
    }
    return std::string();
}

}  // namespace

Result<JournalCheck> verifyJournalLocked(Store::Impl& s) {
    JournalCheck out;
    std::vector<std::string> faults;
    std::map<std::string, Latest> latest;
    std::vector<Walk> walks;
    {
        KIOSK_ASSIGN_OR_RETURN(Walk w, walkCrossings(s));
        walks.push_back(std::move(w));
    }
    {
        KIOSK_ASSIGN_OR_RETURN(Walk w, walkScans(s));
        walks.push_back(std::move(w));
    }
    {
        KIOSK_ASSIGN_OR_RETURN(Walk w, walkAudit(s));
        walks.push_back(std::move(w));
    }
    {
        KIOSK_ASSIGN_OR_RETURN(Walk w, walkEnrolmentChanges(s, &latest));
        walks.push_back(std::move(w));
    }
    for (const auto& w : walks) {
        out.chains.push_back(ChainState{chainName(w.chain), w.anchor.seq, w.anchor.hash, w.head.seq, w.head.hash, w.rows});
        if (!w.fault.empty()) faults.push_back(w.fault);
    }
    KIOSK_ASSIGN_OR_RETURN(std::string e, checkEnrolments(s, latest, &out.enrolmentsChecked));
    if (!e.empty()) faults.push_back(e);
    KIOSK_ASSIGN_OR_RETURN(std::string c, checkCheckpoints(s, out));
    if (!c.empty()) faults.push_back(c);
    if (!faults.empty()) {
        std::string msg;
        for (const auto& f : faults) msg += (msg.empty() ? "" : "; ") + f;
        return makeError("store.journal_broken", msg);
    }
    return out;
}

Result<AnchorCheck> checkAnchoredHeadsLocked(Store::Impl& s, const std::vector<AnchoredHead>& heads) {
    AnchorCheck out;
    for (const auto& h : heads) {
        const Chain* chain = nullptr;
        for (const Chain& c : kChains)
            if (h.chain == chainName(c)) chain = &c;
        if (!chain) return makeError("store.invalid", "unknown journal chain \"" + h.chain + "\"");
        if (h.seq <= 0) {
            ++out.empty;
            continue;
        }
        KIOSK_ASSIGN_OR_RETURN(ChainLink anchor, chainAnchor(s, *chain));
        KIOSK_ASSIGN_OR_RETURN(ChainLink head, chainHead(s, *chain));
        const std::string at = h.chain + " row seq " + std::to_string(h.seq);
        if (h.seq > head.seq)
            return makeError("store.journal_broken", at + ": the clearance service holds this head, but the journal "
                                                          "ends at seq " + std::to_string(head.seq) + " (rows deleted)");
        if (h.seq < anchor.seq) {
            ++out.purged;
            continue;
        }
        std::string stored;
        if (h.seq == anchor.seq) {
            stored = anchor.hash;
        } else {
            const char* sql = *chain == Chain::Crossings ? "SELECT hash FROM crossings WHERE seq = ?"
                              : *chain == Chain::Scans   ? "SELECT hash FROM scans WHERE seq = ?"
                              : *chain == Chain::Audit   ? "SELECT hash FROM audit WHERE id = ?"
                                                         : "SELECT hash FROM enrolment_changes WHERE seq = ?";
            KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare(sql));
            st.bind(1, h.seq);
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) return makeError("store.journal_broken", at + ": missing (deleted)");
            stored = st.colText(0);
        }
        if (stored != h.hash)
            return makeError("store.journal_broken", at + ": differs from the head the clearance service stored "
                                                          "(the chain was rewritten)");
        ++out.compared;
    }
    return out;
}

}  // namespace kiosk::store::detail

namespace kiosk::store {

Result<JournalCheck> Store::verifyJournal() {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    // One read transaction: a consistent snapshot of every chain and its meta state.
    KIOSK_TRY(s.db->exec("BEGIN"));
    auto result = detail::verifyJournalLocked(s);
    (void)s.db->exec("COMMIT");
    return result;
}

Result<AnchorCheck> Store::checkAnchoredHeads(const std::vector<AnchoredHead>& heads) {
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    KIOSK_TRY(s.db->exec("BEGIN"));
    auto result = detail::checkAnchoredHeadsLocked(s, heads);
    (void)s.db->exec("COMMIT");
    return result;
}

std::string Store::journalPublicKey() const { return detail::journalPublicKeyHex(*impl_); }

Result<int64_t> Store::enqueueJournalAnchor(int64_t time, const std::string& device) {
    if (device.empty()) return makeError("store.invalid", "a journal anchor needs the device id");
    std::lock_guard lock(impl_->mu);
    auto& s = *impl_;
    int64_t id = 0;
    KIOSK_TRY(s.transaction([&]() -> Status {
        core::Json chains = core::Json::object();
        for (detail::Chain c : detail::kChains) {
            KIOSK_ASSIGN_OR_RETURN(detail::ChainLink head, detail::chainHead(s, c));
            chains[detail::chainName(c)] = core::Json{{"seq", head.seq}, {"hash", head.hash}};
        }
        const core::Json payload{{"device", device}, {"chains", chains}, {"public_key", detail::journalPublicKeyHex(s)}};
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("INSERT INTO outbox(created_at, kind, payload) VALUES(?, ?, ?)"));
        st.bind(1, time).bind(2, std::string("journal_anchor")).bind(3, payload.dump());
        KIOSK_TRY(st.run());
        id = s.db->lastInsertRowId();
        return {};
    }));
    return id;
}

}  // namespace kiosk::store
