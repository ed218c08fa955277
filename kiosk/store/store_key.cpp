// The biometric key: reading it (strict about its permissions), making a missing one only
// for a store that holds nothing sealed with a key, and refusing a key that is not the
// store's own. The one place both the lane and the registration machine go through.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/log.h"
#include "kiosk/store/store.h"
#include "kiosk/store/store_impl.h"

namespace kiosk::store {

namespace fs = std::filesystem;
using namespace detail;

namespace {

constexpr const char* kKeyCheckLabel = "kiosk.store.key-check.v1";

std::string octal(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

}  // namespace

fs::path defaultKeyFile(const std::string& name) {
    if (::geteuid() != 0) {
        const char* xdg = std::getenv("XDG_CONFIG_HOME");
        if (xdg && xdg[0] == '/') return fs::path(xdg) / "kiosk" / name;
        const char* home = std::getenv("HOME");
        if (home && home[0] == '/') return fs::path(home) / ".config" / "kiosk" / name;
    }
    return fs::path("/etc/kiosk") / name;
}

Result<std::vector<uint8_t>> Store::generateKey() { return detail::randomBytes(kKeyBytes); }

Status Store::createKeyFile(const fs::path& path) {
    KIOSK_ASSIGN_OR_RETURN(Bytes key, detail::randomBytes(kKeyBytes));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return makeError("store.key_exists", "key file " + path.string() + " already exists");
        return makeError("store.bad_key", "cannot create key file " + path.string() + ": " + std::strerror(errno));
    }
    ::fchmod(fd, 0600);  // in case of an unusual umask
    const ssize_t n = ::write(fd, key.data(), key.size());
    const bool ok = n == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    OPENSSL_cleanse(key.data(), key.size());
    if (!ok) {
        ::unlink(path.c_str());
        return makeError("store.bad_key", "cannot write key file " + path.string());
    }
    return {};
}

namespace detail {

Result<Bytes> readKeyFile(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return makeError("store.bad_key", "cannot read key file " + path.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError("store.bad_key", "key file " + path.string() + " is not a regular file");
    }
    // A key others can read is a key others may have copied: refuse it rather than warn.
    if (st.st_mode & 077) {
        ::close(fd);
        return makeError("store.bad_key", "key file " + path.string() + " has mode " + octal(st.st_mode) +
                                              ": it must be readable by its owner only (chmod 600 " + path.string() +
                                              ")");
    }
    Bytes key(kKeyBytes + 1);
    std::size_t got = 0;
    for (;;) {
        const ssize_t n = ::read(fd, key.data() + got, key.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
        if (got == key.size()) break;
    }
    ::close(fd);
    if (got != kKeyBytes) {
        OPENSSL_cleanse(key.data(), key.size());
        return makeError("store.bad_key", "key file " + path.string() + " must hold exactly 32 bytes (has " +
                                              (got > kKeyBytes ? std::string("more") : std::to_string(got)) + ")");
    }
    key.resize(kKeyBytes);
    return key;
}

Status loadKey(Store::Impl& s, bool* missing) {
    *missing = false;
    const auto& o = s.options;
    if (!o.keyBytes.empty()) {
        if (o.keyBytes.size() != kKeyBytes) return makeError("store.bad_key", "the in-memory key must be 32 bytes");
        s.key = o.keyBytes;
        return {};
    }
    if (o.keyFile.empty()) return {};
    struct stat st {};
    if (::stat(o.keyFile.c_str(), &st) != 0 && errno == ENOENT) {
        if (o.missingKey == MissingKey::Refuse)
            return makeError("store.bad_key", "key file " + o.keyFile.string() + " does not exist");
        *missing = true;  // decided once the store's contents are known
        return {};
    }
    KIOSK_ASSIGN_OR_RETURN(s.key, readKeyFile(o.keyFile));
    return {};
}

Result<bool> holdsSealedData(Store::Impl& s) {
    KIOSK_ASSIGN_OR_RETURN(auto check, s.metaGet("key.check"));
    if (check) return true;
    KIOSK_ASSIGN_OR_RETURN(int64_t faces, s.count("SELECT COUNT(*) FROM (SELECT 1 FROM enrolments WHERE "
                                                  "face_descriptors IS NOT NULL LIMIT 1)"));
    KIOSK_ASSIGN_OR_RETURN(int64_t fingers, s.count("SELECT COUNT(*) FROM (SELECT 1 FROM enrolment_fingers LIMIT 1)"));
    return faces + fingers > 0;
}

namespace {

// Decrypts one stored blob, if there is one: the key check of a store written before the
// key-check value existed.
Status tryOneBlob(Store::Impl& s) {
    {
        KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT reference, face_descriptors FROM enrolments "
                                                           "WHERE face_descriptors IS NOT NULL LIMIT 1"));
        KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
        if (row) {
            auto plain = openBlob(s.key, st.colBlob(1), faceAad(st.colText(0)));
            if (!plain.ok()) return plain.error();
            OPENSSL_cleanse(plain->data(), plain->size());
            return {};
        }
    }
    KIOSK_ASSIGN_OR_RETURN(Statement st, s.db->prepare("SELECT e.reference, f.finger, f.template FROM enrolment_fingers f "
                                                       "JOIN enrolments e ON e.id = f.enrolment_id LIMIT 1"));
    KIOSK_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return {};
    auto plain = openBlob(s.key, st.colBlob(2), fingerAad(st.colText(0), st.colText(1)));
    if (!plain.ok()) return plain.error();
    OPENSSL_cleanse(plain->data(), plain->size());
    return {};
}

}  // namespace

Status settleKey(Store::Impl& s, bool missing) {
    const std::string keyName = s.options.keyFile.empty() ? std::string("the in-memory key") : s.options.keyFile.string();
    if (missing) {
        KIOSK_ASSIGN_OR_RETURN(bool sealed, holdsSealedData(s));
        if (sealed)
            return makeError("store.bad_key", "key file " + keyName + " is missing, but the store " + s.path.string() +
                                                  " holds biometric data sealed with a key: restore that key file "
                                                  "(a new key would leave the data unreadable)");
        const fs::path dir = s.options.keyFile.parent_path();
        std::error_code ec;
        if (!dir.empty() && !fs::exists(dir, ec)) {
            fs::create_directories(dir, ec);
            if (ec) return makeError("store.bad_key", "cannot create the key folder " + dir.string() + ": " + ec.message());
            ::chmod(dir.c_str(), 0700);
        }
        KIOSK_TRY(Store::createKeyFile(s.options.keyFile));
        core::logWarn("store.key_created", {{"path", s.options.keyFile.string()}});
        KIOSK_ASSIGN_OR_RETURN(s.key, readKeyFile(s.options.keyFile));
    }
    if (s.key.empty()) return {};
    const std::string expected = hmacSha256Hex(s.key, kKeyCheckLabel);
    if (expected.empty()) return makeError("store.crypto", "HMAC-SHA256 failed");
    auto wrong = [&] {
        return makeError("store.bad_key", "key file " + keyName + " is not the key of the store " + s.path.string() +
                                              " (wrong key: its biometric data would not decrypt)");
    };
    {
        // The usual case reads only: opening needs no write lock once the value exists.
        KIOSK_ASSIGN_OR_RETURN(auto check, s.metaGet("key.check"));
        if (check) return *check == expected ? Status{} : wrong();
    }
    return s.transaction([&]() -> Status {
        KIOSK_ASSIGN_OR_RETURN(auto check, s.metaGet("key.check"));
        if (check) return *check == expected ? Status{} : wrong();
        if (!tryOneBlob(s).ok()) return wrong();
        return s.metaSet("key.check", expected);
    });
}

}  // namespace detail

}  // namespace kiosk::store
