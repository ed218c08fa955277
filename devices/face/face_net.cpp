// The one translation unit that instantiates dlib's DNN face recognition network.
#include "devices/face/face_net.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <type_traits>

#include <dlib/dnn.h>
#include <nlohmann/json.hpp>

namespace kiosk::devices::face {
namespace {

using namespace dlib;

// ---- dlib's dnn_face_recognition_ex.cpp network, inference form (affine instead of bn) ----
template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET>
using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET>
using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET>
using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET>
using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET>
using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET>
using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET>
using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using anet_type = loss_metric<fc_no_bias<
    128, avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
             max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

core::Error err(const std::string& code, const std::string& msg) { return core::Error{code, msg}; }

}  // namespace

struct FaceNet::Impl {
    anet_type net;
};

FaceNet::FaceNet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceNet::~FaceNet() = default;
FaceNet::FaceNet(FaceNet&&) noexcept = default;
FaceNet& FaceNet::operator=(FaceNet&&) noexcept = default;

core::Result<FaceNet> FaceNet::load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return err("face.model_missing", "face recognition model not found: " + path.string() +
                                             " (run scripts/setup: scripts/setup.d/post-face.sh converts it)");
    try {
        auto impl = std::make_unique<Impl>();
        dlib::deserialize(path.string()) >> impl->net;
        return FaceNet(std::move(impl));
    } catch (const std::exception& e) {
        return err("face.model_invalid", "cannot read face recognition model " + path.string() + ": " + e.what());
    }
}

core::Result<std::vector<FaceDescriptor>> FaceNet::describe(const std::vector<Chip>& chips) {
    std::vector<FaceDescriptor> out;
    if (chips.empty()) return out;
    for (const Chip& c : chips)
        if (c.nr() != 150 || c.nc() != 150) return err("face.bad_chip", "face chips must be 150x150");
    try {
        std::vector<dlib::matrix<float, 0, 1>> d = impl_->net(chips, 16);
        out.reserve(d.size());
        for (const auto& v : d) {
            if (v.size() != 128) return err("face.model_invalid", "descriptor is not 128-d");
            FaceDescriptor fd(128);
            for (long i = 0; i < 128; ++i) fd[static_cast<std::size_t>(i)] = v(i);
            out.push_back(fd);
        }
        return out;
    } catch (const std::exception& e) {
        return err("device.fault", std::string("face descriptor failed: ") + e.what());
    }
}

// ---------------------------------------------------------------------------------------
// Conversion from the face-api weights.
namespace {

struct TensorSpec {
    std::string name;
    std::vector<long> shape;
    bool quantized = false;
    double scale = 1, min = 0;
};

struct WeightReader {
    std::vector<uint8_t> bytes;
    std::size_t pos = 0;

    core::Result<std::vector<float>> take(const TensorSpec& t) {
        std::size_t n = 1;
        for (long d : t.shape) n *= static_cast<std::size_t>(d);
        std::vector<float> v(n);
        if (t.quantized) {
            if (pos + n > bytes.size()) return err("face.model_invalid", "weights file too short at " + t.name);
            for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<float>(bytes[pos + i] * t.scale + t.min);
            pos += n;
        } else {
            if (pos + 4 * n > bytes.size()) return err("face.model_invalid", "weights file too short at " + t.name);
            std::memcpy(v.data(), bytes.data() + pos, 4 * n);  // little-endian float32 (x86)
            pos += 4 * n;
        }
        return v;
    }
};

}  // namespace

core::Status convertFaceModel(const std::filesystem::path& manifestPath, const std::filesystem::path& weightsPath,
                              const std::filesystem::path& outPath) {
    // --- manifest ---
    std::vector<TensorSpec> specs;
    try {
        std::ifstream mf(manifestPath);
        if (!mf) return err("face.model_missing", "cannot open manifest " + manifestPath.string());
        nlohmann::json j = nlohmann::json::parse(mf);
        for (const auto& group : j)
            for (const auto& w : group.at("weights")) {
                TensorSpec t;
                t.name = w.at("name").get<std::string>();
                t.shape = w.at("shape").get<std::vector<long>>();
                if (w.contains("quantization")) {
                    const auto& q = w.at("quantization");
                    if (q.at("dtype").get<std::string>() != "uint8")
                        return err("face.model_invalid", "unsupported quantization for " + t.name);
                    t.quantized = true;
                    t.scale = q.at("scale").get<double>();
                    t.min = q.at("min").get<double>();
                } else if (w.at("dtype").get<std::string>() != "float32") {
                    return err("face.model_invalid", "unsupported dtype for " + t.name);
                }
                specs.push_back(std::move(t));
            }
    } catch (const std::exception& e) {
        return err("face.model_invalid", std::string("bad manifest: ") + e.what());
    }
    if (specs.size() != 117)
        return err("face.model_invalid", "expected 117 tensors in the manifest, got " + std::to_string(specs.size()));

    WeightReader rd;
    {
        std::ifstream wf(weightsPath, std::ios::binary);
        if (!wf) return err("face.model_missing", "cannot open weights " + weightsPath.string());
        rd.bytes.assign(std::istreambuf_iterator<char>(wf), std::istreambuf_iterator<char>());
    }

    try {
        anet_type net;
        // affine layers in conv mode (one gamma/beta per channel), as bn_con becomes.
        visit_computational_layers(net, [](auto& l) {
            if constexpr (std::is_same_v<std::decay_t<decltype(l)>, affine_>) l = affine_(CONV_MODE);
        });
        // Allocate every layer's parameters with one forward pass.
        dlib::matrix<dlib::rgb_pixel> dummy(150, 150);
        dummy = dlib::rgb_pixel(128, 128, 128);
        net(dummy);

        std::vector<tensor*> convParams;  // input -> output order after reversing
        std::vector<std::pair<alias_tensor_instance, alias_tensor_instance>> affines;
        std::vector<tensor*> fcParams;
        std::vector<std::pair<long, long>> convShapes;  // (out, in) for checks
        visit_computational_layers(net, [&](auto& l) {
            using L = std::decay_t<decltype(l)>;
            if constexpr (std::is_same_v<L, affine_>) {
                affines.emplace_back(l.get_gamma(), l.get_beta());
            } else if constexpr (std::is_same_v<L, fc_<128, FC_NO_BIAS>>) {
                fcParams.push_back(&l.get_layer_params());
            } else if constexpr (requires { l.num_filters(); l.nr(); l.nc(); l.stride_y(); }) {
                convParams.push_back(&l.get_layer_params());
            }
        });
        // visit_computational_layers walks from the output (loss) towards the input.
        std::reverse(convParams.begin(), convParams.end());
        std::reverse(affines.begin(), affines.end());
        if (convParams.size() != 29 || affines.size() != 29 || fcParams.size() != 1)
            return err("face.model_invalid", "unexpected network layout: " + std::to_string(convParams.size()) +
                                                 " conv, " + std::to_string(affines.size()) + " affine");

        std::size_t conv = 0;
        for (std::size_t i = 0; i < specs.size();) {
            const TensorSpec& t = specs[i];
            if (t.name == "fc") {
                if (t.shape != std::vector<long>{256, 128}) return err("face.model_invalid", "fc shape");
                KIOSK_ASSIGN_OR_RETURN(auto w, rd.take(t));
                tensor& p = *fcParams[0];
                if (static_cast<std::size_t>(p.size()) != w.size())
                    return err("face.model_invalid", "fc size mismatch");
                std::memcpy(p.host(), w.data(), w.size() * 4);  // [in=256][out=128], as dlib's fc_ keeps it
                ++i;
                continue;
            }
            // A conv unit: <p>/conv/filters, <p>/conv/bias, <p>/scale/weights, <p>/scale/biases
            if (i + 4 > specs.size() || conv >= convParams.size())
                return err("face.model_invalid", "unexpected tensor " + t.name);
            const std::string prefix = t.name.substr(0, t.name.rfind("/conv/filters"));
            if (t.name != prefix + "/conv/filters" || specs[i + 1].name != prefix + "/conv/bias" ||
                specs[i + 2].name != prefix + "/scale/weights" || specs[i + 3].name != prefix + "/scale/biases")
                return err("face.model_invalid", "unexpected tensor order at " + t.name);
            if (t.shape.size() != 4) return err("face.model_invalid", "filter shape of " + t.name);
            const long kh = t.shape[0], kw = t.shape[1], cin = t.shape[2], cout = t.shape[3];
            KIOSK_ASSIGN_OR_RETURN(auto filt, rd.take(t));
            KIOSK_ASSIGN_OR_RETURN(auto bias, rd.take(specs[i + 1]));
            KIOSK_ASSIGN_OR_RETURN(auto gam, rd.take(specs[i + 2]));
            KIOSK_ASSIGN_OR_RETURN(auto bet, rd.take(specs[i + 3]));
            tensor& p = *convParams[conv];
            const std::size_t nFilt = static_cast<std::size_t>(kh * kw * cin * cout);
            if (static_cast<std::size_t>(p.size()) != nFilt + static_cast<std::size_t>(cout) ||
                bias.size() != static_cast<std::size_t>(cout) || gam.size() != bias.size() || bet.size() != bias.size())
                return err("face.model_invalid", "size mismatch at " + prefix);
            float* dst = p.host();
            // HWIO -> OIHW
            for (long o = 0; o < cout; ++o)
                for (long ci = 0; ci < cin; ++ci)
                    for (long h = 0; h < kh; ++h)
                        for (long w = 0; w < kw; ++w)
                            dst[((o * cin + ci) * kh + h) * kw + w] = filt[((h * kw + w) * cin + ci) * cout + o];
            std::memcpy(dst + nFilt, bias.data(), bias.size() * 4);
            auto& [g, b] = affines[conv];
            if (static_cast<std::size_t>(g.size()) != gam.size() || static_cast<std::size_t>(b.size()) != bet.size())
                return err("face.model_invalid", "affine size mismatch at " + prefix);
            std::memcpy(g.host(), gam.data(), gam.size() * 4);
            std::memcpy(b.host(), bet.data(), bet.size() * 4);
            ++conv;
            i += 4;
        }
        if (conv != convParams.size()) return err("face.model_invalid", "not every conv layer got weights");
        if (rd.pos != rd.bytes.size())
            return err("face.model_invalid", "weights file has " + std::to_string(rd.bytes.size() - rd.pos) +
                                                 " unused bytes");
        std::filesystem::create_directories(outPath.parent_path().empty() ? "." : outPath.parent_path());
        const auto tmp = outPath.string() + ".tmp";
        dlib::serialize(tmp) << net;
        std::filesystem::rename(tmp, outPath);
        return {};
    } catch (const std::exception& e) {
        return err("face.model_invalid", std::string("conversion failed: ") + e.what());
    }
}

}  // namespace kiosk::devices::face
