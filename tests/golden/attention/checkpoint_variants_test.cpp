// Real-checkpoint handling, on copies of the shared models that the test writes to a temporary
// folder: F16 / BF16 weights (converted to f32 at load), sharded checkpoints, the base-model
// prefix present or absent, head tensors ignored, unused tensors reported, and the errors for an
// unknown architecture and a wrong tensor shape.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "core/error.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using testing::all_close;
using testing::max_abs;

struct Outputs {
  Tensor attentions;  // [layer, head, query_pos, key_pos]
  Tensor hidden;      // [1, layer + 1, token, hidden]
};

Outputs run(const Model& model, const std::vector<int64_t>& ids) {
  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  ForwardResult out = model.forward(ForwardInput::single(ids), observers, {.hidden_states = true});
  return {store.sequence(0), std::move(out.hidden_states)};
}

using ::attnscope::testing::TempDir;

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// Rewrites `from`'s checkpoint into `to`: `edit` may rename a tensor, change its stored dtype or
// drop it (nullopt). `config_edit` changes config.json.
struct Rewrite {
  std::function<std::optional<std::string>(const std::string& name)> rename =
      [](const std::string& name) { return name; };
  DType dtype = DType::kF32;
  std::function<void(nlohmann::json&)> config_edit = [](nlohmann::json&) {};
  std::vector<std::pair<std::string, Tensor>> extra;
};

void rewrite_model(const fs::path& from, const fs::path& to, const Rewrite& rewrite) {
  nlohmann::json config = load_json_file((from / "config.json").string());
  rewrite.config_edit(config);
  write_text(to / "config.json", config.dump(2));
  const SafetensorsFile source((from / "model.safetensors").string());
  SafetensorsWriter writer;
  for (const TensorInfo& info : source.tensors()) {
    if (const auto name = rewrite.rename(info.name)) {
      writer.add_f32(*name, source.load_f32(info.name), rewrite.dtype);
    }
  }
  for (const auto& [name, tensor] : rewrite.extra) writer.add_f32(name, tensor);
  writer.write((to / "model.safetensors").string());
}

const std::vector<int64_t> kStoryIds = {1, 403, 407, 261, 378, 375, 267, 392, 280, 415, 370, 261};

TEST(CheckpointVariants, HalfPrecisionWeightsLoadWithinDtypeTolerance) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const fs::path original = shared / "models/stories260k-hf";
  const Outputs reference = run(Model::load(original.string()), kStoryIds);
  // Rounding every weight to 11 (F16) or 8 (BF16) significant bits moves a trained model's
  // probabilities by ~1e-3 and ~1e-2 respectively.
  for (const auto& [dtype, attention_tol, hidden_rel_tol] :
       {std::tuple{DType::kF16, 2e-3, 2e-3}, std::tuple{DType::kBF16, 2e-2, 2e-2}}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    TempDir dir(std::string("half_") + std::string(dtype_name(dtype)));
    rewrite_model(original, dir.path(), {.dtype = dtype});
    const Model model = Model::load(dir.path().string());
    EXPECT_EQ(model.weight_dtype(), dtype);
    const Outputs got = run(model, kStoryIds);
    EXPECT_TRUE(all_close("attentions", got.attentions, reference.attentions, attention_tol));
    EXPECT_TRUE(all_close("hidden_states", got.hidden, reference.hidden,
                          hidden_rel_tol * max_abs(reference.hidden.values())));
  }
}

TEST(CheckpointVariants, ShardedCheckpointEqualsOriginal) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const fs::path original = shared / "models/tiny-gpt-neox";
  TempDir dir("sharded");
  fs::copy_file(original / "config.json", dir.path() / "config.json");
  const SafetensorsFile source((original / "model.safetensors").string());
  SafetensorsWriter shards[2];
  nlohmann::json index = {{"metadata", {{"total_size", 0}}},
                          {"weight_map", nlohmann::json::object()}};
  int next = 0;
  for (const TensorInfo& info : source.tensors()) {
    const int shard = next++ % 2;
    shards[shard].add_f32(info.name, source.load_f32(info.name));
    index["weight_map"][info.name] =
        "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
  }
  for (int shard = 0; shard < 2; ++shard) {
    shards[shard].write(
        (dir.path() / ("model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors"))
            .string());
  }
  write_text(dir.path() / "model.safetensors.index.json", index.dump());
  const std::vector<int64_t> ids = {5, 17, 256, 999, 0, 3};
  const Outputs expected = run(Model::load(original.string()), ids);
  const Outputs got = run(Model::load(dir.path().string()), ids);
  EXPECT_TRUE(all_close("attentions", got.attentions, expected.attentions, 0.0));
  EXPECT_TRUE(all_close("hidden_states", got.hidden, expected.hidden, 0.0));
}

TEST(CheckpointVariants, BasePrefixIsOptionalLikeFromPretrained) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  // tiny-gpt2 is a GPT2LMHeadModel save ("transformer." prefix); the Hub's gpt2 has none.
  const fs::path original = shared / "models/tiny-gpt2";
  TempDir dir("no_prefix");
  rewrite_model(original, dir.path(),
                {.rename = [](const std::string& name) -> std::optional<std::string> {
                   return name.starts_with("transformer.") ? name.substr(12) : name;
                 },
                 .extra = {{"h.0.attn.bias", Tensor({1, 1, 4, 4})}}});  // old mask buffer
  const std::vector<int64_t> ids = {464, 2068, 7586, 21831};
  const Model stripped = Model::load(dir.path().string());
  EXPECT_TRUE(stripped.unused_tensors().empty());
  const Outputs expected = run(Model::load(original.string()), ids);
  const Outputs got = run(stripped, ids);
  EXPECT_TRUE(all_close("attentions", got.attentions, expected.attentions, 0.0));
}

TEST(CheckpointVariants, BertForMaskedLmCheckpointIgnoresHeadsAndReportsUnknownTensors) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const fs::path original = shared / "models/tiny-bert";
  TempDir dir("bert_prefix");
  rewrite_model(original, dir.path(),
                {.rename = [](const std::string& name) -> std::optional<std::string> {
                   return "bert." + name;
                 },
                 .config_edit = [](nlohmann::json& c) { c["architectures"] = {"BertForMaskedLM"}; },
                 .extra = {{"cls.predictions.bias", Tensor({30522})},
                           {"bert.encoder.layer.0.mystery.weight", Tensor({2, 2})}}});
  const Model model = Model::load(dir.path().string());
  ASSERT_EQ(model.unused_tensors().size(), 1u);
  EXPECT_EQ(model.unused_tensors()[0], "bert.encoder.layer.0.mystery.weight");
  const std::vector<int64_t> ids = {101, 1996, 4248, 2829, 102};
  const Outputs expected = run(Model::load(original.string()), ids);
  EXPECT_TRUE(all_close("attentions", run(model, ids).attentions, expected.attentions, 0.0));
}

TEST(CheckpointVariants, UnknownArchitectureListsSupportedOnes) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir dir("unknown_arch");
  rewrite_model(shared / "models/tiny-llama", dir.path(), {.config_edit = [](nlohmann::json& c) {
                  c["architectures"] = {"MambaForCausalLM"};
                  c["model_type"] = "mamba";
                }});
  try {
    Model::load(dir.path().string());
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("MambaForCausalLM"), std::string::npos) << message;
    EXPECT_NE(message.find("LlamaForCausalLM"), std::string::npos) << message;
    EXPECT_NE(message.find("BertModel"), std::string::npos) << message;
  }
}

TEST(CheckpointVariants, WrongTensorShapeNamesTensorExpectedAndGot) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir dir("wrong_shape");
  rewrite_model(shared / "models/tiny-llama", dir.path(),
                {.rename = [](const std::string& name) -> std::optional<std::string> {
                   if (name == "model.layers.1.self_attn.k_proj.weight") return std::nullopt;
                   return name;
                 },
                 .extra = {{"model.layers.1.self_attn.k_proj.weight", Tensor({64, 64})}}});
  try {
    Model::load(dir.path().string());
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("model.layers.1.self_attn.k_proj.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("[32, 64]"), std::string::npos) << message;
    EXPECT_NE(message.find("[64, 64]"), std::string::npos) << message;
  }
}

TEST(CheckpointVariants, MissingTensorIsAShapeError) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir dir("missing");
  rewrite_model(shared / "models/tiny-qwen2", dir.path(),
                {.rename = [](const std::string& name) -> std::optional<std::string> {
                  if (name == "model.layers.0.self_attn.q_proj.bias") return std::nullopt;
                  return name;
                }});
  EXPECT_THROW(
      {
        try {
          Model::load(dir.path().string());
        } catch (const ShapeError& e) {
          EXPECT_NE(std::string(e.what()).find("model.layers.0.self_attn.q_proj.bias"),
                    std::string::npos);
          throw;
        }
      },
      ShapeError);
}

}  // namespace
}  // namespace attnscope
