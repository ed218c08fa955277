#include "kiosk/sync/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace kiosk::sync {

using core::makeError;
using core::Result;

namespace {

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string* body;
    std::size_t limit;
    bool overflow = false;
};

size_t writeBody(char* data, size_t size, size_t n, void* user) {
    auto* sink = static_cast<Sink*>(user);
    const size_t bytes = size * n;
    if (sink->body->size() + bytes > sink->limit) {
        sink->overflow = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    sink->body->append(data, bytes);
    return bytes;
}

core::Error transportError(CURLcode rc, const char* detail, const std::string& what) {
    std::string text = curl_easy_strerror(rc);
    if (detail && *detail) text += std::string(": ") + detail;
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            return makeError("sync.timeout", what + ": " + text);
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_GOT_NOTHING:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
            return makeError("sync.unreachable", what + ": " + text);
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CLIENTCERT:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
            return makeError("sync.tls", what + ": " + text);
        default:
            return makeError("sync.http", what + ": " + text);
    }
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel && cancel->load() ? 1 : 0;
}

}  // namespace

struct HttpClient::Handles {
    std::mutex mu;
    std::map<std::thread::id, CURL*> byThread;

    ~Handles() {
        for (auto& [id, h] : byThread) curl_easy_cleanup(h);
    }

    CURL* mine() {
        std::lock_guard lock(mu);
        CURL*& h = byThread[std::this_thread::get_id()];
        if (!h) h = curl_easy_init();
        return h;
    }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)), handles_(std::make_unique<Handles>()) {
    globalInit();
    while (!options_.baseUrl.empty() && options_.baseUrl.back() == '/') options_.baseUrl.pop_back();
}

HttpClient::~HttpClient() = default;

Result<HttpAnswer> HttpClient::get(const std::string& path, std::optional<core::Millis> totalTimeout) {
    return perform("GET", path, nullptr, totalTimeout);
}

Result<HttpAnswer> HttpClient::post(const std::string& path, const std::string& jsonBody,
                                    std::optional<core::Millis> totalTimeout) {
    return perform("POST", path, &jsonBody, totalTimeout);
}

Result<HttpAnswer> HttpClient::perform(const char* method, const std::string& path, const std::string* body,
                                       std::optional<core::Millis> totalTimeout) {
    CURL* h = handles_->mine();
    if (!h) return makeError("sync.http", "curl_easy_init failed");
    // The handle keeps its connection cache across reset; options are set afresh each call.
    curl_easy_reset(h);

    const std::string url = options_.baseUrl + path;
    const std::string what = std::string(method) + " " + path.substr(0, path.find('?'));
    HttpAnswer answer;
    Sink sink{&answer.body, options_.maxAnswerBytes};
    char errbuf[CURL_ERROR_SIZE] = {0};

    struct curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body) headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip

    const long totalMs = static_cast<long>((totalTimeout ? *totalTimeout : options_.requestTimeout).count());
    const long connectMs = static_cast<long>(options_.connectTimeout.count());

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.maxAnswerBytes));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, std::min(connectMs, totalMs)));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, std::max(1L, totalMs));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    // Mutual TLS, our CA only, TLS 1.2 or newer.
    curl_easy_setopt(h, CURLOPT_SSLCERT, options_.certFile.c_str());
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY, options_.keyFile.c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_CAINFO, options_.caFile.c_str());
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (options_.cancel) {
        if (options_.cancel->load()) {
            curl_slist_free_all(headers);
            return makeError("sync.cancelled", what + ": stopping");
        }
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, onProgress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options_.cancel));
    }
    if (body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }

    const CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    if (sink.overflow || rc == CURLE_FILESIZE_EXCEEDED)
        return makeError("sync.too_large", what + ": answer over " + std::to_string(options_.maxAnswerBytes) + " bytes");
    if (rc == CURLE_ABORTED_BY_CALLBACK) return makeError("sync.cancelled", what + ": stopping");
    if (rc != CURLE_OK) return transportError(rc, errbuf, what);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
}

}  // namespace kiosk::sync
