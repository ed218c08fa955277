// fp_print_serialize blobs of NBIS prints at the GVariant level: merge, count, split.
#include <cstring>

#include "devices/fingerprint/libfprint_runtime.h"
#include "devices/fingerprint/libfprint_reader.h"

namespace kiosk::devices::fingerprint {

core::Result<std::vector<uint8_t>> mergePrints(const std::vector<std::vector<uint8_t>>& prints) {
    if (prints.empty()) return core::makeError(errc::kBadInput, "no print to merge");
    static const GVariantType* kType = G_VARIANT_TYPE("(issbymsmsia{sv}v)");
    std::vector<GVariant*> values;
    struct Unref {
        std::vector<GVariant*>& v;
        ~Unref() {
            for (auto* x : v) g_variant_unref(x);
        }
    } unref{values};
    GVariantBuilder sets;
    g_variant_builder_init(&sets, G_VARIANT_TYPE("a(aiaiai)"));
    int count = 0;
    for (const auto& p : prints) {
        if (p.size() < 4 || std::memcmp(p.data(), "FP3", 3) != 0) {
            g_variant_builder_clear(&sets);
            return core::makeError(errc::kBadInput, "not a libfprint print");
        }
        GBytes* bytes = g_bytes_new(p.data() + 3, p.size() - 3);
        GVariant* raw = g_variant_new_from_bytes(kType, bytes, FALSE);
        g_bytes_unref(bytes);
        GVariant* v = g_variant_get_normal_form(raw);
        g_variant_unref(g_variant_ref_sink(raw));
        values.push_back(g_variant_ref_sink(v));
        GVariant* boxed = g_variant_get_child_value(v, 9);
        GVariant* inner = g_variant_get_variant(boxed);     // (a(aiaiai)) for NBIS prints
        if (!g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
            g_variant_unref(inner);
            g_variant_unref(boxed);
            g_variant_builder_clear(&sets);
            return core::makeError(errc::kBadInput, "only NBIS (image device) prints can be merged");
        }
        GVariant* arr = g_variant_get_child_value(inner, 0);  // a(aiaiai)
        for (gsize i = 0; i < g_variant_n_children(arr); ++i) {
            GVariant* set = g_variant_get_child_value(arr, i);
            g_variant_builder_add_value(&sets, set);
            g_variant_unref(set);
            ++count;
        }
        g_variant_unref(arr);
        g_variant_unref(inner);
        g_variant_unref(boxed);
    }
    GVariantBuilder nested;
    g_variant_builder_init(&nested, G_VARIANT_TYPE("(a(aiaiai))"));
    g_variant_builder_add_value(&nested, g_variant_builder_end(&sets));
    GVariant* data = g_variant_builder_end(&nested);
    GVariantBuilder b;
    g_variant_builder_init(&b, kType);
    for (gsize i = 0; i < 9; ++i) {
        GVariant* c = g_variant_get_child_value(values[0], i);
        g_variant_builder_add_value(&b, c);
        g_variant_unref(c);
    }
    g_variant_builder_add_value(&b, g_variant_new_variant(data));
    GVariant* result = g_variant_ref_sink(g_variant_builder_end(&b));
    std::vector<uint8_t> out(3 + g_variant_get_size(result));
    std::memcpy(out.data(), "FP3", 3);
    g_variant_get_data(result);  // serialise into aligned memory first (out + 3 is unaligned)
    g_variant_store(result, out.data() + 3);
    g_variant_unref(result);
    // Check through libfprint itself.
    GError* err = nullptr;
    FpPrint* check = fp_print_deserialize(out.data(), out.size(), &err);
    if (!check) {
        const std::string msg = gerrorText(err);
        g_clear_error(&err);
        return core::makeError(errc::kFault, "merged print does not deserialise: " + msg);
    }
    g_object_unref(check);
    (void)count;
    return out;
}

core::Result<int> printImpressions(const std::vector<uint8_t>& print) {
    if (print.size() < 4 || std::memcmp(print.data(), "FP3", 3) != 0)
        return core::makeError(errc::kBadInput, "not a libfprint print");
    GBytes* bytes = g_bytes_new(print.data() + 3, print.size() - 3);
    GVariant* raw = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("(issbymsmsia{sv}v)"), bytes, FALSE));
    g_bytes_unref(bytes);
    GVariant* v = g_variant_get_normal_form(raw);
    g_variant_unref(raw);
    g_variant_ref_sink(v);
    int n = 0;
    {
        GVariant* boxed = g_variant_get_child_value(v, 9);
        GVariant* inner = g_variant_get_variant(boxed);
        if (g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
            GVariant* arr = g_variant_get_child_value(inner, 0);
            n = static_cast<int>(g_variant_n_children(arr));
            g_variant_unref(arr);
        }
        g_variant_unref(inner);
        g_variant_unref(boxed);
    }
    g_variant_unref(v);
    return n;
}


core::Result<std::vector<std::vector<uint8_t>>> splitPrint(const std::vector<uint8_t>& print) {
    if (print.size() < 4 || std::memcmp(print.data(), "FP3", 3) != 0)
        return core::makeError(errc::kBadInput, "not a libfprint print");
    static const GVariantType* kType = G_VARIANT_TYPE("(issbymsmsia{sv}v)");
    GBytes* bytes = g_bytes_new(print.data() + 3, print.size() - 3);
    GVariant* raw = g_variant_ref_sink(g_variant_new_from_bytes(kType, bytes, FALSE));
    g_bytes_unref(bytes);
    GVariant* v = g_variant_ref_sink(g_variant_get_normal_form(raw));
    g_variant_unref(raw);
    GVariant* boxed = g_variant_get_child_value(v, 9);
    GVariant* inner = g_variant_get_variant(boxed);
    std::vector<std::vector<uint8_t>> out;
    if (!g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
        g_variant_unref(inner);
        g_variant_unref(boxed);
        g_variant_unref(v);
        return core::makeError(errc::kBadInput, "only NBIS (image device) prints can be split");
    }
    GVariant* arr = g_variant_get_child_value(inner, 0);
    for (gsize i = 0; i < g_variant_n_children(arr); ++i) {
        GVariantBuilder sets;
        g_variant_builder_init(&sets, G_VARIANT_TYPE("a(aiaiai)"));
        GVariant* set = g_variant_get_child_value(arr, i);
        g_variant_builder_add_value(&sets, set);
        g_variant_unref(set);
        GVariantBuilder nested;
        g_variant_builder_init(&nested, G_VARIANT_TYPE("(a(aiaiai))"));
        g_variant_builder_add_value(&nested, g_variant_builder_end(&sets));
        GVariant* data = g_variant_builder_end(&nested);
        GVariantBuilder b;
        g_variant_builder_init(&b, kType);
        for (gsize c = 0; c < 9; ++c) {
            GVariant* child = g_variant_get_child_value(v, c);
            g_variant_builder_add_value(&b, child);
            g_variant_unref(child);
        }
        g_variant_builder_add_value(&b, g_variant_new_variant(data));
        GVariant* result = g_variant_ref_sink(g_variant_builder_end(&b));
        std::vector<uint8_t> one(3 + g_variant_get_size(result));
        std::memcpy(one.data(), "FP3", 3);
        g_variant_get_data(result);  // serialise into aligned memory first (one + 3 is unaligned)
        g_variant_store(result, one.data() + 3);
        g_variant_unref(result);
        out.push_back(std::move(one));
    }
    g_variant_unref(arr);
    g_variant_unref(inner);
    g_variant_unref(boxed);
    g_variant_unref(v);
    return out;
}

}  // namespace kiosk::devices::fingerprint

namespace kiosk::devices::fingerprint {

core::Result<std::vector<Minutiae>> printMinutiae(const std::vector<uint8_t>& print) {
    if (print.size() < 4 || std::memcmp(print.data(), "FP3", 3) != 0)
        return core::makeError(errc::kBadInput, "not a libfprint print");
    GBytes* bytes = g_bytes_new(print.data() + 3, print.size() - 3);
    GVariant* raw = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("(issbymsmsia{sv}v)"), bytes, FALSE));
    g_bytes_unref(bytes);
    GVariant* v = g_variant_ref_sink(g_variant_get_normal_form(raw));
    g_variant_unref(raw);
    GVariant* boxed = g_variant_get_child_value(v, 9);
    GVariant* inner = g_variant_get_variant(boxed);
    std::vector<Minutiae> out;
    std::string bad;
    if (!g_variant_is_of_type(inner, G_VARIANT_TYPE("(a(aiaiai))"))) {
        bad = "only NBIS (image device) prints hold minutiae";
    } else {
        GVariant* arr = g_variant_get_child_value(inner, 0);
        // Each impression: bozorth3's xyt columns as libfprint stores them (x, y in pixels
        // with y counted upwards, direction in degrees, counter-clockwise; NIST convention).
        for (gsize i = 0; i < g_variant_n_children(arr) && bad.empty(); ++i) {
            GVariant* set = g_variant_get_child_value(arr, i);
            GVariant* col[3];
            gsize n[3] = {0, 0, 0};
            const gint32* val[3];
            for (gsize c = 0; c < 3; ++c) {
                col[c] = g_variant_get_child_value(set, c);
                val[c] = static_cast<const gint32*>(g_variant_get_fixed_array(col[c], &n[c], sizeof(gint32)));
            }
            if (n[0] != n[1] || n[0] != n[2]) {
                bad = "an impression's minutiae columns differ in length";
            } else {
                Minutiae m;
                m.reserve(n[0]);
                for (gsize k = 0; k < n[0]; ++k)
                    m.push_back({static_cast<float>(val[0][k]), static_cast<float>(val[1][k]),
                                 static_cast<float>(val[2][k]) * 3.14159265f / 180.0f});
                out.push_back(std::move(m));
            }
            for (auto* c : col) g_variant_unref(c);
            g_variant_unref(set);
        }
        g_variant_unref(arr);
    }
    g_variant_unref(inner);
    g_variant_unref(boxed);
    g_variant_unref(v);
    if (!bad.empty()) return core::makeError(errc::kBadInput, bad);
    return out;
}

}  // namespace kiosk::devices::fingerprint
