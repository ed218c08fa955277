// kioskctl ca ...: the project CA for mutual TLS between devices and clearance-server
// (server/device_ca.h), and the fleet's template key for enrolment biometrics.
// Compiled only when kiosk::server is linked (KIOSK_HAVE_SERVER comes with it).
#ifdef KIOSK_HAVE_SERVER

#include <ctime>
#include <iostream>

#include "server/device_ca.h"
#include "tools/command.h"

namespace kiosk::tools {
namespace {

int fail(const core::Error& e) {
    std::cerr << "error: " << e.code << ": " << e.message << "\n";
    return 1;
}

int usage(const std::string& text) {
    std::cerr << "usage: kioskctl " << text << "\n";
    return 2;
}

std::string isoDate(int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

// --days N (1-3650) or the default.
bool days(const Args& args, int fallback, int& out) {
    const std::string v = option(args, "--days");
    if (v.empty()) {
        out = fallback;
        return true;
    }
    try {
        size_t used = 0;
        out = std::stoi(v, &used);
        return used == v.size() && out >= 1 && out <= 3650;
    } catch (...) {
        return false;
    }
}

KIOSKCTL_COMMAND({"ca", "init", "--dir CA_DIR [--name \"e-channel project CA\"]",
                  "create the project CA: ca.key.pem (0600), ca.cert.pem (10 years), crl.pem, issued.json",
                  [](const Args& args) -> int {
                      const std::string dir = option(args, "--dir");
                      if (dir.empty()) return usage("ca init --dir CA_DIR [--name NAME]");
                      auto st = server::initCa(dir, option(args, "--name", "e-channel project CA"));
                      if (!st.ok()) return fail(st.error());
                      std::cout << "created CA in " << dir << " (keep ca.key.pem offline; give ca.cert.pem and crl.pem to the server)\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ca", "issue", "--dir CA_DIR --id DEVICE_ID --role lane|registration|admin --out PREFIX [--days 730]",
                  "issue a device (or operator) client certificate: PREFIX.cert.pem, PREFIX.key.pem (0600)",
                  [](const Args& args) -> int {
                      const std::string dir = option(args, "--dir"), id = option(args, "--id"),
                                        roleText = option(args, "--role"), out = option(args, "--out");
                      int d = 0;
                      if (dir.empty() || id.empty() || roleText.empty() || out.empty() || !days(args, 730, d))
                          return usage("ca issue --dir CA_DIR --id DEVICE_ID --role lane|registration|admin --out PREFIX [--days 1-3650]");
                      auto role = server::parseRole(roleText);
                      if (!role || *role == server::Role::None) {
                          std::cerr << "error: --role: '" << roleText << "' is not one of: lane, registration, admin\n";
                          return 2;
                      }
                      auto r = server::issueDeviceCert(dir, id, *role, out, d);
                      if (!r.ok()) return fail(r.error());
                      std::cout << "issued " << roleText << " certificate for " << id << " serial " << r->serial << ": "
                                << r->certFile.string() << ", " << r->keyFile.string() << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ca", "server", "--dir CA_DIR --name DNS_OR_IP [--name ...] --out PREFIX [--days 730]",
                  "issue the clearance-server's TLS certificate (DNS and IP subject alternative names)",
                  [](const Args& args) -> int {
                      const std::string dir = option(args, "--dir"), out = option(args, "--out");
                      std::vector<std::string> names;
                      for (size_t i = 0; i + 1 < args.size(); ++i)
                          if (args[i] == "--name") names.push_back(args[i + 1]);
                      int d = 0;
                      if (dir.empty() || out.empty() || names.empty() || !days(args, 730, d))
                          return usage("ca server --dir CA_DIR --name DNS_OR_IP [--name ...] --out PREFIX [--days 1-3650]");
                      auto r = server::issueServerCert(dir, names, out, d);
                      if (!r.ok()) return fail(r.error());
                      std::cout << "issued server certificate serial " << r->serial << ": " << r->certFile.string()
                                << ", " << r->keyFile.string() << "\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ca", "revoke", "--dir CA_DIR (--id DEVICE_ID | --serial HEX)",
                  "revoke a device's certificates (or one by serial) and rewrite crl.pem; servers reload it",
                  [](const Args& args) -> int {
                      const std::string dir = option(args, "--dir");
                      const std::string what = option(args, "--id", option(args, "--serial"));
                      if (dir.empty() || what.empty()) return usage("ca revoke --dir CA_DIR (--id DEVICE_ID | --serial HEX)");
                      auto r = server::revoke(dir, what);
                      if (!r.ok()) return fail(r.error());
                      for (const auto& s : *r) std::cout << "revoked serial " << s << "\n";
                      std::cout << "crl.pem rewritten; copy it to every server's tls.crl_file if it lives elsewhere\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ca", "list", "--dir CA_DIR",
                  "list issued certificates: serial, role, CN, expiry, revoked",
                  [](const Args& args) -> int {
                      const std::string dir = option(args, "--dir");
                      if (dir.empty()) return usage("ca list --dir CA_DIR");
                      auto r = server::listIssued(dir);
                      if (!r.ok()) return fail(r.error());
                      for (const auto& c : *r) {
                          std::cout << c.serial << "  " << c.role << "  " << c.commonName << "  until "
                                    << isoDate(c.notAfter);
                          if (c.revoked) std::cout << "  REVOKED " << isoDate(c.revokedAt);
                          std::cout << "\n";
                      }
                      std::cout << r->size() << " certificate(s)\n";
                      return 0;
                  }});

KIOSKCTL_COMMAND({"ca", "template-key", "--out template.key",
                  "write the fleet's 32-byte template key for enrolment biometrics (mode 0600, never overwrites)",
                  [](const Args& args) -> int {
                      const std::string out = option(args, "--out");
                      if (out.empty()) return usage("ca template-key --out template.key");
                      auto st = server::makeTemplateKey(out);
                      if (!st.ok()) return fail(st.error());
                      std::cout << "wrote " << out << " (copy it to every lane and registration machine; never to the server)\n";
                      return 0;
                  }});

}  // namespace
}  // namespace kiosk::tools

#endif  // KIOSK_HAVE_SERVER
