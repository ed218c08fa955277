// The operator views (kioskctl journal show/purge) print no personal data.
#include "kiosk/store/journal_report.h"
#include "tests/store/store_test_util.h"

namespace kiosk::store {
namespace {
using namespace testutil;

TEST(StoreReport, ViewsShowReferencesAndHashesButNoPersonalData) {
    TempStore t("report");
    auto s = t.open();
    const std::string qrText = "HC1:6BFOXN%TSMAHN-HWWK2RL99TEZP3Z9M52N651WGRJPTWG%E5EM5K:3";
    ASSERT_TRUE(s->enrol(makeEnrolment("ref-rep", "K6543210", kNow), "system").ok());
    CrossingRecord c;
    c.time = kNow;
    c.laneId = "lane-7";
    c.outcome = CrossingOutcome::Refused;
    c.reasons = {"face.no_match", "lane.timeout"};
    c.enrolmentReference = "ref-rep";
    c.qrHash = qrHash(qrText);
    c.durations = {{"face", 900}};
    ASSERT_TRUE(s->appendCrossing(c, {{"crossing", "{}"}}).ok());
    ASSERT_TRUE(s->appendScan({0, kNow, "lane-7", qrHash(qrText), "qr.expired"}).ok());

    std::string all;
    for (const char* v : {"crossings", "scans", "audit", "outbox", "stats"}) {
        JournalReportOptions o;
        o.view = *parseJournalView(v);
        auto text = journalReport(*s, o);
        ASSERT_TRUE(text.ok()) << v << ": " << text.error().message;
        all += *text;
    }
    EXPECT_NE(all.find("face.no_match,lane.timeout"), std::string::npos) << all;
    EXPECT_NE(all.find("qr.expired"), std::string::npos);
    EXPECT_NE(all.find("ref-rep"), std::string::npos);
    EXPECT_NE(all.find(qrHash(qrText).substr(0, 16)), std::string::npos);
    EXPECT_NE(all.find("synchronous=2"), std::string::npos);
    EXPECT_EQ(all.find("HC1:"), std::string::npos);
    EXPECT_EQ(all.find("6543210"), std::string::npos);  // document number, even partly
    EXPECT_FALSE(parseJournalView("everything").ok());
}

TEST(StoreReport, PurgeWithAuditWritesARetentionRowAndKeepsTheChain) {
    TempStore t("report-purge");
    auto s = t.open();
    ASSERT_TRUE(s->appendScan({0, kNow - 40 * 86400, "l", qrHash("a"), "accepted"}).ok());
    ASSERT_TRUE(s->appendScan({0, kNow - 2 * 86400, "l", qrHash("b"), "accepted"}).ok());
    auto n = purgeWithAudit(*s, kNow, kRetentionDays, "officer-3");
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->scans, 1);
    auto audit = s->auditEntries();
    ASSERT_EQ(audit->size(), 1u);
    EXPECT_EQ(audit->back().action, "retention.purge");
    EXPECT_EQ(audit->back().actor, "officer-3");
    EXPECT_NE(audit->back().detail.find("scans=1"), std::string::npos);
    EXPECT_TRUE(s->verifyAuditChain().ok());
    EXPECT_FALSE(purgeWithAudit(*s, kNow, 0, "x").ok());
}

}  // namespace
}  // namespace kiosk::store
