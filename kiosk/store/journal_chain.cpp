#include "kiosk/store/journal_chain.h"

#include <map>

#include <openssl/crypto.h>

namespace kiosk::store::detail {

namespace chain {

constexpr const char* kCheckpointKeyLabel = "kiosk.journal.checkpoint-key.v1";
constexpr const char* kCheckpointMagic = "kiosk.journal.checkpoint.v1";

// Length-prefixed fields, so no field content can forge a separator (as canonicalAudit).
class Canon {
public:
    explicit Canon(const char* tag) : out_(std::string(tag) + "\n") {}
    Canon& add(const std::string& v) {
        out_ += std::to_string(v.size());
        out_ += ':';
        out_ += v;
        out_ += '\n';
        return *this;
    }
    Canon& add(int64_t v) { return add(std::to_string(v)); }
    std::string hash() const { return sha256HexOf(out_); }

private:
    std::string out_;
};

struct MetaKeys {
    std::string headSeq, headHash, anchorSeq, anchorHash;
};

MetaKeys metaKeys(Chain c) {
    if (c == Chain::Audit) return {"audit.head_id", "audit.head_hash", "audit.anchor_id", "audit.anchor_hash"};
    const std::string p = std::string("journal.") + chainName(c) + ".";
    return {p + "head_seq", p + "head_hash", p + "anchor_seq", p + "anchor_hash"};
}

std::string crossingCanon(int64_t seq, int64_t id, int64_t time, const std::string& lane, const std::string& outcome,
                          const std::string& ref, const std::string& qr, const std::string& durations,
                          int64_t reasonCount, const std::vector<std::string>& reasons, const std::string& prev) {
    Canon c("kiosk.crossings.v1");
    c.add(seq).add(id).add(time).add(lane).add(outcome).add(ref).add(qr).add(durations).add(reasonCount);
    c.add(static_cast<int64_t>(reasons.size()));
    for (const auto& r : reasons) c.add(r);
    return c.add(prev).hash();
}

std::string scanCanon(int64_t seq, int64_t id, int64_t time, const std::string& lane, const std::string& qr,
                      const std::string& verdict, const std::string& prev) {
    return Canon("kiosk.scans.v1").add(seq).add(id).add(time).add(lane).add(qr).add(verdict).add(prev).hash();
}

std::string changeCanon(int64_t seq, int64_t time, const std::string& ref, const std::string& change,
                        const std::string& digest, const std::string& prev) {
    return Canon("kiosk.enrolment_changes.v1").add(seq).add(time).add(ref).add(change).add(digest).add(prev).hash();
}

// SHA-256 over the enrolment row and its fingers as stored (sealed blobs as they are: no
// key needed); "" when there is no such row.
Result<std::string> enrolmentDigest(Store::Impl& s, const std::string& reference) {
    KIOSK_ASSIGN_OR_RETURN(Statement st,
                           s.db->prepare("SELECT id, reference, document_hash, document_masked, residency, date_of_birth, "
                                         "channel, enrolled_at, active, deactivated_at, document_expiry, face_descriptors "
                                         "FROM enrolments WHERE reference = ?"));
    st.bind(1, reference);
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::string();
    Canon c("kiosk.enrolment.v1");
    const int64_t id = st.colInt(0);
    c.add(id);
    for (int i = 1; i <= 6; ++i) c.add(st.colText(i));
    c.add(st.colInt(7)).add(st.colInt(8));
    c.add(st.colNull(9) ? std::string("-") : std::to_string(st.colInt(9)));
    c.add(st.colText(10));
    c.add(st.colNull(11) ? std::string("-") : toHex(st.colBlob(11)));
    KIOSK_ASSIGN_OR_RETURN(Statement fs, s.db->prepare("SELECT finger, format_version, libfprint_version, template "
                                                       "FROM enrolment_fingers WHERE enrolment_id = ? ORDER BY finger"));
    fs.bind(1, id);
    for (;;) {
        KIOSK_ASSIGN_OR_RETURN(bool f, fs.step());
        if (!f) break;
        c.add(fs.colText(0)).add(fs.colInt(1)).add(fs.colText(2)).add(toHex(fs.colBlob(3)));
    }
    return c.hash();
}

Result<std::vector<std::string>> reasonsOf(Statement& rs, int64_t crossingId) {
    std::vector<std::string> out;
    rs.bind(1, crossingId);
    for (;;) {
        auto row = rs.step();
        if (!row.ok()) {
            rs.reset();
            return row.error();
        }
        if (!*row) break;
        out.push_back(rs.colText(0));
    }
    rs.reset();
    return out;
}

Status setAnchor(Store::Impl& s, Chain c, const ChainLink& a) {
    const MetaKeys k = metaKeys(c);
    KIOSK_TRY(s.metaSet(k.anchorSeq, std::to_string(a.seq)));
    return s.metaSet(k.anchorHash, a.hash);
}

const char* seqColumn(Chain c) { return c == Chain::Audit ? "id" : "seq"; }
const char* tableOf(Chain c) {
    switch (c) {
        case Chain::Crossings: return "crossings";
        case Chain::Scans: return "scans";
        case Chain::Audit: return "audit";
        case Chain::Enrolments: return "enrolment_changes";
    }
    return "";
}

// Deletes the chain's rows before the first one whose time is at or after the cutoff;
// the last deleted row becomes the anchor. Returns the rows deleted.
Result<int64_t> purgePrefix(Store::Impl& s, Chain c, int64_t cutoff) {
    const std::string table = tableOf(c), col = seqColumn(c);
    KIOSK_ASSIGN_OR_RETURN(Statement first, s.db->prepare("SELECT MIN(" + col + ") FROM " + table + " WHERE time >= ?"));
    first.bind(1, cutoff);
    KIOSK_ASSIGN_OR_RETURN(bool row, first.step());
    int64_t keepFrom = 0;
    if (row && !first.colNull(0)) {
        keepFrom = first.colInt(0);
    } else {
        KIOSK_ASSIGN_OR_RETURN(ChainLink head, chainHead(s, c));
        keepFrom = head.seq + 1;
    }
    KIOSK_ASSIGN_OR_RETURN(Statement last, s.db->prepare("SELECT " + col + ", hash FROM " + table + " WHERE " + col +
                                                         " < ? ORDER BY " + col + " DESC LIMIT 1"));
    last.bind(1, keepFrom);
    KIOSK_ASSIGN_OR_RETURN(bool any, last.step());
    if (!any) return int64_t{0};
    const ChainLink anchor{last.colInt(0), last.colText(1)};
    KIOSK_ASSIGN_OR_RETURN(Statement d, s.db->prepare("DELETE FROM " + table + " WHERE " + col + " <= ?"));
    d.bind(1, anchor.seq);
    KIOSK_TRY(d.run());
    const int64_t n = s.db->changes();
    KIOSK_TRY(setAnchor(s, c, anchor));
    return n;
}

Bytes checkpointSeed(const Store::Impl& s) { return hmacSha256(s.key, kCheckpointKeyLabel); }

std::string checkpointBody(int64_t time, const std::string& prev, const std::map<Chain, ChainLink>& anchors) {
    std::string b = std::string(kCheckpointMagic) + "\ntime " + std::to_string(time) + "\nprev " +
                    (prev.empty() ? "-" : prev) + "\n";
    for (Chain c : kChains) {
        const auto& a = anchors.at(c);
        b += std::string(chainName(c)) + " " + std::to_string(a.seq) + " " + (a.hash.empty() ? "-" : a.hash) + "\n";
    }
    return b;
}

Status writeCheckpoint(Store::Impl& s, int64_t time) {
    if (s.key.empty())
        return makeError("store.no_key", "purging chained journal rows needs the store key: the checkpoint that keeps "
                                         "the chain verifiable is signed with it");
    std::map<Chain, ChainLink> anchors;
    for (Chain c : kChains) {
        KIOSK_ASSIGN_OR_RETURN(anchors[c], chainAnchor(s, c));
    }
    std::string prev;
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT body FROM journal_checkpoints ORDER BY id DESC LIMIT 1"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (row) prev = sha256HexOf(st.colText(0));
    }
    const std::string body = checkpointBody(time, prev, anchors);
    Bytes seed = checkpointSeed(s);
    auto pub = ed25519PublicKey(seed);
    auto sig = ed25519Sign(seed, body);
    OPENSSL_cleanse(seed.data(), seed.size());
    if (!pub.ok()) return pub.error();
    if (!sig.ok()) return sig.error();
    KIOSK_ASSIGN_OR_RETURN(Statement ins, s.db->prepare("INSERT INTO journal_checkpoints(time, body, public_key, signature) "
                                                        "VALUES(?, ?, ?, ?)"));
    ins.bind(1, time).bind(2, body).bind(3, toHex(*pub)).bind(4, toHex(*sig));
    return ins.run();
}

// The anchors a checkpoint body records; false when the body is malformed.
bool parseCheckpoint(const std::string& body, std::string* prev, std::map<std::string, ChainLink>* anchors) {
    std::size_t pos = 0;
    auto line = [&](std::string* out) {
        const std::size_t end = body.find('\n', pos);
        if (end == std::string::npos) return false;
        *out = body.substr(pos, end - pos);
        pos = end + 1;
        return true;
    };
    std::string l;
    if (!line(&l) || l != kCheckpointMagic) return false;
    if (!line(&l) || l.rfind("time ", 0) != 0) return false;
    if (!line(&l) || l.rfind("prev ", 0) != 0) return false;
    *prev = l.substr(5) == "-" ? "" : l.substr(5);
    while (line(&l)) {
        const auto a = l.find(' '), b = l.rfind(' ');
        if (a == std::string::npos || a == b) return false;
        ChainLink link;
        link.seq = std::strtoll(l.c_str() + a + 1, nullptr, 10);
        link.hash = l.substr(b + 1) == "-" ? "" : l.substr(b + 1);
        (*anchors)[l.substr(0, a)] = link;
    }
    return pos == body.size();
}

}  // namespace chain

using namespace chain;

const char* chainName(Chain c) {
    switch (c) {
        case Chain::Crossings: return "crossings";
        case Chain::Scans: return "scans";
        case Chain::Audit: return "audit";
        case Chain::Enrolments: return "enrolments";
    }
    return "";
}

Result<ChainLink> chainHead(Store::Impl& s, Chain c) {
    const MetaKeys k = metaKeys(c);
    ChainLink l;
    KIOSK_ASSIGN_OR_RETURN(l.seq, s.metaInt(k.headSeq, 0));
    KIOSK_ASSIGN_OR_RETURN(auto h, s.metaGet(k.headHash));
    l.hash = h.value_or("");
    return l;
}

Result<ChainLink> chainAnchor(Store::Impl& s, Chain c) {
    const MetaKeys k = metaKeys(c);
    ChainLink l;
    KIOSK_ASSIGN_OR_RETURN(l.seq, s.metaInt(k.anchorSeq, 0));
    KIOSK_ASSIGN_OR_RETURN(auto h, s.metaGet(k.anchorHash));
    l.hash = h.value_or("");
    return l;
}

Status setChainHead(Store::Impl& s, Chain c, const ChainLink& head) {
    const MetaKeys k = metaKeys(c);
    KIOSK_TRY(s.metaSet(k.headSeq, std::to_string(head.seq)));
    return s.metaSet(k.headHash, head.hash);
}

std::string crossingHash(int64_t seq, int64_t id, const CrossingRecord& r, const std::string& prev) {
    return crossingCanon(seq, id, r.time, r.laneId, toString(r.outcome), r.enrolmentReference, r.qrHash,
                         encodeDurations(r.durations), static_cast<int64_t>(r.reasons.size()), r.reasons, prev);
}

std::string scanHash(int64_t seq, int64_t id, const ScanRecord& r, const std::string& prev) {
    return scanCanon(seq, id, r.time, r.laneId, r.qrHash, r.verdict, prev);
}

Status appendEnrolmentChangeLocked(Store::Impl& s, int64_t time, const std::string& reference, const std::string& change) {
    KIOSK_ASSIGN_OR_RETURN(std::string digest, enrolmentDigest(s, reference));
    KIOSK_ASSIGN_OR_RETURN(ChainLink head, chainHead(s, Chain::Enrolments));
    const int64_t seq = head.seq + 1;
    const std::string hash = changeCanon(seq, time, reference, change, digest, head.hash);
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("INSERT INTO enrolment_changes(seq, time, reference, change, "
                                                       "digest, prev_hash, hash) VALUES(?, ?, ?, ?, ?, ?, ?)"));
    st.bind(1, seq).bind(2, time).bind(3, reference).bind(4, change).bind(5, digest).bind(6, head.hash).bind(7, hash);
    KIOSK_TRY(st.run());
    return setChainHead(s, Chain::Enrolments, {seq, hash});
}

Status backfillJournal(Store::Impl& s) {
    // Crossings, in id order.
    {
        struct Row {
            int64_t id, time, reasonCount;
            std::string lane, outcome, ref, qr, durations;
        };
        std::vector<Row> rows;
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT id, time, lane_id, outcome, enrolment_reference, qr_hash, "
                                                           "durations, reason_count FROM crossings ORDER BY id"));
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) break;
            rows.push_back(Row{st.colInt(0), st.colInt(1), st.colInt(7), st.colText(2), st.colText(3), st.colText(4),
                               st.colText(5), st.colText(6)});
        }
        KIOSK_ASSIGN_OR_RETURN(Statement rs, s.db->prepare("SELECT code FROM crossing_reasons WHERE crossing_id = ? "
                                                           "ORDER BY position"));
        KIOSK_ASSIGN_OR_RETURN(Statement up, s.db->prepare("UPDATE crossings SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?"));
        ChainLink head;
        for (const auto& r : rows) {
            KIOSK_ASSIGN_OR_RETURN(auto reasons, reasonsOf(rs, r.id));
            const int64_t seq = head.seq + 1;
            const std::string hash = crossingCanon(seq, r.id, r.time, r.lane, r.outcome, r.ref, r.qr, r.durations,
                                                   r.reasonCount, reasons, head.hash);
            up.bind(1, seq).bind(2, head.hash).bind(3, hash).bind(4, r.id);
            KIOSK_TRY(up.run());
            head = {seq, hash};
        }
        KIOSK_TRY(setChainHead(s, Chain::Crossings, head));
    }
    // Scans, in id order.
    {
        std::vector<ScanRecord> rows;
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT id, time, lane_id, qr_hash, verdict FROM scans ORDER BY id"));
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) break;
            rows.push_back(ScanRecord{st.colInt(0), st.colInt(1), st.colText(2), st.colText(3), st.colText(4)});
        }
        KIOSK_ASSIGN_OR_RETURN(Statement up, s.db->prepare("UPDATE scans SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?"));
        ChainLink head;
        for (const auto& r : rows) {
            const int64_t seq = head.seq + 1;
            const std::string hash = scanHash(seq, r.id, r, head.hash);
            up.bind(1, seq).bind(2, head.hash).bind(3, hash).bind(4, r.id);
            KIOSK_TRY(up.run());
            head = {seq, hash};
        }
        KIOSK_TRY(setChainHead(s, Chain::Scans, head));
    }
    // Enrolments: one "baseline" change per row as it is now.
    {
        std::vector<std::pair<std::string, int64_t>> refs;
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT reference, MAX(enrolled_at, COALESCE(deactivated_at, 0)) "
                                                           "FROM enrolments ORDER BY id"));
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
            if (!row) break;
            refs.emplace_back(st.colText(0), st.colInt(1));
        }
        for (const auto& [ref, time] : refs) KIOSK_TRY(appendEnrolmentChangeLocked(s, time, ref, "baseline"));
    }
    // An audit anchor from a purge before checkpoints existed stays valid unsigned.
    {
        KIOSK_ASSIGN_OR_RETURN(ChainLink a, chainAnchor(s, Chain::Audit));
        if (a.seq > 0) KIOSK_TRY(s.metaSet("journal.unsigned_audit_anchor", std::to_string(a.seq) + " " + a.hash));
    }
    return s.db->exec(R"sql(
CREATE UNIQUE INDEX crossings_seq ON crossings(seq);
CREATE UNIQUE INDEX scans_seq ON scans(seq);
CREATE TRIGGER crossings_no_update BEFORE UPDATE ON crossings
BEGIN SELECT RAISE(ABORT, 'crossing journal is append-only'); END;
)sql");
}

Status purgeChainsLocked(Store::Impl& s, int64_t cutoff, PurgeCounts& counts) {
    std::map<Chain, ChainLink> before;
    for (Chain c : kChains) {
        KIOSK_ASSIGN_OR_RETURN(before[c], chainAnchor(s, c));
    }
    KIOSK_ASSIGN_OR_RETURN(counts.crossings, purgePrefix(s, Chain::Crossings, cutoff));  // reasons: ON DELETE CASCADE
    KIOSK_ASSIGN_OR_RETURN(counts.scans, purgePrefix(s, Chain::Scans, cutoff));
    KIOSK_ASSIGN_OR_RETURN(counts.audit, purgePrefix(s, Chain::Audit, cutoff));

    // Enrolments that became inactive before the cutoff go with their biometrics (fingers:
    // ON DELETE CASCADE), each with an "erase" change.
    {
        std::vector<std::string> refs;
        KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT reference FROM enrolments WHERE active = 0 AND "
                                                          "deactivated_at < ? ORDER BY id"));
        q.bind(1, cutoff);
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool row, q.step());
            if (!row) break;
            refs.push_back(q.colText(0));
        }
        KIOSK_ASSIGN_OR_RETURN(Statement d, s.db->prepare("DELETE FROM enrolments WHERE reference = ?"));
        for (const auto& r : refs) {
            d.bind(1, r);
            KIOSK_TRY(d.run());
            KIOSK_TRY(appendEnrolmentChangeLocked(s, cutoff, r, "erase"));
        }
        counts.inactiveEnrolments = static_cast<int64_t>(refs.size());
    }
    // Kept enrolments whose newest change would be purged are restated first, so every
    // enrolment row keeps a journal entry its content can be checked against.
    {
        KIOSK_ASSIGN_OR_RETURN(Statement first, s.db->prepare("SELECT MIN(seq) FROM enrolment_changes WHERE time >= ?"));
        first.bind(1, cutoff);
        KIOSK_ASSIGN_OR_RETURN(bool row, first.step());
        KIOSK_ASSIGN_OR_RETURN(ChainLink head, chainHead(s, Chain::Enrolments));
        const int64_t keepFrom = row && !first.colNull(0) ? first.colInt(0) : head.seq + 1;
        std::vector<std::string> refs;
        KIOSK_ASSIGN_OR_RETURN(Statement q, s.db->prepare("SELECT e.reference FROM enrolments e WHERE (SELECT MAX(c.seq) FROM "
                                                          "enrolment_changes c WHERE c.reference = e.reference) < ? "
                                                          "ORDER BY e.id"));
        q.bind(1, keepFrom);
        for (;;) {
            KIOSK_ASSIGN_OR_RETURN(bool r, q.step());
            if (!r) break;
            refs.push_back(q.colText(0));
        }
        for (const auto& r : refs) KIOSK_TRY(appendEnrolmentChangeLocked(s, cutoff, r, "carry"));
    }
    KIOSK_ASSIGN_OR_RETURN(int64_t changes, purgePrefix(s, Chain::Enrolments, cutoff));
    (void)changes;

    bool moved = false;
    for (Chain c : kChains) {
        KIOSK_ASSIGN_OR_RETURN(ChainLink now, chainAnchor(s, c));
        if (now.seq != before[c].seq) moved = true;
    }
    if (moved) KIOSK_TRY(writeCheckpoint(s, cutoff));
    return {};
}

std::string journalPublicKeyHex(const Store::Impl& s) {
    if (s.key.empty()) return {};
    Bytes seed = checkpointSeed(s);
    auto pub = ed25519PublicKey(seed);
    OPENSSL_cleanse(seed.data(), seed.size());
    return pub.ok() ? toHex(*pub) : std::string();
}

}  // namespace kiosk::store::detail
