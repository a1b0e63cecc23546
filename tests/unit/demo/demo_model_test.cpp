// The demo model's files: deterministic bytes, valid config.json / tokenizer.json /
// model.safetensors, the vocabulary and token-code invariants the circuits rely on, and the
// folder rules (refusing foreign folders, the per-user cache, "demo" as a model spec).
#include "demo/demo_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "demo/vocabulary.h"
#include "demo/weights.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "test_folder.h"

namespace attnscope::demo {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::ScopedEnv;
using testing::TestFolder;

constexpr std::array<std::string_view, 5> kExportFiles = {
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "README.md"};

TEST(DemoModel, ExportIsDeterministicToTheByte) {
  TestFolder a, b;
  write_demo_model(a.path());
  write_demo_model(b.path() / "nested" / "out");  // created, parents included
  for (const std::string_view file : kExportFiles) {
    const std::string first = read_file(a.path() / file);
    const std::string second = read_file(b.path() / "nested" / "out" / file);
    ASSERT_FALSE(first.empty()) << file;
    EXPECT_TRUE(first == second) << file << " differs between two exports";
  }
  // Exactly the documented files (no temporaries left behind).
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(a.path())) ++count;
  EXPECT_EQ(count, kExportFiles.size());
}

TEST(DemoModel, ConfigIsALlamaConfig) {
  TestFolder dir;
  write_demo_model(dir.path());
  const nlohmann::json config = load_json_file((dir.path() / "config.json").string());
  EXPECT_EQ(config.at("architectures"), nlohmann::json::array({"LlamaForCausalLM"}));
  EXPECT_EQ(config.at("model_type"), "llama");
  EXPECT_EQ(config.at("hidden_size"), kDemoHiddenSize);
  EXPECT_EQ(config.at("num_hidden_layers"), kDemoNumLayers);
  EXPECT_EQ(config.at("num_attention_heads"), kDemoNumHeads);
  EXPECT_EQ(config.at("num_key_value_heads"), kDemoNumHeads);
  EXPECT_EQ(config.at("intermediate_size"), kDemoIntermediateSize);
  EXPECT_EQ(config.at("max_position_embeddings"), kDemoMaxPositions);
  EXPECT_EQ(config.at("rope_theta").get<double>(), kDemoRopeTheta);
  EXPECT_EQ(config.at("vocab_size"), demo_vocabulary().size());
  EXPECT_EQ(config.at("bos_token_id"), kDemoBosId);
  EXPECT_EQ(config.at("eos_token_id"), kDemoEosId);
  EXPECT_EQ(config.at("tie_word_embeddings"), false);
  EXPECT_EQ(config.at("attnscope_demo_version"), kDemoModelVersion);
}

TEST(DemoModel, WeightsAreTheLlamaTensorsFiniteAndModerate) {
  TestFolder dir;
  write_demo_model(dir.path());
  const SafetensorsFile file((dir.path() / "model.safetensors").string());
  EXPECT_EQ(file.metadata().at("format"), "pt");

  const auto vocab = static_cast<int64_t>(demo_vocabulary().size());
  const int64_t d = kDemoHiddenSize;
  std::map<std::string, Shape> expected = {{"model.embed_tokens.weight", {vocab, d}},
                                           {"lm_head.weight", {vocab, d}},
                                           {"model.norm.weight", {d}}};
  for (int layer = 0; layer < kDemoNumLayers; ++layer) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
      expected[p + "self_attn." + proj + ".weight"] = {d, d};
    }
    expected[p + "mlp.gate_proj.weight"] = {kDemoIntermediateSize, d};
    expected[p + "mlp.up_proj.weight"] = {kDemoIntermediateSize, d};
    expected[p + "mlp.down_proj.weight"] = {d, kDemoIntermediateSize};
    expected[p + "input_layernorm.weight"] = {d};
    expected[p + "post_attention_layernorm.weight"] = {d};
  }
  ASSERT_EQ(file.tensors().size(), expected.size());
  for (const TensorInfo& info : file.tensors()) {
    ASSERT_TRUE(expected.contains(info.name)) << "unexpected tensor " << info.name;
    EXPECT_EQ(info.dtype, DType::kF32) << info.name;
    EXPECT_EQ(info.shape, expected.at(info.name)) << info.name;
    const Tensor t = file.load_f32(info.name);
    float largest = 0;
    for (const float x : t.values()) {
      ASSERT_TRUE(std::isfinite(x)) << info.name;
      largest = std::max(largest, std::abs(x));
    }
    // Well-conditioned: no weight needs more than a few units to build a circuit.
    EXPECT_LE(largest, 4.0f) << info.name;
  }
}

TEST(DemoModel, EmbeddingsHaveEqualNorms) {
  // RMSNorm then scales every position alike: the positional kernels rely on it.
  const auto weights = demo_weights();
  const Tensor& embed = weights.at("model.embed_tokens.weight");
  for (int64_t id = 0; id < embed.dim(0); ++id) {
    double sum = 0;
    for (int64_t c = 0; c < embed.dim(1); ++c) sum += double(embed.at({id, c})) * embed.at({id, c});
    EXPECT_NEAR(sum, 2.0, 1e-6) << "token " << id;
  }
}

TEST(DemoModel, TokenCodesAreUnitAndNearlyOrthogonal) {
  const Tensor codes = demo_token_codes();
  const int64_t n = codes.dim(0);
  ASSERT_EQ(n, static_cast<int64_t>(demo_vocabulary().size()));
  ASSERT_EQ(codes.dim(1), kCodeDims);
  for (int64_t a = 0; a < n; ++a) {
    for (int64_t b = a; b < n; ++b) {
      double dot = 0;
      for (int64_t c = 0; c < kCodeDims; ++c) dot += double(codes.at({a, c})) * codes.at({b, c});
      if (a == kDemoBosId || b == kDemoBosId) {
        EXPECT_EQ(dot, 0.0) << "<s> has no code";
      } else if (a == b) {
        EXPECT_NEAR(dot, 1.0, 1e-6) << "token " << a;
      } else {
        ASSERT_LE(std::abs(dot), kMaxCodeOverlap + 1e-6) << "tokens " << a << ", " << b;
      }
    }
  }
}

TEST(DemoModel, VocabularyIsUniqueLowercaseAndReachable) {
  const auto vocab = demo_vocabulary();
  EXPECT_EQ(vocab[kDemoUnkId], "<unk>");
  EXPECT_EQ(vocab[kDemoBosId], "<s>");
  EXPECT_EQ(vocab[kDemoEosId], "</s>");
  EXPECT_GE(vocab.size(), 200u);
  std::set<std::string_view> seen;
  for (size_t id = 0; id < vocab.size(); ++id) {
    const std::string_view word = vocab[id];
    EXPECT_TRUE(seen.insert(word).second) << "duplicate '" << word << "'";
    if (id <= static_cast<size_t>(kDemoEosId)) continue;
    ASSERT_FALSE(word.empty());
    const bool punctuation = std::ispunct(static_cast<unsigned char>(word[0])) != 0;
    // The lowercasing normalizer and BertPreTokenizer must be able to produce every entry:
    // lowercase alphanumeric words, or one punctuation character.
    if (punctuation) {
      EXPECT_EQ(word.size(), 1u) << "'" << word << "'";
    } else {
      for (const char c : word) {
        EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) ||
                    std::isdigit(static_cast<unsigned char>(c)))
            << "'" << word << "'";
      }
    }
  }
}

TEST(DemoModel, TokenizerJsonIsAWordLevelPipeline) {
  TestFolder dir;
  write_demo_model(dir.path());
  const nlohmann::json tok = load_json_file((dir.path() / "tokenizer.json").string());
  const auto vocab = demo_vocabulary();
  EXPECT_EQ(tok.at("version"), "1.0");
  EXPECT_TRUE(tok.at("truncation").is_null());
  EXPECT_TRUE(tok.at("padding").is_null());
  EXPECT_EQ(tok.at("normalizer").at("type"), "Lowercase");
  EXPECT_EQ(tok.at("pre_tokenizer").at("type"), "BertPreTokenizer");
  EXPECT_EQ(tok.at("decoder").at("type"), "WordPiece");

  const auto& model = tok.at("model");
  EXPECT_EQ(model.at("type"), "WordLevel");
  EXPECT_EQ(model.at("unk_token"), "<unk>");
  ASSERT_EQ(model.at("vocab").size(), vocab.size());
  for (size_t id = 0; id < vocab.size(); ++id) {
    EXPECT_EQ(model.at("vocab").at(std::string(vocab[id])), id) << vocab[id];
  }

  const auto& added = tok.at("added_tokens");
  ASSERT_EQ(added.size(), 3u);
  for (const auto& token : added) {
    EXPECT_EQ(token.at("content"), vocab[token.at("id").get<size_t>()]);
    EXPECT_TRUE(token.at("special").get<bool>());
  }

  const auto& post = tok.at("post_processor");
  EXPECT_EQ(post.at("type"), "TemplateProcessing");
  ASSERT_EQ(post.at("single").size(), 2u);
  EXPECT_EQ(post.at("single")[0].at("SpecialToken").at("id"), "<s>");
  EXPECT_EQ(post.at("single")[1].at("Sequence").at("id"), "A");
  EXPECT_EQ(post.at("special_tokens").at("<s>").at("ids"), nlohmann::json::array({kDemoBosId}));

  const nlohmann::json config = load_json_file((dir.path() / "tokenizer_config.json").string());
  EXPECT_EQ(config.at("tokenizer_class"), "PreTrainedTokenizerFast");
  EXPECT_EQ(config.at("bos_token"), "<s>");
}

TEST(DemoModel, SampleTextsUseOnlyVocabularyWords) {
  const auto vocab = demo_vocabulary();
  const std::set<std::string_view> words(vocab.begin(), vocab.end());
  ASSERT_FALSE(demo_sample_texts().empty());
  for (const std::string_view text : demo_sample_texts()) {
    std::istringstream in{std::string(text)};
    std::string word;
    while (in >> word) EXPECT_TRUE(words.contains(word)) << "'" << word << "' in: " << text;
  }
}

TEST(DemoModel, HeadListCoversEveryHeadOnce) {
  const auto heads = demo_heads();
  ASSERT_EQ(static_cast<int64_t>(heads.size()), kDemoNumLayers * kDemoNumHeads);
  for (size_t i = 0; i < heads.size(); ++i) {
    EXPECT_EQ(heads[i].layer, static_cast<int>(i / kDemoNumHeads));
    EXPECT_EQ(heads[i].head, static_cast<int>(i % kDemoNumHeads));
  }
  std::set<DemoRole> roles;
  for (const DemoHead& head : heads) roles.insert(head.role);
  for (const DemoRole role : {DemoRole::kPrevious, DemoRole::kFirst, DemoRole::kSelf,
                              DemoRole::kBroad, DemoRole::kInduction, DemoRole::kRandom}) {
    EXPECT_TRUE(roles.contains(role)) << demo_role_name(role);
  }
}

TEST(DemoModel, RefusesAForeignFolderButReplacesAnEarlierExport) {
  TestFolder dir;
  { std::ofstream(dir.path() / "notes.txt") << "mine"; }
  EXPECT_THROW(write_demo_model(dir.path()), InputError);
  EXPECT_EQ(read_file(dir.path() / "notes.txt"), "mine");
  EXPECT_FALSE(fs::exists(dir.path() / "config.json"));

  EXPECT_THROW(write_demo_model(dir.path() / "notes.txt"), InputError);  // a file

  const fs::path out = dir.path() / "out";
  write_demo_model(out);
  EXPECT_TRUE(is_demo_model_dir(out));
  { std::ofstream(out / "tokenizer.json") << "damaged"; }
  write_demo_model(out);  // an earlier export: replaced
  EXPECT_TRUE(is_demo_model_dir(out));
  EXPECT_NE(read_file(out / "tokenizer.json"), "damaged");
}

TEST(DemoModel, CacheFolderFollowsXdgThenHome) {
  TestFolder dir;
  {
    ScopedEnv xdg("XDG_CACHE_HOME", dir.path().string());
    EXPECT_EQ(demo_cache_dir(),
              dir.path() / "attnscope" / ("demo-v" + std::to_string(kDemoModelVersion)));
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
    ScopedEnv home("HOME", dir.path().string());
    EXPECT_EQ(demo_cache_dir(),
              dir.path() / ".cache" / "attnscope" / ("demo-v" + std::to_string(kDemoModelVersion)));
  }
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "relative/path");  // not absolute: ignored (XDG spec)
    ScopedEnv home("HOME", std::nullopt);
    EXPECT_THROW(demo_cache_dir(), IoError);
  }
}

TEST(DemoModel, MaterialisesOnceAndReusesTheCache) {
  TestFolder dir;
  ScopedEnv xdg("XDG_CACHE_HOME", dir.path().string());
  const fs::path first = demo_model_dir();
  EXPECT_EQ(first, demo_cache_dir());
  ASSERT_TRUE(is_demo_model_dir(first));
  const auto written = fs::last_write_time(first / "model.safetensors");

  EXPECT_EQ(demo_model_dir(), first);  // reused, not rewritten
  EXPECT_EQ(fs::last_write_time(first / "model.safetensors"), written);

  // No temporary folders left beside it.
  size_t siblings = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(first.parent_path())) {
    ++siblings;
  }
  EXPECT_EQ(siblings, 1u);

  // An incomplete cache is rebuilt.
  fs::remove(first / "tokenizer.json");
  EXPECT_FALSE(is_demo_model_dir(first));
  EXPECT_EQ(demo_model_dir(), first);
  EXPECT_TRUE(is_demo_model_dir(first));
}

TEST(DemoModel, CacheFolderWithForeignContentIsAnError) {
  TestFolder dir;
  ScopedEnv xdg("XDG_CACHE_HOME", dir.path().string());
  fs::create_directories(demo_cache_dir());
  { std::ofstream(demo_cache_dir() / "notes.txt") << "mine"; }
  EXPECT_THROW(demo_model_dir(), IoError);
  EXPECT_EQ(read_file(demo_cache_dir() / "notes.txt"), "mine");
}

}  // namespace
}  // namespace attnscope::demo
