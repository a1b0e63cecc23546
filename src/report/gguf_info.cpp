#include "report/gguf_info.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/memory.h"
#include "model/arch.h"
#include "model/forward_memory.h"
#include "model/gguf_source.h"

namespace attnscope::report {
namespace {

// JSON has no NaN or infinity (nlohmann would write null): they are shown as strings.
nlohmann::ordered_json float_json(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

nlohmann::ordered_json scalar_json(const GgufValue& v) {
  switch (v.type) {
    case GgufValueType::kString:
      return std::string(v.text);
    case GgufValueType::kBool:
      return v.bits != 0;
    case GgufValueType::kFloat32: {
      const auto b = static_cast<uint32_t>(v.bits);
      float f;
      std::memcpy(&f, &b, sizeof(f));
      return std::isfinite(f) ? nlohmann::ordered_json(f) : float_json(f);
    }
    case GgufValueType::kFloat64: {
      double d;
      std::memcpy(&d, &v.bits, sizeof(d));
      return float_json(d);
    }
    case GgufValueType::kArray:
      return v.to_display();
    default:
      break;
  }
  // Integers: sign-extend the signed types.
  switch (v.type) {
    case GgufValueType::kInt8:
      return static_cast<int8_t>(v.bits);
    case GgufValueType::kInt16:
      return static_cast<int16_t>(v.bits);
    case GgufValueType::kInt32:
      return static_cast<int32_t>(v.bits);
    case GgufValueType::kInt64:
      return static_cast<int64_t>(v.bits);
    default:
      return v.bits;
  }
}

}  // namespace

nlohmann::ordered_json gguf_info_json(const GgufFile& file, const std::vector<int64_t>& tokens) {
  nlohmann::ordered_json out;
  const std::string arch = file.get_string("general.architecture").value_or("");
  out["file"] = file.path();
  out["version"] = file.version();
  out["architecture"] = arch;
  out["name"] = file.get_string("general.name").value_or("");
  out["file_type"] = file.find("general.file_type") != nullptr
                         ? nlohmann::ordered_json(*file.get_int("general.file_type"))
                         : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json hyper = nlohmann::ordered_json::object();
  const std::string prefix = arch + ".";
  for (const auto& [key, value] : file.metadata()) {
    if (!arch.empty() && key.rfind(prefix, 0) == 0)
      hyper[key.substr(prefix.size())] = scalar_json(value);
  }
  out["hyperparameters"] = hyper;
  nlohmann::ordered_json tok;
  tok["model"] = file.get_string("tokenizer.ggml.model").value_or("none");
  tok["pre"] = file.get_string("tokenizer.ggml.pre").value_or("");
  const GgufValue* tokens_value = file.find("tokenizer.ggml.tokens");
  tok["tokens"] = tokens_value != nullptr ? tokens_value->count : 0;
  for (const char* key : {"bos_token_id", "eos_token_id"}) {
    const std::string full = std::string("tokenizer.ggml.") + key;
    tok[key] = file.find(full) != nullptr ? nlohmann::ordered_json(*file.get_int(full))
                                          : nlohmann::ordered_json(nullptr);
  }
  out["tokenizer"] = tok;

  struct TypeTotal {
    int64_t tensors = 0;
    int64_t values = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string, TypeTotal> types;
  uint64_t total_bytes = 0;
  int64_t parameters = 0;
  bool dequantizable = true;
  for (const auto& t : file.tensors()) {
    TypeTotal& total = types[std::string(ggml_type_name(t.type))];
    ++total.tensors;
    total.values += t.numel;
    total.bytes += t.nbytes;
    total_bytes += t.nbytes;
    parameters += t.numel;
    dequantizable = dequantizable && ggml_type_traits(t.type).dequantizable;
  }
  nlohmann::ordered_json type_list = nlohmann::ordered_json::array();
  for (const auto& [name, total] : types) {
    type_list.push_back({{"type", name},
                         {"tensors", total.tensors},
                         {"values", total.values},
                         {"bytes", total.bytes},
                         {"share", total_bytes == 0 ? 0.0
                                                    : static_cast<double>(total.bytes) /
                                                          static_cast<double>(total_bytes)}});
  }
  out["tensor_count"] = file.tensors().size();
  out["tensor_types"] = type_list;
  out["parameters"] = parameters;
  out["tensor_bytes"] = total_bytes;
  out["file_bytes"] = file.file_size();
  out["dequantizable"] = dequantizable;
  // The model description of a file attnscope runs: the memory of a run, with the weights
  // counted at the file's size (they are mapped and read in place, quantized).
  std::optional<ModelConfig> config;
  try {
    const nlohmann::json config_json = gguf_config_json(file);
    config = find_arch(config_json).parse_config(config_json);
    out["runnable"] = true;
  } catch (const Error& e) {
    out["runnable"] = false;
    out["not_runnable_because"] = e.what();
  }
  nlohmann::ordered_json costs = nlohmann::ordered_json::array();
  const int64_t layers = arch.empty() ? 0 : file.get_int(prefix + "block_count").value_or(0);
  const int64_t heads =
      arch.empty() ? 0 : file.get_int(prefix + "attention.head_count").value_or(0);
  for (int64_t t : tokens) {
    if (t <= 0) throw InputError("--tokens: " + std::to_string(t) + " is not a positive length");
    if (layers <= 0 || heads <= 0) break;
    int64_t values = checked_mul(layers, heads, "attention capture");
    values = checked_mul(values, checked_mul(t, t, "attention capture"), "attention capture");
    nlohmann::ordered_json cost = {
        {"tokens", t},
        {"attention_f32_bytes", checked_mul(values, 4, "attention capture")},
        {"attention_f16_bytes", checked_mul(values, 2, "attention capture")}};
    if (config) {
      // The same figures the memory guard of `attention` uses for this file.
      const MemoryEstimate all =
          estimate_forward_memory(*config, 1, t, KeepSpec{}, {}, file.file_size(), true);
      cost["activation_bytes"] = all.activations;
      cost["weights_bytes"] = all.weights;
      cost["streaming_total_bytes"] = add_saturated(all.weights, all.activations);
      cost["total_f32_bytes"] = all.total();
    }
    costs.push_back(cost);
  }
  out["capture_cost"] = costs;
  return out;
}

void write_gguf_info(std::ostream& out, const GgufFile& file, const std::vector<int64_t>& tokens) {
  const nlohmann::ordered_json j = gguf_info_json(file, tokens);
  const auto text = [](const nlohmann::ordered_json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  out << "file:         " << file.path() << " (GGUF v" << file.version() << ", "
      << format_bytes(file.file_size()) << ")\n"
      << "architecture: " << text(j["architecture"]) << "\n"
      << "name:         " << text(j["name"]) << "\n"
      << "file type:    " << text(j["file_type"]) << "\n";
  out << "hyper-parameters:\n";
  for (const auto& [key, value] : j["hyperparameters"].items()) {
    out << "  " << key << " = " << text(value) << "\n";
  }
  const auto& tok = j["tokenizer"];
  out << "tokenizer:    " << text(tok["model"]);
  if (!tok["pre"].get<std::string>().empty()) out << " (pre " << text(tok["pre"]) << ")";
  out << ", " << text(tok["tokens"]) << " tokens, bos " << text(tok["bos_token_id"]) << ", eos "
      << text(tok["eos_token_id"]) << "\n";
  out << "tensors:      " << text(j["tensor_count"]) << ", " << text(j["parameters"]) << " values, "
      << format_bytes(j["tensor_bytes"].get<uint64_t>()) << " (mapped, not copied)\n";
  for (const auto& t : j["tensor_types"]) {
    char share[32];
    std::snprintf(share, sizeof(share), "%5.1f%%", 100.0 * t["share"].get<double>());
    out << "  " << share << "  " << text(t["type"]) << ": " << text(t["tensors"]) << " tensors, "
        << text(t["values"]) << " values, " << format_bytes(t["bytes"].get<uint64_t>()) << "\n";
  }
  if (!j["dequantizable"].get<bool>()) {
    out << "  (some tensor types cannot be dequantized by attnscope yet)\n";
  }
  if (!j["capture_cost"].empty()) {
    out << "\ncapturing attention of every layer and head (L x H x T x T):\n";
    for (const auto& c : j["capture_cost"]) {
      out << "  T = " << text(c["tokens"]) << ": "
          << format_bytes(c["attention_f32_bytes"].get<uint64_t>()) << " as f32, "
          << format_bytes(c["attention_f16_bytes"].get<uint64_t>()) << " as f16\n";
    }
  }
  if (j["runnable"].get<bool>()) {
    out << "\nmemory of a run (weights mapped at the file's size, "
        << format_bytes(file.file_size())
        << ", dequantized block by block inside the GEMM, + the forward pass's working memory; "
           "analyze streams, attention keeps all):\n";
    for (const auto& c : j["capture_cost"]) {
      out << "  T = " << text(c["tokens"]) << ": analyze "
          << format_bytes(c["streaming_total_bytes"].get<uint64_t>()) << ", attention "
          << format_bytes(c["total_f32_bytes"].get<uint64_t>()) << "\n";
    }
  } else {
    out << "\n" << text(j["not_runnable_because"]) << "\n";
  }
}

}  // namespace attnscope::report
