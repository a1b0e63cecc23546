// On real attention (every single-sequence case of shared/golden/attention; flow up to 100 tokens,
// Hugging Face transformers' probabilities), rollout and flow computed from the saved file equal
// the same methods run on the live model with the case's ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "analysis/attention_analyzer.h"
#include "analysis/flow.h"
#include "core/error.h"
#include "io/json_file.h"
#include "model/model.h"
#include "support/shared_data.h"

namespace attnscope::analysis {
namespace {

TEST(ImportanceGolden, RolloutAndFlowFromFileEqualLiveModel) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const nlohmann::json index = load_json_file((shared / "golden/attention/index.json").string());
  int checked = 0;
  for (const auto& c : index.at("cases")) {
    if (c.value("batch", false)) continue;
    const std::string name =
        c.at("model").get<std::string>() + "/" + c.at("case").get<std::string>();
    const AttentionFile file((shared / c.at("file").get<std::string>()).string());
    std::optional<Model> loaded;
    try {
      loaded.emplace(Model::load((shared / c.at("model").get<std::string>()).string()));
    } catch (const UnsupportedError&) {
      continue;  // a family attnscope does not load (yet)
    }
    const Model& model = *loaded;
    const std::vector<int64_t> ids = c.at("ids").get<std::vector<int64_t>>();
    if (file.layers() != model.config().num_hidden_layers) continue;  // a layer selection
    for (const char* method : {"rollout", "flow"}) {
      // Exact max-flow on 256 tokens is most of this test's time under ASan; the path equality
      // it checks does not depend on the length.
      if (std::string(method) == "flow" && ids.size() > 100) continue;
      const auto from_file = token_importance(file, 0, method);
      TokenImportance live(parse_importance_method(method));
      AttentionObserver* observers[] = {&live};
      model.forward(ForwardInput::single(ids), observers);
      const std::vector<double> live_scores = live.scores();
      ASSERT_EQ(from_file.size(), live_scores.size()) << name << " " << method;
      double total = 0;
      for (size_t k = 0; k < live_scores.size(); ++k) {
        EXPECT_NEAR(from_file[k].score, live_scores[k], 1e-4)
            << name << " " << method << " position " << k;
        total += live_scores[k];
      }
      EXPECT_NEAR(total, 1.0, 1e-6) << name << " " << method;
    }
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace attnscope::analysis
