// The registration receipt's content: what the resident takes home. No SDK here.
#include <array>
#include <chrono>

#include "devices/io/receipt_render.h"

namespace kiosk::devices::io {

namespace {

struct Civil {
    int year, month, day, hour, minute;
};

// Hong Kong has kept UTC+8 without daylight saving since 1980, so no tz database is needed.
Civil hongKongCivil(core::WallTime t) {
    using namespace std::chrono;
    const auto local = floor<minutes>(t) + hours(8);
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const auto tod = local - day;
    return Civil{int(ymd.year()), int(unsigned(ymd.month())), int(unsigned(ymd.day())),
                 int(duration_cast<hours>(tod).count()), int(duration_cast<minutes>(tod).count() % 60)};
}

std::string two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

ReceiptLine text(std::string s, const std::string& lang, ReceiptTextSize size = ReceiptTextSize::Normal,
                 ReceiptAlign align = ReceiptAlign::Left, bool bold = false) {
    ReceiptLine l;
    l.kind = ReceiptLineKind::Text;
    l.text = std::move(s);
    l.language = lang;
    l.size = size;
    l.align = align;
    l.bold = bold;
    return l;
}

ReceiptLine kind(ReceiptLineKind k) {
    ReceiptLine l;
    l.kind = k;
    return l;
}

}  // namespace

std::string formatHongKongTime(core::WallTime t, const std::string& language) {
    static const std::array<const char*, 12> en = {"January", "February", "March",     "April",   "May",      "June",
                                                   "July",    "August",   "September", "October", "November", "December"};
    static const std::array<const char*, 12> pt = {"janeiro", "fevereiro", "março",    "abril",   "maio",     "junho",
                                                   "julho",   "agosto",    "setembro", "outubro", "novembro", "dezembro"};
    const Civil c = hongKongCivil(t);
    const std::string hm = two(c.hour) + ":" + two(c.minute);
    if (language == "zh-Hant")
        return std::to_string(c.year) + "年" + std::to_string(c.month) + "月" + std::to_string(c.day) + "日 " + hm;
    if (language == "pt")
        return std::to_string(c.day) + " de " + pt[c.month - 1] + " de " + std::to_string(c.year) + ", " + hm;
    return std::to_string(c.day) + " " + en[c.month - 1] + " " + std::to_string(c.year) + ", " + hm;
}

const std::vector<std::string>& registrationReceiptKeys() {
    static const std::vector<std::string> keys = {
        "receipt.title",  "receipt.reference", "receipt.usable_from", "receipt.next_steps",
        "receipt.next_1", "receipt.next_2",    "receipt.next_3",      "receipt.issued"};
    return keys;
}

Receipt composeRegistrationReceipt(const RegistrationReceiptInput& in, const ReceiptText& tr) {
    Receipt r;
    r.reference = in.reference;
    r.codeText = in.codeText.empty() ? in.reference : in.codeText;
    r.issuedAt = in.issuedAt;
    r.usableFrom = in.usableFrom;
    std::vector<std::string> langs = {in.language};
    if (in.language != "en") langs.push_back("en");
    auto& L = r.lines;
    using S = ReceiptTextSize;
    using A = ReceiptAlign;

    L.push_back(text(tr("receipt.title", langs[0]), langs[0], S::Large, A::Centre, true));
    if (langs.size() > 1) L.push_back(text(tr("receipt.title", "en"), "en", S::Normal, A::Centre, true));
    L.push_back(kind(ReceiptLineKind::Rule));
    for (const auto& l : langs) L.push_back(text(tr("receipt.reference", l), l, S::Small, A::Centre));
    L.push_back(kind(ReceiptLineKind::Reference));
    L.push_back(kind(ReceiptLineKind::Code));
    L.push_back(kind(ReceiptLineKind::Rule));
    for (const auto& l : langs) {
        L.push_back(text(tr("receipt.usable_from", l), l, S::Normal, A::Left, false));
        L.push_back(text(formatHongKongTime(in.usableFrom, l), l, S::Large, A::Left, true));
    }
    L.push_back(kind(ReceiptLineKind::Rule));
    for (std::size_t i = 0; i < langs.size(); ++i) {
        const auto& l = langs[i];
        if (i > 0) L.push_back(kind(ReceiptLineKind::Space));
        L.push_back(text(tr("receipt.next_steps", l), l, S::Normal, A::Left, true));
        for (int n = 1; n <= 3; ++n)
            L.push_back(text(std::to_string(n) + ". " + tr("receipt.next_" + std::to_string(n), l), l, S::Small));
    }
    L.push_back(kind(ReceiptLineKind::Rule));
    for (const auto& l : langs)
        L.push_back(text(tr("receipt.issued", l) + " " + formatHongKongTime(in.issuedAt, l), l, S::Small));
    return r;
}

}  // namespace kiosk::devices::io
