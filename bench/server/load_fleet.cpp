#include "bench/server/load_fleet.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <deque>
#include <memory>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/steady_timer.hpp>
#include <openssl/pem.h>

#include "bench/server/https_conn.h"
#include "core/config.h"

namespace kiosk::bench {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using std::chrono::milliseconds;

Percentiles percentiles(std::vector<double> v) {
    Percentiles p;
    p.n = v.size();
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))]; };
    p.p50 = at(0.50);
    p.p99 = at(0.99);
    p.max = v.back();
    return p;
}

namespace {

double cpuSecondsSelf() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += t[v & 63];
    }
    if (i + 1 == in.size()) {
        const uint32_t v = uint8_t(in[i]) << 16;
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
        out += t[v >> 18];
        out += t[(v >> 12) & 63];
        out += t[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

enum class Phase { Ramp, Settle, Window, Drain, Recount, Done };

struct OutEvent {
    int64_t seq;
    std::string json;
    bool alert;
};

struct Lane {
    std::string id, stream;
    std::shared_ptr<HttpsConn> post, poll;
    bool started = false, posting = false, polling = false;
    double nextPush = 0, nextHeartbeat = 0, nextCrossing = 0, nextPollAt = 0;
    int64_t nextSeq = 1;
    std::deque<OutEvent> outbox;
    std::vector<int64_t> acked;
    std::deque<Clock::time_point> commandIssued;  // FIFO: admin POST times for this lane
    std::unordered_set<int64_t> seenCommands;
};

struct Registration {
    std::string id, stream;
    std::shared_ptr<HttpsConn> conn;
    int64_t seq = 0;
    double next = 0;
};

struct Poller {
    std::shared_ptr<HttpsConn> conn;
    int64_t after = 0;
    double next = 0;
};

class Fleet {
public:
    Fleet(const FleetOptions& o, const WindowHooks& h)
        : o_(o), hooks_(h), ctx_(asio::ssl::context::tls_client), timer_(io_), rng_(20261122) {}

    FleetResults run() {
        if (!setup()) return std::move(res_);
        t0_ = Clock::now();
        tick();
        io_.run();
        // Let the closed connections' aborted handlers run before the context goes.
        io_.restart();
        io_.poll();
        // For the consoles' event-to-screen time (bench_server matches their arrivals).
        for (const auto& [key, sent] : alertSent_)
            if (inWindow(sent)) {
                const auto k = std::make_pair(lanes_[static_cast<std::size_t>(key >> 40)].id,
                                              static_cast<int64_t>(key & ((1ULL << 40) - 1)));
                res_.alertsSentInWindow.emplace(k, sent);
                if (auto a = alertAcked_.find(key); a != alertAcked_.end()) res_.alertsAckedInWindow.emplace(k, a->second);
            }
        return std::move(res_);
    }

private:
    double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
    bool inWindow(Clock::time_point t) const { return windowOpen_ && t >= windowStart_ && (!windowClosed_ || t < windowEnd_); }
    void error(const std::string& what, const HttpResult& r) {
        ++res_.errors[what + " " + (r.status == 0 ? std::string("conn") : std::to_string(r.status))];
        if (r.status != 0 && r.status != 503 && loggedErrors_++ < 10)
            std::fprintf(stderr, "bench_server: %s -> %d %s\n", what.c_str(), r.status, r.body.substr(0, 300).c_str());
        else if (r.status == 0 && loggedErrors_++ < 10)
            std::fprintf(stderr, "bench_server: %s -> %s\n", what.c_str(), r.error.c_str());
    }
    double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
    std::string hex(int n) {
        static const char* d = "0123456789abcdef";
        std::string s(static_cast<std::size_t>(n), '0');
        for (auto& c : s) c = d[rng_() & 15];
        return s;
    }

    bool loadCert(const std::string& id, ClientCert& out) {
        const auto cert = o_.certDir / (id + ".cert.pem"), key = o_.certDir / (id + ".key.pem");
        FILE* f = std::fopen(cert.c_str(), "r");
        if (f) {
            out.cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
            std::fclose(f);
        }
        f = std::fopen(key.c_str(), "r");
        if (f) {
            out.key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
            std::fclose(f);
        }
        if (!out.cert || !out.key) {
            res_.recountError = "cannot read " + cert.string() + " / its key";
            return false;
        }
        return true;
    }
    std::shared_ptr<HttpsConn> conn(const ClientCert& c) { return std::make_shared<HttpsConn>(io_, ctx_, o_.server, c); }

    bool setup() {
        boost::system::error_code ec;
        ctx_.load_verify_file(o_.caFile.string(), ec);
        if (ec) {
            res_.recountError = "CA file: " + ec.message();
            return false;
        }
        ctx_.set_verify_mode(asio::ssl::verify_peer);
        ctx_.set_verify_callback(asio::ssl::host_name_verification("localhost"));
        for (std::size_t i = 0; i < o_.laneIds.size(); ++i) {
            ClientCert c;
            if (!loadCert(o_.laneIds[i], c)) return false;
            Lane l;
            l.id = o_.laneIds[i];
            l.stream = hex(32);
            l.post = conn(c);
            l.poll = conn(c);
            laneIndex_[l.id] = lanes_.size();
            lanes_.push_back(std::move(l));
        }
        for (const auto& id : o_.registrationIds) {
            ClientCert c;
            if (!loadCert(id, c)) return false;
            regs_.push_back(Registration{id, hex(32), conn(c), 0, 0});
        }
        if (o_.adminIds.size() < static_cast<std::size_t>(o_.pollers) + 2) {
            res_.recountError = "need pollers + 2 admin certificates";
            return false;
        }
        for (int i = 0; i < o_.pollers + 2; ++i) {
            ClientCert c;
            if (!loadCert(o_.adminIds[static_cast<std::size_t>(i)], c)) return false;
            if (i < o_.pollers)
                pollers_.push_back(Poller{conn(c), 0, 0});
            else if (i == o_.pollers)
                commander_ = conn(c);
            else
                reader_ = conn(c);
        }
        std::string raw(static_cast<std::size_t>(o_.biometricsBytes), '\0');
        for (int b = 0; b < 16; ++b) {
            for (auto& ch : raw) ch = static_cast<char>(rng_());
            blobs_.push_back(base64(raw));
        }
        return true;
    }

    void tick() {
        const double t = now();
        advancePhase(t);
        if (phase_ == Phase::Done) return;
        const bool generating = phase_ <= Phase::Window;
        const double startGap = o_.rampS / static_cast<double>(std::max<std::size_t>(1, lanes_.size()));
        for (std::size_t i = 0; i < lanes_.size(); ++i) {
            Lane& l = lanes_[i];
            if (!l.started) {
                if (!generating || t < startGap * static_cast<double>(i)) continue;
                l.started = true;
                l.nextPush = t + uniform(0, o_.pushIntervalS);
                l.nextHeartbeat = t + uniform(0, o_.heartbeatS);
                l.nextCrossing = t + uniform(0, o_.crossingS);
                l.nextPollAt = t;
            }
            if (generating) generate(l, t);
            if (t >= l.nextPush) {
                l.nextPush += o_.pushIntervalS;
                if (!l.posting && !l.outbox.empty()) push(l);
            }
            if (!l.polling && t >= l.nextPollAt && phase_ < Phase::Recount) startPoll(l);
        }
        if (generating)
            for (auto& r : regs_)
                if (t >= r.next && !r.conn->busy()) {
                    r.next = t + o_.enrolmentEveryS * uniform(0.67, 1.33);
                    enrol(r);
                }
        if (phase_ < Phase::Recount)
            for (auto& p : pollers_)
                if (t >= p.next && !p.conn->busy()) pollAlerts(p);
        if (phase_ == Phase::Window && t >= nextCommand_) {
            nextCommand_ += o_.commandEveryS;
            issueCommand();
        }
        timer_.expires_after(milliseconds(20));
        timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) tick();
        });
    }

    void advancePhase(double t) {
        const double windowAt = o_.rampS + o_.settleS;
        if (phase_ <= Phase::Settle && t >= windowAt) {
            phase_ = Phase::Window;
            windowOpen_ = true;
            windowStart_ = Clock::now();
            cpuStart_ = cpuSecondsSelf();
            nextCommand_ = t;
            if (hooks_.onWindowStart) hooks_.onWindowStart();
        } else if (phase_ == Phase::Ramp && t >= o_.rampS) {
            phase_ = Phase::Settle;
        }
        if (phase_ == Phase::Window && t >= windowAt + o_.durationS) {
            phase_ = Phase::Drain;
            windowClosed_ = true;
            windowEnd_ = Clock::now();
            res_.windowS = std::chrono::duration<double>(windowEnd_ - windowStart_).count();
            res_.clientCpuS = cpuSecondsSelf() - cpuStart_;
            drainStart_ = t;
            if (hooks_.onWindowEnd) hooks_.onWindowEnd();
        }
        if (phase_ == Phase::Drain) {
            bool empty = true;
            for (const auto& l : lanes_) empty = empty && l.outbox.empty() && !l.posting;
            for (const auto& r : regs_) empty = empty && !r.conn->busy();
            // A few seconds more for the alert pollers to see the last alerts.
            if ((empty && t >= drainStart_ + 3) || t >= drainStart_ + o_.drainMaxS) {
                phase_ = Phase::Recount;
                std::fprintf(stderr, "bench_server: window done, recounting\n");
                recountPage();
            }
        }
    }

    void generate(Lane& l, double t) {
        const int64_t unixNow = static_cast<int64_t>(std::time(nullptr));
        while (t >= l.nextHeartbeat) {
            l.nextHeartbeat += o_.heartbeatS;
            core::Json p = {{"lane", l.id}, {"state", "Idle"}, {"in_service", true}, {"enrolment_cursor", 0},
                            {"enrolment_age_s", 3}, {"outbox_depth", static_cast<int64_t>(l.outbox.size())},
                            {"trust_list_version", 1}};
            addEvent(l, "heartbeat", unixNow, p, false);
        }
        while (t >= l.nextCrossing) {
            l.nextCrossing += o_.crossingS * uniform(0.8, 1.2);
            const bool passed = uniform(0, 1) < 0.85;
            core::Json p = {{"lane", l.id},
                            {"outcome", passed ? "passed" : "refused"},
                            {"reasons", passed ? core::Json::array() : core::Json::array({"elig.not_enrolled"})},
                            {"reference", passed ? "E-" + hex(6) : ""},
                            {"qr_hash", hex(64)},
                            {"lane_ms", static_cast<int64_t>(uniform(4000, 15000))}};
            addEvent(l, "crossing", unixNow, p, false);
            if (uniform(0, 1) < o_.alertPerCrossing)
                addEvent(l, "alert", unixNow, core::Json{{"lane", l.id}, {"reason", "qr.duplicate_scan"}}, true);
        }
    }

    void addEvent(Lane& l, const char* kind, int64_t time, const core::Json& payload, bool alert) {
        const int64_t seq = l.nextSeq++;
        core::Json e = {{"seq", seq}, {"kind", kind}, {"time", time}, {"payload", payload}};
        l.outbox.push_back(OutEvent{seq, e.dump(), alert});
        ++res_.eventsGenerated;
    }

    void push(Lane& l) {
        const std::size_t n = std::min<std::size_t>(l.outbox.size(), 500);
        std::string body = "{\"stream\":\"" + l.stream + "\",\"events\":[";
        const auto sent = Clock::now();
        for (std::size_t i = 0; i < n; ++i) {
            if (i) body += ',';
            body += l.outbox[i].json;
            if (l.outbox[i].alert) {
                const uint64_t key = alertKey(laneIndex_[l.id], l.outbox[i].seq);
                if (alertSent_.emplace(key, sent).second) ++res_.alertsSent;
            }
        }
        body += "]}";
        l.posting = true;
        Lane* lp = &l;
        l.post->request(http::verb::post, "/v1/device/events", std::move(body), milliseconds(30000),
                        [this, lp, n](HttpResult&& r) { pushed(*lp, n, r); });
    }

    void pushed(Lane& l, std::size_t n, const HttpResult& r) {
        l.posting = false;
        if (r.status != 200) {
            error("events", r);
            // A refused batch (4xx) would be refused again: drop it; a 5xx or a lost
            // connection is retried at the next push, as the lane's outbox does.
            if (r.status >= 400 && r.status < 500) l.outbox.erase(l.outbox.begin(), l.outbox.begin() + static_cast<long>(n));
            return;
        }
        auto j = core::Json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.contains("results") || j["results"].size() != n) {
            error("events bad answer", r);
            return;
        }
        int64_t stored = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& x = j["results"][i];
            const std::string st = x.value("status", "");
            const int64_t seq = x.value("seq", int64_t{-1});
            if (seq != l.outbox[i].seq || (st != "stored" && st != "duplicate")) {
                error("events bad result", r);
                continue;
            }
            l.acked.push_back(seq);
            ++res_.eventsAcked;
            if (l.outbox[i].alert) alertAcked_.emplace(alertKey(laneIndex_[l.id], seq), r.doneAt);
            if (st == "stored") ++stored;
            else ++res_.duplicateAcks;
        }
        l.outbox.erase(l.outbox.begin(), l.outbox.begin() + static_cast<long>(n));
        if (inWindow(r.sentAt)) {
            res_.batchMs.push_back(r.ms());
            ++res_.batchesInWindow;
        }
        if (inWindow(r.doneAt)) res_.eventsStoredInWindow += stored;
    }

    static uint64_t alertKey(std::size_t lane, int64_t seq) { return (static_cast<uint64_t>(lane) << 40) | static_cast<uint64_t>(seq); }

    void startPoll(Lane& l) {
        l.polling = true;
        Lane* lp = &l;
        l.poll->request(http::verb::get, "/v1/device/commands?wait_ms=" + std::to_string(o_.commandWaitMs), "",
                        milliseconds(o_.commandWaitMs + 15000), [this, lp](HttpResult&& r) { polled(*lp, r); });
    }

    void polled(Lane& l, const HttpResult& r) {
        const double t = now();
        if (r.status != 200) {
            if (phase_ < Phase::Recount) error("command poll", r);
            l.polling = false;
            l.nextPollAt = t + 1;
            return;
        }
        auto j = core::Json::parse(r.body, nullptr, false);
        if (j.is_discarded() || !j.contains("commands") || !j["commands"].is_array()) {
            error("command poll bad answer", r);
            l.polling = false;
            l.nextPollAt = t + 1;
            return;
        }
        auto pendingResults = std::make_shared<int>(0);
        for (const auto& c : j["commands"]) {
            const int64_t id = c.value("id", int64_t{0});
            if (l.seenCommands.insert(id).second && !l.commandIssued.empty()) {
                const auto issued = l.commandIssued.front();
                l.commandIssued.pop_front();
                ++res_.commandsDelivered;
                if (inWindow(issued)) res_.commandMs.push_back(std::chrono::duration<double, std::milli>(r.doneAt - issued).count());
            }
            ++*pendingResults;
            Lane* lp = &l;
            l.post->request(http::verb::post, "/v1/device/commands/" + std::to_string(id) + "/result",
                            R"({"result":"applied","detail":""})", milliseconds(30000),
                            [this, lp, pendingResults](HttpResult&& rr) {
                                if (rr.status != 200) error("command result", rr);
                                if (--*pendingResults == 0) {
                                    lp->polling = false;
                                    lp->nextPollAt = now();
                                }
                            });
        }
        if (*pendingResults == 0) {
            l.polling = false;
            l.nextPollAt = t;
        }
    }

    void issueCommand() {
        if (lanes_.empty()) return;
        Lane& l = lanes_[std::uniform_int_distribution<std::size_t>(0, lanes_.size() - 1)(rng_)];
        if (!l.started) return;
        const auto at = Clock::now();
        l.commandIssued.push_back(at);
        ++res_.commandsIssued;
        Lane* lp = &l;
        commander_->request(http::verb::post, "/v1/admin/lanes/" + l.id + "/commands",
                            R"({"kind":"in_service","args":{}})", milliseconds(30000),
                            [this, lp, at](HttpResult&& r) {
                                if (r.status == 201) return;
                                error("command issue", r);
                                auto it = std::find(lp->commandIssued.begin(), lp->commandIssued.end(), at);
                                if (it != lp->commandIssued.end()) lp->commandIssued.erase(it);
                            });
    }

    void enrol(Registration& reg) {
        const int64_t seq = ++reg.seq;
        const int64_t unixNow = static_cast<int64_t>(std::time(nullptr));
        std::string ref = "E-";
        static const char* alnum = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        for (int i = 0; i < 8; ++i) ref += alnum[rng_() % 32];
        core::Json e = {{"reference", ref},
                        {"document_hash", hex(64)},
                        {"document_masked", "K1*****(8)"},
                        {"residency", "hk_permanent"},
                        {"date_of_birth", "1990-04-01"},
                        {"document_expiry", "2031-04-01"},
                        {"channel", "machine"},
                        {"enrolled_at", unixNow},
                        {"biometrics", blobs_[rng_() % blobs_.size()]}};
        core::Json body = {{"stream", reg.stream}, {"seq", seq}, {"enrolment", e}};
        reg.conn->request(http::verb::post, "/v1/device/enrolments", body.dump(), milliseconds(30000),
                          [this](HttpResult&& r) {
                              if (r.status != 201 && r.status != 200) return error("enrolment", r);
                              ++res_.enrolmentsAcked;
                              if (inWindow(r.sentAt)) res_.enrolmentMs.push_back(r.ms());
                          });
    }

    void pollAlerts(Poller& p) {
        Poller* pp = &p;
        p.conn->request(http::verb::get, "/v1/admin/events?kind=alert&after=" + std::to_string(p.after) + "&limit=1000",
                        "", milliseconds(30000), [this, pp](HttpResult&& r) {
                            const double t = now();
                            pp->next = t + o_.pollS;
                            if (r.status != 200) return error("alert poll", r);
                            auto j = core::Json::parse(r.body, nullptr, false);
                            if (j.is_discarded() || !j.contains("events")) return error("alert poll bad answer", r);
                            for (const auto& e : j["events"]) {
                                pp->after = std::max(pp->after, e.value("id", int64_t{0}));
                                auto li = laneIndex_.find(e.value("device", ""));
                                if (li == laneIndex_.end()) continue;
                                auto s = alertSent_.find(alertKey(li->second, e.value("seq", int64_t{0})));
                                if (s != alertSent_.end() && inWindow(s->second))
                                    res_.alertMs.push_back(std::chrono::duration<double, std::milli>(r.doneAt - s->second).count());
                            }
                            if (j.value("more", false)) pp->next = t;
                        });
    }

    // The full recount: every event the server holds, paged by id.
    void recountPage() {
        reader_->request(http::verb::get, "/v1/admin/events?after=" + std::to_string(recountAfter_) + "&limit=1000", "",
                         milliseconds(60000), [this](HttpResult&& r) {
                             if (r.status != 200) return recountFailed("GET /v1/admin/events -> " + std::to_string(r.status) + " " + r.error + r.body.substr(0, 200));
                             auto j = core::Json::parse(r.body, nullptr, false);
                             if (j.is_discarded() || !j.contains("events")) return recountFailed("bad events page");
                             for (const auto& e : j["events"]) {
                                 recountAfter_ = std::max(recountAfter_, e.value("id", int64_t{0}));
                                 ++serverRows_[e.value("device", "") + '|' + e.value("stream", "") + '|' +
                                               std::to_string(e.value("seq", int64_t{0}))];
                                 ++res_.serverEvents;
                             }
                             if (j.value("more", false) && !j["events"].empty()) return recountPage();
                             recountStats();
                         });
    }

    void recountStats() {
        reader_->request(http::verb::get, "/v1/admin/stats", "", milliseconds(30000), [this](HttpResult&& r) {
            if (r.status == 200) {
                auto j = core::Json::parse(r.body, nullptr, false);
                if (!j.is_discarded()) res_.serverEnrolments = j.value("enrolments", int64_t{-1});
            }
            for (const auto& [key, n] : serverRows_)
                if (n > 1) res_.duplicated += n - 1;
            for (auto& l : lanes_) {
                std::sort(l.acked.begin(), l.acked.end());
                l.acked.erase(std::unique(l.acked.begin(), l.acked.end()), l.acked.end());
                for (int64_t seq : l.acked)
                    if (!serverRows_.count(l.id + '|' + l.stream + '|' + std::to_string(seq))) ++res_.lost;
                res_.eventsUnacked += static_cast<int64_t>(l.outbox.size());
            }
            res_.recountOk = true;
            finish();
        });
    }

    void recountFailed(const std::string& why) {
        res_.recountError = why;
        finish();
    }

    void finish() {
        phase_ = Phase::Done;
        for (auto& l : lanes_) {
            res_.connects += l.post->connects() + l.poll->connects();
            l.post->close();
            l.poll->close();
        }
        for (auto& r : regs_) r.conn->close();
        for (auto& p : pollers_) p.conn->close();
        commander_->close();
        reader_->close();
        timer_.cancel();
        io_.stop();
    }

    FleetOptions o_;
    WindowHooks hooks_;
    asio::io_context io_;
    asio::ssl::context ctx_;
    asio::steady_timer timer_;
    std::mt19937_64 rng_;
    Clock::time_point t0_, windowStart_, windowEnd_;
    bool windowOpen_ = false, windowClosed_ = false;
    Phase phase_ = Phase::Ramp;
    double drainStart_ = 0, nextCommand_ = 0, cpuStart_ = 0;
    std::vector<Lane> lanes_;
    std::unordered_map<std::string, std::size_t> laneIndex_;
    std::vector<Registration> regs_;
    std::vector<Poller> pollers_;
    std::shared_ptr<HttpsConn> commander_, reader_;
    std::vector<std::string> blobs_;
    std::unordered_map<uint64_t, Clock::time_point> alertSent_, alertAcked_;
    std::unordered_map<std::string, int> serverRows_;
    int64_t recountAfter_ = 0;
    int loggedErrors_ = 0;
    FleetResults res_;
};

}  // namespace

FleetResults runFleet(const FleetOptions& options, const WindowHooks& hooks) {
    Fleet f(options, hooks);
    return f.run();
}

}  // namespace kiosk::bench
