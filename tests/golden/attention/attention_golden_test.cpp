// Golden tests: every case of shared/golden/attention/index.json (Hugging Face transformers
// 4.40, eager attention, f32) run through Model::forward. Attention within 1e-5 absolute;
// hidden states and logits within 1e-4 of the tensor's max |value|; rows sum to 1 and masked
// entries are exactly 0.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "model/arch.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "support/shared_data.h"
#include "tensor_compare.h"

namespace attnscope {
namespace {

using testing::all_close;
using testing::attention_invariants;
using testing::close_at_scale;

struct GoldenCase {
  std::string name;  // "tiny-bert/fox"
  nlohmann::json json;
};

// gtest prints the parameter in test names and failures; the case name, not its bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

std::vector<GoldenCase> golden_cases() {
  std::vector<GoldenCase> cases;
  const auto shared = testing::shared_dir();
  if (!shared) return cases;
  const nlohmann::json index = load_json_file((*shared / "golden/attention/index.json").string());
  for (const auto& c : index.at("cases")) {
    const std::string model = c.at("model").get<std::string>();
    cases.push_back(
        {model.substr(model.rfind('/') + 1) + "/" + c.at("case").get<std::string>(), c});
  }
  return cases;
}

const Model& cached_model(const std::filesystem::path& folder) {
  static std::map<std::string, std::unique_ptr<Model>> models;
  auto& slot = models[folder.string()];
  if (!slot) slot = std::make_unique<Model>(Model::load(folder.string()));
  return *slot;
}

// The families whose golden data arrived with issue 14 and are not implemented yet. A case of
// one of these is skipped (with the reason) only while find_arch still refuses it; once the
// family is registered the case runs. Any other unsupported family fails.
bool pending_family(const std::filesystem::path& folder, std::string& model_type) {
  static const std::set<std::string> pending = {};
  const nlohmann::json config = load_json_file((folder / "config.json").string());
  model_type = config.value("model_type", "");
  if (pending.count(model_type) == 0) return false;
  try {
    find_arch(config);
    return false;
  } catch (const UnsupportedError&) {
    return true;
  }
}

class AttentionGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(AttentionGolden, MatchesTransformers) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json& c = GetParam().json;
  std::string model_type;
  if (pending_family(shared / c.at("model").get<std::string>(), model_type)) {
    GTEST_SKIP() << "model_type '" << model_type << "' is not implemented yet (issue 14)";
  }
  const Model& model = cached_model(shared / c.at("model").get<std::string>());
  EXPECT_TRUE(model.unused_tensors().empty()) << "unused: " << model.unused_tensors().front();
  const SafetensorsFile golden((shared / c.at("file").get<std::string>()).string());
  const bool batch = c.at("batch").get<bool>();
  const bool causal = c.at("causal").get<bool>();
  EXPECT_EQ(model.config().causal, causal);

  ForwardInput input;
  if (batch) {
    input = ForwardInput::padded(c.at("ids").get<std::vector<std::vector<int64_t>>>(), 0);
    input.attention_mask.clear();
    for (const auto& row : c.at("attention_mask")) {
      for (int64_t m : row) input.attention_mask.push_back(m);
    }
  } else {
    input = ForwardInput::single(c.at("ids").get<std::vector<int64_t>>());
  }
  EXPECT_EQ(golden.load_i64("input_ids"), input.ids);

  AttentionStore store;
  AttentionObserver* observers[] = {&store};
  const bool has_logits = c.at("has_logits").get<bool>();
  const ForwardResult out =
      model.forward(input, observers, {.hidden_states = true, .logits = has_logits});

  // attentions: [batch?, layer, head, query_pos, key_pos]
  Tensor attentions;
  if (batch) {
    Tensor all;
    std::vector<float> values;
    for (int64_t b = 0; b < input.batch; ++b) {
      const Tensor one = store.sequence(b);
      values.insert(values.end(), one.values().begin(), one.values().end());
    }
    Shape shape = store.sequence(0).shape();
    shape.insert(shape.begin(), input.batch);
    attentions = Tensor(shape, std::move(values));
  } else {
    attentions = store.sequence(0);
  }
  const Tensor expected_attentions = golden.load_f32("attentions");
  EXPECT_TRUE(all_close("attentions", attentions, expected_attentions, 1e-5));

  const int64_t T = input.tokens, planes_per_sequence = attentions.numel() / (input.batch * T * T);
  const auto visible = [&](int64_t plane, int64_t query, int64_t key) {
    const int64_t b = plane / planes_per_sequence;
    if (causal && key > query) return false;
    return input.attention_mask.empty() || input.attention_mask[b * T + key] != 0;
  };
  EXPECT_TRUE(attention_invariants("attentions", attentions, visible));

  const Tensor expected_hidden = golden.load_f32("hidden_states");
  Tensor hidden = out.hidden_states;
  if (!batch) hidden.reshape(expected_hidden.shape());
  EXPECT_TRUE(close_at_scale("hidden_states", hidden, expected_hidden));

  if (has_logits) {
    const Tensor expected_logits = golden.load_f32("logits");
    Tensor logits = out.logits;
    logits.reshape(expected_logits.shape());
    EXPECT_TRUE(close_at_scale("logits", logits, expected_logits));
  }
}

INSTANTIATE_TEST_SUITE_P(Index, AttentionGolden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           return testing::parameter_name(info.param.name);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AttentionGolden);

TEST(AttentionGoldenIndex, CoversEveryModel) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  EXPECT_GE(golden_cases().size(), 40u);
}

// docs/architectures.md promises that a family is added with its golden data: every registered
// family must be the family of at least one golden case's model.
TEST(AttentionGoldenIndex, EveryRegisteredFamilyHasAGoldenCase) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  std::set<std::string> covered;
  for (const GoldenCase& c : golden_cases()) {
    const auto folder = shared / c.json.at("model").get<std::string>();
    const nlohmann::json config = load_json_file((folder / "config.json").string());
    try {
      covered.insert(std::string(find_arch(config).family));
    } catch (const UnsupportedError&) {
      // a pending family (see pending_family)
    }
  }
  for (const ArchSpec* arch : registered_archs()) {
    EXPECT_TRUE(covered.count(std::string(arch->family)) > 0)
        << "family " << arch->family << " has no case in golden/attention/index.json";
  }
}

}  // namespace
}  // namespace attnscope
