// The tamper-evident journal (issue 16, defect 1): crossings, scans, audit rows and
// enrolment changes are hash chains; verifyJournal() names the first deleted, modified,
// inserted, reordered or truncated row; purges leave a signed checkpoint; a schema-3
// store is chained on upgrade; anchors for the clearance service go to the outbox.
#include "core/config.h"
#include "kiosk/store/migrations.h"
#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

CrossingRecord crossing(int64_t time, int i) {
    CrossingRecord c;
    c.time = time;
    c.laneId = "HZMB-A-07";
    c.outcome = i % 3 == 0 ? CrossingOutcome::Refused : CrossingOutcome::Passed;
    if (c.outcome == CrossingOutcome::Refused) c.reasons = {"qr.expired", "face.no_match"};
    c.enrolmentReference = "E-" + std::to_string(i);
    c.qrHash = qrHash("qr-" + std::to_string(i));
    c.durations = {{"qr", 100 + i}, {"total", 9000 + i}};
    return c;
}

// 19 crossings, 19 scans, 2 enrolments (so 4 audit rows: 2 adds, 1 replace, 1 lane.open).
void journalFill(Store& s, int64_t t0 = kNow) {
    for (int i = 1; i <= 19; ++i) {
        ASSERT_TRUE(s.appendCrossing(crossing(t0 + i * 60, i)).ok());
        ASSERT_TRUE(s.appendScan({0, t0 + i * 60 - 5, "HZMB-A-07", qrHash("qr-" + std::to_string(i)), "accepted"}).ok());
    }
    ASSERT_TRUE(s.enrol(makeEnrolment("ref-a", "K1000001", t0), "system").ok());
    ASSERT_TRUE(s.enrol(makeEnrolment("ref-b", "K1000001", t0 + 10, 7), "system").ok());  // replaces ref-a
    ASSERT_TRUE(s.appendAudit(t0 + 20, "officer:chan", "lane.open", "").ok());
}

std::string verifyError(Store& s) {
    auto r = s.verifyJournal();
    if (r.ok()) return "";
    EXPECT_EQ(r.error().code, "store.journal_broken");
    return r.error().message;
}

// Reopens the file after raw SQL so nothing is cached.
std::string verifyAfter(TempStore& t, const std::string& sql) {
    rawExec(t.db, sql);
    auto s = t.open();
    return s ? verifyError(*s) : "cannot open";
}

TEST(StoreJournal, Defect1_ADeletedCrossingIsNamed) {
    TempStore t("journal-del");
    {
        auto s = t.open();
        journalFill(*s);
        auto ok = s->verifyJournal();
        ASSERT_TRUE(ok.ok()) << ok.error().message;
        ASSERT_EQ(ok->chains.size(), 4u);
        EXPECT_EQ(ok->chains[0].name, "crossings");
        EXPECT_EQ(ok->chains[0].rowsChecked, 19);
        EXPECT_EQ(ok->chains[1].rowsChecked, 19);
        EXPECT_EQ(ok->chains[2].rowsChecked, 4);
        EXPECT_EQ(ok->chains[3].rowsChecked, 3);  // add a, deactivate a, add b
        EXPECT_EQ(ok->enrolmentsChecked, 2);
    }
    const std::string e = verifyAfter(t, "DELETE FROM crossings WHERE id = 13");
    EXPECT_NE(e.find("crossings row seq 13: missing (deleted)"), std::string::npos) << e;
}

TEST(StoreJournal, ModifiedRowsOfEveryChainAreNamed) {
    struct Case {
        const char* sql;
        const char* expect;
    };
    const Case cases[] = {
        {"DROP TRIGGER crossings_no_update; UPDATE crossings SET outcome = 'passed' WHERE id = 3",
         "crossings row seq 3 (id 3): content does not match its hash (modified)"},
        {"DELETE FROM crossing_reasons WHERE crossing_id = 6 AND position = 1",
         "crossings row seq 6 (id 6): content does not match its hash"},
        {"UPDATE scans SET verdict = 'qr.expired' WHERE id = 8", "scans row seq 8 (id 8): content does not match"},
        {"UPDATE audit SET actor = 'officer:wong' WHERE id = 4", "audit row seq 4 (id 4): content does not match"},
        {"UPDATE enrolment_changes SET change = 'add' WHERE seq = 2", "enrolments row seq 2 (reference ref-a)"},
    };
    for (const auto& c : cases) {
        TempStore t("journal-mod");
        {
            auto s = t.open();
            journalFill(*s);
        }
        const std::string e = verifyAfter(t, c.sql);
        EXPECT_NE(e.find(c.expect), std::string::npos) << c.sql << "\n" << e;
    }
}

TEST(StoreJournal, AModifiedRowWithARecomputedHashIsCaughtByTheNextLink) {
    TempStore t("journal-rehash");
    {
        auto s = t.open();
        journalFill(*s);
    }
    // An attacker who recomputes the row's own hash still breaks the next row's link.
    const std::string e = verifyAfter(t, "UPDATE scans SET hash = (SELECT hash FROM scans WHERE id = 2) WHERE id = 5");
    EXPECT_NE(e.find("scans row seq 5 (id 5): content does not match"), std::string::npos) << e;
}

TEST(StoreJournal, ReorderedInsertedAndTruncatedRowsAreNamed) {
    struct Case {
        const char* sql;
        const char* expect;
    };
    const Case cases[] = {
        // Two rows swap places in the chain.
        {"UPDATE scans SET seq = -4 WHERE seq = 4; UPDATE scans SET seq = 4 WHERE seq = 5; "
         "UPDATE scans SET seq = 5 WHERE seq = -4",
         "scans row seq 4 (id 5): previous-hash link does not match"},
        // A row slipped in without a place in the chain.
        {"INSERT INTO scans(time, lane_id, qr_hash, verdict) VALUES (1795000100, 'HZMB-A-07', "
         "'0000000000000000000000000000000000000000000000000000000000000000', 'accepted')",
         "scans row id 20: unexpected position"},
        // The newest rows deleted (the head in meta still says 19).
        {"DELETE FROM crossings WHERE id >= 17", "crossings row seq 17: missing (the chain ends at seq 16, its head is seq 19"},
        // The oldest rows deleted without a purge's signed checkpoint.
        {"DELETE FROM crossings WHERE id <= 2", "crossings row seq 1: missing (deleted)"},
        {"DELETE FROM crossings WHERE id <= 2; INSERT OR REPLACE INTO meta(key, value) VALUES "
         "('journal.crossings.anchor_seq', '2')",
         "crossings row seq 3"},
    };
    for (const auto& c : cases) {
        TempStore t("journal-order");
        {
            auto s = t.open();
            journalFill(*s);
        }
        const std::string e = verifyAfter(t, c.sql);
        EXPECT_NE(e.find(c.expect), std::string::npos) << c.sql << "\n" << e;
    }
}

TEST(StoreJournal, FrontRowsDeletedWithAForgedAnchorNeedASignedCheckpoint) {
    TempStore t("journal-anchor");
    {
        auto s = t.open();
        journalFill(*s);
    }
    // The attacker moves the chain's start to the last deleted row's hash: the chain
    // itself then holds, but no signed checkpoint records that purge.
    rawExec(t.db, "INSERT OR REPLACE INTO meta(key, value) SELECT 'journal.crossings.anchor_hash', hash FROM crossings "
                  "WHERE id = 2; INSERT OR REPLACE INTO meta(key, value) VALUES ('journal.crossings.anchor_seq', '2'); "
                  "DELETE FROM crossings WHERE id <= 2");
    auto s = t.open();
    const std::string e = verifyError(*s);
    EXPECT_NE(e.find("crossings chain: starts after seq 2 but no signed checkpoint"), std::string::npos) << e;
}

TEST(StoreJournal, EnrolmentRowsChangedOutsideTheStoreAreNamed) {
    struct Case {
        const char* sql;
        const char* expect;
    };
    const Case cases[] = {
        // A deactivated enrolment switched back on.
        {"UPDATE enrolments SET active = 1, deactivated_at = NULL, document_hash = 'x' WHERE reference = 'ref-a'",
         "enrolment ref-a: modified outside the store"},
        // Another finger template slipped in.
        {"UPDATE enrolment_fingers SET template = (SELECT template FROM enrolment_fingers LIMIT 1 OFFSET 0) WHERE "
         "enrolment_id = (SELECT id FROM enrolments WHERE reference = 'ref-b') AND finger = 'left_index'",
         "enrolment ref-b: modified outside the store"},
        {"DELETE FROM enrolments WHERE reference = 'ref-a'", "enrolment ref-a: deleted outside the store"},
        {"INSERT INTO enrolments(reference, document_hash, document_masked, residency, date_of_birth, channel, "
         "enrolled_at, active, document_expiry) SELECT 'ref-x', document_hash || '', document_masked, residency, "
         "date_of_birth, channel, enrolled_at, 0, document_expiry FROM enrolments WHERE reference = 'ref-a'",
         "enrolment ref-x: no journal entry"},
    };
    for (const auto& c : cases) {
        TempStore t("journal-enrol");
        {
            auto s = t.open();
            journalFill(*s);
        }
        const std::string e = verifyAfter(t, c.sql);
        EXPECT_NE(e.find(c.expect), std::string::npos) << c.sql << "\n" << e;
    }
}

TEST(StoreJournal, PurgeKeepsEveryChainVerifiableWithASignedCheckpoint) {
    TempStore t("journal-purge");
    auto s = t.open();
    journalFill(*s, kNow);
    // 40 days later: more rows, an enrolment made long ago stays active (ref-b).
    const int64_t later = kNow + 40 * 86400;
    for (int i = 20; i <= 25; ++i) ASSERT_TRUE(s->appendCrossing(crossing(later + i, i)).ok());
    auto n = s->purgeOlderThan(later - kRetentionSeconds);
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(n->crossings, 19);
    EXPECT_EQ(n->scans, 19);
    EXPECT_EQ(n->audit, 4);
    EXPECT_EQ(n->inactiveEnrolments, 1);  // ref-a, replaced before the cutoff
    auto v = s->verifyJournal();
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(v->checkpoints, 1);
    EXPECT_TRUE(v->publicKeyChecked);
    EXPECT_EQ(v->publicKey, s->journalPublicKey());
    EXPECT_EQ(v->chains[0].anchorSeq, 19);
    EXPECT_EQ(v->chains[0].rowsChecked, 6);
    EXPECT_EQ(v->enrolmentsChecked, 1);
    // ref-b's newest change was restated ("carry"), so its row is still checked.
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM enrolment_changes WHERE reference = 'ref-b' AND change = 'carry'"), 1);
    // A second purge chains a second checkpoint to the first.
    for (int i = 26; i <= 27; ++i) ASSERT_TRUE(s->appendCrossing(crossing(later + 86400 + i, i)).ok());
    ASSERT_TRUE(s->purgeOlderThan(later + 100).ok());
    auto v2 = s->verifyJournal();
    ASSERT_TRUE(v2.ok()) << v2.error().message;
    EXPECT_EQ(v2->checkpoints, 2);
    EXPECT_EQ(v2->chains[0].anchorSeq, 25);
    s.reset();

    // Checkpoint tampering: the body, the signature, or the removal of one.
    for (const char* sql : {"UPDATE journal_checkpoints SET body = replace(body, 'crossings 25', 'crossings 24') WHERE id = 2",
                            "UPDATE journal_checkpoints SET signature = (SELECT signature FROM journal_checkpoints "
                            "WHERE id = 1) WHERE id = 2",
                            "DELETE FROM journal_checkpoints WHERE id = 1"}) {
        TempStore copy("journal-purge-copy");
        std::filesystem::copy_file(t.db, copy.db, std::filesystem::copy_options::overwrite_existing);
        std::filesystem::remove(copy.key);
        std::filesystem::copy_file(t.key, copy.key);
        const std::string e = verifyAfter(copy, sql);
        EXPECT_NE(e.find("checkpoint"), std::string::npos) << sql << "\n" << e;
    }
}

TEST(StoreJournal, PurgeThatCutsAChainNeedsTheKeyToSignItsCheckpoint) {
    TempStore t("journal-purge-nokey");
    {
        auto s = t.open();
        journalFill(*s);
    }
    auto s = Store::open(t.db);  // no key
    ASSERT_TRUE(s.ok());
    auto n = (*s)->purgeOlderThan(kNow + 40 * 86400);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code, "store.no_key");
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM crossings"), 19);  // nothing purged
    // Nothing old enough: no checkpoint needed, no key needed.
    auto none = (*s)->purgeOlderThan(kNow - 86400);
    EXPECT_TRUE(none.ok());
}

TEST(StoreJournal, ASchema3StoreIsChainedOnUpgrade) {
    TempStore t("journal-v3");
    rawExec(t.db, "PRAGMA journal_mode = WAL");
    std::string sql = "BEGIN; ";
    for (int i = 0; i < 3; ++i) sql += detail::migrations().at(static_cast<std::size_t>(i)) + ";";
    rawExec(t.db, sql + " PRAGMA user_version = 3; COMMIT;");
    // Rows as a schema-3 kiosk wrote them (ids with a gap: rows were purged before).
    rawExec(t.db, "INSERT INTO crossings(id, time, lane_id, outcome, enrolment_reference, qr_hash, durations, reason_count) "
                  "VALUES (4, 100, 'L1', 'refused', 'E-1', '', 'total:9', 1), (5, 101, 'L1', 'passed', 'E-2', '', '', 0), "
                  "(9, 102, 'L1', 'passed', 'E-3', '', '', 0); "
                  "INSERT INTO crossing_reasons(crossing_id, position, code) VALUES (4, 0, 'qr.expired'); "
                  "INSERT INTO scans(time, lane_id, qr_hash, verdict) VALUES (99, 'L1', 'h', 'accepted'); "
                  "INSERT INTO enrolments(reference, document_hash, document_masked, residency, date_of_birth, channel, "
                  "enrolled_at, active, document_expiry) VALUES ('ref-v3', '" +
                      documentHash("K9") + "', 'K*', 'hk_permanent', '1980-01-01', 'office', 5, 1, '2030-01-01')");
    {
        auto s = t.open();
        ASSERT_TRUE(s);
        EXPECT_EQ(s->schemaVersion(), 4);
        auto v = s->verifyJournal();
        ASSERT_TRUE(v.ok()) << v.error().message;
        EXPECT_EQ(v->chains[0].rowsChecked, 3);
        EXPECT_EQ(v->chains[1].rowsChecked, 1);
        EXPECT_EQ(v->chains[3].rowsChecked, 1);
        EXPECT_EQ(v->enrolmentsChecked, 1);
        // New rows continue the chains; the table stays append-only.
        ASSERT_TRUE(s->appendCrossing(crossing(200, 1)).ok());
        EXPECT_EQ(rawInt(t.db, "SELECT seq FROM crossings WHERE id = 10"), 4);
        ASSERT_TRUE(s->verifyJournal().ok());
    }
    EXPECT_EQ(rawInt(t.db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'crossings_no_update'"), 1);
    const std::string e = verifyAfter(t, "DELETE FROM crossings WHERE id = 5");
    EXPECT_NE(e.find("crossings row seq 2: missing (deleted)"), std::string::npos) << e;
}

TEST(StoreJournal, AnAnchorCarriesEveryChainHeadToTheOutbox) {
    TempStore t("journal-anchor-event");
    auto s = t.open();
    journalFill(*s);
    auto id = s->enqueueJournalAnchor(kNow + 3600, "HZMB-A-07");
    ASSERT_TRUE(id.ok()) << id.error().message;
    auto items = s->peekOutbox(1000);
    ASSERT_TRUE(items.ok());
    ASSERT_FALSE(items->empty());
    const auto& a = items->back();
    EXPECT_EQ(a.kind, "journal_anchor");
    EXPECT_EQ(a.createdAt, kNow + 3600);
    const auto p = core::Json::parse(a.payload);
    EXPECT_EQ(p.at("device"), "HZMB-A-07");
    EXPECT_EQ(p.at("public_key"), s->journalPublicKey());
    EXPECT_EQ(p.at("public_key").get<std::string>().size(), 64u);
    auto v = s->verifyJournal();
    ASSERT_TRUE(v.ok());
    for (const auto& c : v->chains) {
        EXPECT_EQ(p.at("chains").at(c.name).at("seq"), c.headSeq) << c.name;
        EXPECT_EQ(p.at("chains").at(c.name).at("hash"), c.headHash) << c.name;
    }
    // It stays in the outbox until the clearance service acknowledges it.
    ASSERT_TRUE(s->purgeOlderThan(kNow).ok());
    auto still = s->peekOutbox(1000);
    ASSERT_TRUE(still.ok());
    EXPECT_EQ(still->back().kind, "journal_anchor");
}

// The heads of the store's newest anchor, as the clearance service would hold them.
std::vector<AnchoredHead> newestAnchorHeads(Store& s) {
    std::vector<AnchoredHead> heads;
    auto items = s.peekOutbox(1000);
    EXPECT_TRUE(items.ok());
    if (!items.ok()) return heads;
    for (const auto& it : *items) {
        if (it.kind != "journal_anchor") continue;
        heads.clear();
        const auto p = core::Json::parse(it.payload);
        for (const auto& [name, h] : p.at("chains").items()) heads.push_back({name, h.at("seq"), h.at("hash")});
    }
    return heads;
}

// A journal rewritten as a whole (internally consistent: verifyJournal() passes) no
// longer leads to the heads the clearance service stored.
TEST(StoreJournal, HeadsTheServerStoredCatchAWholeRewrite) {
    TempStore t("journal-anchored");
    auto s = t.open();
    journalFill(*s);
    ASSERT_TRUE(s->enqueueJournalAnchor(kNow + 3600, "HZMB-A-07").ok());
    const auto heads = newestAnchorHeads(*s);
    ASSERT_EQ(heads.size(), 4u);
    // The journal that sent them, also after more rows.
    ASSERT_TRUE(s->appendCrossing(crossing(kNow + 4000, 20)).ok());
    auto ok = s->checkAnchoredHeads(heads);
    ASSERT_TRUE(ok.ok()) << ok.error().message;
    EXPECT_EQ(ok->compared, 4);

    // The rewrites below redo the crossings only: compare that chain's head.
    std::vector<AnchoredHead> crossingsHead;
    for (const auto& h : heads)
        if (h.chain == "crossings") crossingsHead.push_back(h);
    ASSERT_EQ(crossingsHead.size(), 1u);
    EXPECT_EQ(crossingsHead[0].seq, 19);
    // The same rows written again with crossing 7 changed, hashes recomputed: verifies.
    TempStore other("journal-anchored-rewrite");
    auto r = other.open();
    for (int i = 1; i <= 19; ++i) {
        CrossingRecord c = crossing(kNow + i * 60, i);
        if (i == 7) c.outcome = CrossingOutcome::Refused, c.reasons = {"face.no_match"};
        ASSERT_TRUE(r->appendCrossing(c).ok());
    }
    ASSERT_TRUE(r->verifyJournal().ok());
    auto bad = r->checkAnchoredHeads(crossingsHead);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, "store.journal_broken");
    EXPECT_NE(bad.error().message.find("crossings row seq 19: differs from the head the clearance service stored"),
              std::string::npos)
        << bad.error().message;

    // Rows taken off the end and the chain re-hashed: the stored head lies beyond it.
    TempStore shorter("journal-anchored-short");
    auto sh = shorter.open();
    for (int i = 1; i <= 15; ++i) ASSERT_TRUE(sh->appendCrossing(crossing(kNow + i * 60, i)).ok());
    bad = sh->checkAnchoredHeads(crossingsHead);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().message.find("crossings row seq 19: the clearance service holds this head, but the journal "
                                       "ends at seq 15"),
              std::string::npos)
        << bad.error().message;

    EXPECT_EQ(s->checkAnchoredHeads({{"photos", 1, ""}}).error().code, "store.invalid");
}

TEST(StoreJournal, HeadsBeforeAPurgeAreNotCheckableAndTheAnchorRowIs) {
    TempStore t("journal-anchored-purge");
    auto s = t.open();
    journalFill(*s);
    ASSERT_TRUE(s->enqueueJournalAnchor(kNow + 3600, "HZMB-A-07").ok());
    const auto heads = newestAnchorHeads(*s);
    std::vector<AnchoredHead> early = {{"crossings", 3, std::string(64, 'a')}};
    const int64_t later = kNow + 40 * 86400;
    for (int i = 20; i <= 22; ++i) ASSERT_TRUE(s->appendCrossing(crossing(later + i, i)).ok());
    ASSERT_TRUE(s->purgeOlderThan(later - kRetentionSeconds).ok());
    // The crossings head at seq 19 is now the purge anchor: still compared.
    auto r = s->checkAnchoredHeads(heads);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_GE(r->compared, 1);
    r = s->checkAnchoredHeads(early);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->purged, 1);
    EXPECT_EQ(r->compared, 0);
}

}  // namespace
}  // namespace kiosk::store
