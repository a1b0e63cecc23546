// The malformed-input suite, through the CLI exactly as a user meets it: one case (at least) per
// class of issue #12's table (crash by nesting, memory before checks, special files, wrong
// answers, unclear errors, slow inputs) and per test ID of RELIABILITY.md sections 1 (ST-) and
// 3 (TK-). Every case asserts expect_refused(): non-zero exit, one plain line with the expected
// words, bounded time and memory. Cases that must be accepted say so.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/limits.h"
#include "hostile/support/bpe_tokenizer.h"
#include "hostile/support/hostile.h"
#include "io/safetensors.h"

namespace attnscope::hostile {
namespace {

constexpr size_t kDeep = 100000;  // the nesting that used to overflow the stack

// ---- crash (stack overflow): deep JSON everywhere we read JSON -------------------------------

TEST(HostileNesting, ConfigJsonDeepArrayInUnknownField) {
  HostileModel m;
  std::string text = m.config().dump();
  text.insert(1, "\"x\": " + nested_array(kDeep) + ", ");
  m.write("config.json", text);
  expect_refused(run_timed(info(m)), {"config.json", "nests deeper than 128"});
}

TEST(HostileNesting, ConfigJsonDeepValueOfAKnownField) {
  HostileModel m;
  std::string text = m.config().dump();
  text.insert(1, "\"num_hidden_layers\": " + nested_array(kDeep) + ", ");
  m.write("config.json", text);
  expect_refused(run_timed(info(m)), {"config.json", "nests deeper"});
}

TEST(HostileNesting, ConfigJsonDeepRopeScaling) {
  HostileModel m;
  std::string text = m.config().dump();
  text.insert(1, "\"rope_scaling\": " + std::string(kDeep, '{') + std::string(kDeep, '}') + ", ");
  m.write("config.json", text);
  expect_refused(run_timed(info(m)), {"config.json", "nests deeper"});
}

TEST(HostileNesting, TokenizerJsonDeep) {  // TK-5
  HostileModel m;
  std::string text = m.tokenizer().dump();
  text.insert(1, "\"normalizer_extra\": " + nested_array(kDeep) + ", ");
  m.write("tokenizer.json", text);
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "nests deeper"});
}

TEST(HostileNesting, AttentionFileMetadataDeep) {
  HostileModel m;
  SafetensorsWriter w;
  w.add_f32("attentions", Tensor({1, 1, 2, 2}, {1, 0, 0.5f, 0.5f}));
  w.set_metadata("layers", nested_array(kDeep));
  const std::string path = m.tmp().file("attn.safetensors");
  w.write(path);
  expect_refused(run_timed({"analyze", "--attentions", path}), {"metadata", "nests deeper"});
}

TEST(HostileNesting, JsonlLineDeep) {
  HostileModel m;
  const std::string path =
      m.tmp().write("texts.jsonl", "{\"text\": \"ok\"}\n" + nested_array(kDeep) + "\n");
  expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", path}),
                 {"line 2", "nests deeper"});
}

TEST(HostileNesting, SafetensorsHeaderDeep) {
  HostileModel m;
  m.write("model.safetensors", safetensors_bytes("{\"a\": " + nested_array(kDeep) + "}"));
  expect_refused(run_timed(info(m)), {"model.safetensors", "deeper"});
}

TEST(HostileNesting, IndexJsonDeep) {
  HostileModel m;
  fs::remove(m.dir_path() / "model.safetensors");
  m.write("model.safetensors.index.json", "{\"weight_map\": " + nested_array(kDeep) + "}");
  expect_refused(run_timed(info(m)), {"index.json", "nests deeper"});
}

// ---- memory before checks: sizes are capped before anything is allocated ---------------------

TEST(HostileSizes, TrillionLayersRefusedAtOnce) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["num_hidden_layers"] = int64_t{1000000000000}; });
  expect_refused(run_timed(info(m)), {"num_hidden_layers", "1000000000000", "limit"});
  expect_refused(run_timed({"attention", "--model", m.dir(), "--text", "the cat", "--out",
                            m.tmp().file("a.safetensors")}),
                 {"num_hidden_layers", "limit"});
}

TEST(HostileSizes, HugeVocabRefused) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["vocab_size"] = int64_t{1000000000000000}; });
  expect_refused(run_timed(info(m)), {"vocab_size", "limit"});
}

TEST(HostileSizes, HugeHeadDimRefused) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["head_dim"] = int64_t{1000000000}; });
  expect_refused(run_timed(info(m)), {"head_dim", "limit"});
}

TEST(HostileSizes, HugeHiddenAndIntermediateRefused) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["intermediate_size"] = int64_t{1} << 40; });
  expect_refused(run_timed(info(m)), {"intermediate_size", "limit"});
  m.edit_config([](nlohmann::json& c) {
    c["intermediate_size"] = 64;
    c["hidden_size"] = int64_t{1} << 40;
  });
  expect_refused(run_timed(info(m)), {"hidden_size", "limit"});
}

TEST(HostileSizes, HugePositionsRefused) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["max_position_embeddings"] = int64_t{1} << 50; });
  expect_refused(run_timed(info(m)), {"max_position_embeddings", "limit"});
}

// `info` on 7B- and 70B-sized configs answers from the config and the headers alone.
void expect_info_instant(const nlohmann::json& sizes, int64_t min_parameters) {
  HostileModel m;
  m.edit_config([&](nlohmann::json& c) {
    for (const auto& [k, v] : sizes.items()) c[k] = v;
  });
  const TimedResult r = run_timed({"info", "--model", m.dir(), "--format", "json"});
  ASSERT_EQ(r.result.exit_code, 0) << r.result.error;
  const auto out = nlohmann::json::parse(r.result.out);
  EXPECT_GE(out["parameters"].get<int64_t>(), min_parameters);
  EXPECT_LT(r.seconds, 5.0);
  EXPECT_LT(peak_rss_bytes(), uint64_t{1} << 30);  // nothing near 28 GB of zeros
}

TEST(HostileSizes, InfoOnA7BConfigIsInstant) {
  expect_info_instant({{"hidden_size", 4096},
                       {"intermediate_size", 11008},
                       {"num_hidden_layers", 32},
                       {"num_attention_heads", 32},
                       {"num_key_value_heads", 32},
                       {"vocab_size", 32000},
                       {"max_position_embeddings", 4096}},
                      int64_t{6000000000});
}

TEST(HostileSizes, InfoOnA70BConfigIsInstant) {
  expect_info_instant({{"hidden_size", 8192},
                       {"intermediate_size", 28672},
                       {"num_hidden_layers", 80},
                       {"num_attention_heads", 64},
                       {"num_key_value_heads", 8},
                       {"vocab_size", 32000},
                       {"max_position_embeddings", 4096}},
                      int64_t{60000000000});
}

TEST(HostileSizes, MemoryGuardRefusesImpossibleRunBeforeAllocating) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) {
    c["hidden_size"] = 8192;
    c["intermediate_size"] = 28672;
    c["num_hidden_layers"] = 80;
    c["num_attention_heads"] = 64;
    c["num_key_value_heads"] = 8;
    c.erase("head_dim");
  });
  // The weights do not match, but the memory guard answers first, from the config.
  expect_refused(run_timed({"attention", "--model", m.dir(), "--text", "the cat", "--out",
                            m.tmp().file("a.safetensors"), "--max-memory", "1G"}),
                 {"memory budget"});
}

TEST(HostileSizes, TokenIdFarBeyondTheVocabRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) { t["model"]["vocab"]["zzz"] = int64_t{1} << 26; });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "67108864", "token ids must be in"});
}

TEST(HostileSizes, AddedTokenIdFarBeyondTheVocabRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["added_tokens"].push_back({{"id", int64_t{1} << 40}, {"content", "<x>"}, {"special", true}});
  });
  expect_refused(run_timed(tokenize(m)), {"added_tokens", "token ids must be in"});
}

TEST(HostileSizes, PaddingToABillionRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["padding"] = {{"strategy", {{"Fixed", 1000000000}}}, {"pad_id", 0}, {"pad_token", "[PAD]"}};
  });
  expect_refused(run_timed(tokenize(m)), {"padding", "Fixed", "1000000000"});
}

TEST(HostileSizes, PaddingMultipleOfABillionRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["padding"] = {{"strategy", "BatchLongest"}, {"pad_to_multiple_of", 1000000000}};
  });
  expect_refused(run_timed(tokenize(m)), {"pad_to_multiple_of", "1000000000"});
}

// ---- special files: only regular files are read, and nothing blocks ---------------------------

TEST(HostileFiles, DevZeroAsTokenizerJson) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  fs::create_symlink("/dev/zero", m.dir_path() / "tokenizer.json");
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "not a regular file"});
}

TEST(HostileFiles, DevZeroAsInput) {
  HostileModel m;
  expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", "/dev/zero"}),
                 {"/dev/zero", "character device", "not a regular file"});
}

TEST(HostileFiles, FifoAsInput) {
  HostileModel m;
  const std::string fifo = m.tmp().file("pipe.txt");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", fifo}),
                 {"pipe.txt", "FIFO", "not a regular file"});
}

TEST(HostileFiles, FifoAsAttentions) {
  HostileModel m;
  const std::string fifo = m.tmp().file("attn.safetensors");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(run_timed({"analyze", "--attentions", fifo}), {"attn.safetensors", "FIFO"});
}

TEST(HostileFiles, FifoAsConfigJson) {
  HostileModel m;
  fs::remove(m.dir_path() / "config.json");
  ASSERT_EQ(::mkfifo(m.file("config.json").c_str(), 0600), 0);
  expect_refused(run_timed(info(m)), {"config.json", "FIFO"});
}

TEST(HostileFiles, FifoAsWeights) {
  HostileModel m;
  fs::remove(m.dir_path() / "model.safetensors");
  ASSERT_EQ(::mkfifo(m.file("model.safetensors").c_str(), 0600), 0);
  expect_refused(run_timed(info(m)), {"model.safetensors", "FIFO"});
}

TEST(HostileFiles, WeightsFileIsAFolder) {
  HostileModel m;
  fs::remove(m.dir_path() / "model.safetensors");
  fs::create_directory(m.dir_path() / "model.safetensors");
  expect_refused(run_timed(info(m)), {"model.safetensors", "is a folder"});
}

TEST(HostileFiles, WeightsFileIsASymlinkLoop) {
  HostileModel m;
  fs::remove(m.dir_path() / "model.safetensors");
  fs::create_symlink("model.safetensors", m.dir_path() / "model.safetensors");
  expect_refused(run_timed(info(m)), {"model.safetensors", "symbolic link loop"});
}

TEST(HostileFiles, ConfigJsonIsAFolder) {
  HostileModel m;
  fs::remove(m.dir_path() / "config.json");
  fs::create_directory(m.dir_path() / "config.json");
  expect_refused(run_timed(info(m)), {"config.json", "is a folder"});
}

// Attack pass, session 4: a symbolic link loop anywhere on a path is a one-line error naming
// the path, never "internal error: filesystem error: ...".
TEST(HostileFiles, ModelFolderIsASymlinkLoop) {
  HostileModel m;
  const std::string loop = m.tmp().file("loop");
  fs::create_symlink(loop, loop);
  expect_refused(run_timed({"tokenize", "--model", loop, "--text", "hi"}),
                 {"loop", "symbolic links"});
}

TEST(HostileFiles, TokenizerJsonIsASymlinkLoop) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  fs::create_symlink("tokenizer.json", m.dir_path() / "tokenizer.json");
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "symbolic link"});
}

// --out: --force replaces a regular file only. Running as root, renaming over a device node
// (`--out /dev/urandom --force`) used to replace the device itself.
std::vector<std::string> attention_to(const HostileModel& m, const std::string& out, bool force) {
  std::vector<std::string> args{"attention", "--model", m.dir(), "--text", "the cat", "--out", out};
  if (force) args.emplace_back("--force");
  return args;
}

TEST(HostileFiles, OutIsAPipeNotReplacedByForce) {
  HostileModel m;
  const std::string fifo = m.tmp().file("out.safetensors");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(run_timed(attention_to(m, fifo, true)), {"out.safetensors", "not a regular file"});
  EXPECT_TRUE(fs::is_fifo(fifo));
  expect_refused(run_timed({"report", "--model", m.dir(), "--text", "x", "--out", fifo, "--force"}),
                 {"out.safetensors", "not a regular file"});
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST(HostileFiles, OutLinkToADeviceNotReplacedByForce) {
  HostileModel m;
  const std::string link = m.tmp().file("null.safetensors");
  fs::create_symlink("/dev/null", link);
  expect_refused(run_timed(attention_to(m, link, true)),
                 {"null.safetensors", "not a regular file"});
  EXPECT_TRUE(fs::is_symlink(link));
}

TEST(HostileFiles, OutDanglingLinkOrLoopExists) {
  HostileModel m;
  const std::string dangling = m.tmp().file("dangling.safetensors");
  fs::create_symlink(m.tmp().file("nowhere/x"), dangling);
  expect_refused(run_timed(attention_to(m, dangling, false)), {"already exists", "--force"});
  const std::string loop = m.tmp().file("loop.safetensors");
  fs::create_symlink(loop, loop);
  expect_refused(run_timed(attention_to(m, loop, false)), {"already exists", "--force"});
  expect_refused(run_timed(attention_to(m, loop, true)), {"loop.safetensors", "symbolic links"});
  EXPECT_TRUE(fs::is_symlink(loop));
}

// ---- wrong answers: non-finite weights never become rows of zeros -----------------------------

// The demo checkpoint with `value` written into element 5 of the first tensor named like `part`.
void poison_weight(const HostileModel& m, std::string_view part, float value) {
  const std::string path = m.file("model.safetensors");
  SafetensorsWriter w;
  {
    const SafetensorsFile file(path);
    bool done = false;
    for (const TensorInfo& info : file.tensors()) {
      Tensor t = file.load_f32(info.name);
      if (!done && info.name.find(part) != std::string::npos) {
        t.data()[5] = value;
        done = true;
      }
      w.add_f32(info.name, t, info.dtype);
    }
    ASSERT_TRUE(done) << part;
  }
  fs::remove(path);
  w.write(path);
}

std::vector<std::string> attention(const HostileModel& m) {
  return {"attention",
          "--model",
          m.dir(),
          "--text",
          "the cat sat on the mat",
          "--out",
          m.tmp().file("a.safetensors")};
}

TEST(HostileNumbers, NaNWeightNamesLayerHeadAndTensor) {
  HostileModel m;
  poison_weight(m, "layers.0.self_attn.k_proj.weight", std::numeric_limits<float>::quiet_NaN());
  expect_refused(run_timed(attention(m)),
                 {"layer 0", "head", "not finite", "query/key/value weight of layer 0", "NaN"});
  EXPECT_FALSE(fs::exists(m.tmp().file("a.safetensors")));
}

TEST(HostileNumbers, InfWeightRefused) {
  HostileModel m;
  poison_weight(m, "embed_tokens.weight", std::numeric_limits<float>::infinity());
  // Element 5 belongs to token 0's row; the text must use it to matter, so the whole
  // embedding is checked only when attention fails. Token 0 is [PAD]/[UNK]: use --ids.
  expect_refused(run_timed({"attention", "--model", m.dir(), "--ids", "0,1,2", "--out",
                            m.tmp().file("a.safetensors")}),
                 {"layer 0", "not finite", "token embedding", "infinity"});
}

TEST(HostileNumbers, HugeFiniteWeightsOverflowRefused) {
  HostileModel m;
  poison_weight(m, "layers.0.self_attn.q_proj.weight", 3e38f);
  poison_weight(m, "layers.0.self_attn.k_proj.weight", 3e38f);
  const TimedResult r = run_timed(attention(m));
  // 3e38 squared overflows: either the scores (no weight to blame) or a NaN downstream.
  expect_refused(r, {"layer 0", "not finite"});
}

TEST(HostileNumbers, AnalyzeOnNaNModelRefused) {
  HostileModel m;
  poison_weight(m, "layers.0.self_attn.v_proj.weight", std::numeric_limits<float>::quiet_NaN());
  // v of layer 0 feeds layer 1's attention, never layer 0's own scores.
  expect_refused(run_timed({"analyze", "--model", m.dir(), "--text", "the cat sat on the mat"}),
                 {"layer 1", "not finite", "query/key/value weight of layer 0"});
}

// Attack pass, session 4: a NaN in the last layer's MLP or the output matrix leaves attention
// finite, but the hidden states and logits asked for were written full of NaN with exit 0.
TEST(HostileNumbers, NaNInLastMlpRefusesHiddenStates) {
  HostileModel m;
  poison_weight(m, "layers.1.mlp.down_proj.weight", std::numeric_limits<float>::quiet_NaN());
  std::vector<std::string> args = attention(m);
  args.emplace_back("--hidden-states");
  expect_refused(run_timed(args), {"hidden state 2", "not finite", "MLP down weight of layer 1"});
  EXPECT_FALSE(fs::exists(m.tmp().file("a.safetensors")));
  EXPECT_EQ(run_timed(attention(m)).result.exit_code, 0);  // attention alone is finite and right
}

TEST(HostileNumbers, InfInOutputMatrixRefusesLogits) {
  HostileModel m;
  poison_weight(m, "lm_head.weight", std::numeric_limits<float>::infinity());
  std::vector<std::string> args = attention(m);
  args.emplace_back("--logits");
  expect_refused(run_timed(args), {"logits", "not finite", "output weight", "infinity"});
}

// Attack pass, session 4: a header padded with a NUL and garbage was accepted (the reference
// rejects it: a NUL is not JSON whitespace).
TEST(HostileNumbers, SafetensorsHeaderWithNulAndGarbageRefused) {
  HostileModel m;
  const std::string file = read_all(m.dir_path() / "model.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  const std::string tail = std::string("\0", 1) + "garbage";
  const uint64_t padded = n + tail.size();
  std::string bytes(reinterpret_cast<const char*>(&padded), 8);
  bytes += file.substr(8, n) + tail + file.substr(8 + n);
  m.write("model.safetensors", bytes);
  expect_refused(run_timed(info(m)), {"model.safetensors", "NUL"});
}

TEST(HostileNumbers, ConfigJsonWithNulAndGarbageRefused) {
  HostileModel m;
  m.write("config.json", read_all(m.dir_path() / "config.json") + std::string("\0", 1) + "{{{");
  expect_refused(run_timed(info(m)), {"config.json", "NUL"});
}

TEST(HostileNumbers, SafetensorsHeaderStartingWithSpaceRefused) {  // ST-1
  HostileModel m;
  m.write("model.safetensors", safetensors_bytes(" {}"));
  expect_refused(run_timed(info(m)), {"model.safetensors", "does not start with '{'"});
}

// ---- unclear errors: no library texts, bounded user data, ranges named -----------------------

TEST(HostileMessages, InvalidTokenizerJsonSaysWhereInPlainWords) {
  HostileModel m;
  m.write("tokenizer.json", "{\"model\": tru}");
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "invalid JSON", "line 1"});
}

TEST(HostileMessages, LongUnterminatedStringQuotedShort) {
  HostileModel m;
  m.write("tokenizer.json", "{\"model\": \"" + std::string(1 << 20, 'x'));
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "invalid JSON"});
}

TEST(HostileMessages, InvalidJsonlLine) {
  HostileModel m;
  const std::string path = m.tmp().write("t.jsonl", "{\"text\": \"a\"}\n{\"text\": nope}\n");
  expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", path}),
                 {"t.jsonl: line 2", "invalid JSON"});
}

TEST(HostileMessages, InvalidAttentionMetadata) {
  HostileModel m;
  SafetensorsWriter w;
  w.add_f32("attentions", Tensor({1, 1, 2, 2}, {1, 0, 0.5f, 0.5f}));
  w.set_metadata("tokens", "[\"a\", ");
  const std::string path = m.tmp().file("attn.safetensors");
  w.write(path);
  expect_refused(run_timed({"analyze", "--attentions", path}),
                 {"metadata 'tokens'", "invalid JSON"});
}

TEST(HostileMessages, AttentionMetadataHugeLayersListQuotedShort) {
  HostileModel m;
  SafetensorsWriter w;
  w.add_f32("attentions", Tensor({1, 1, 2, 2}, {1, 0, 0.5f, 0.5f}));
  std::string list = "[0";
  for (int k = 1; k < 100000; ++k) list += "," + std::to_string(k);
  w.set_metadata("layers", list + "]");
  w.set_metadata("causal", std::string(100000, 'y'));
  const std::string path = m.tmp().file("attn.safetensors");
  w.write(path);
  expect_refused(run_timed({"analyze", "--attentions", path}), {"metadata 'layers'"});
}

TEST(HostileMessages, FiftyMegabyteModelTypeNotEchoed) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) {
    c.erase("architectures");
    c["model_type"] = std::string(50 << 20, 'q');
  });
  const TimedResult r = run_timed(info(m));
  EXPECT_NE(r.result.exit_code, 0);
  EXPECT_LT(r.result.error.size(), 4000u);  // the supported-family list is several lines
  EXPECT_NE(r.result.error.find("(52428800 bytes)"), std::string::npos) << r.result.error;
}

TEST(HostileMessages, WrongTypeNestedValueNotPrinted) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) {
    c["num_attention_heads"] = nlohmann::json::array();
    for (int k = 0; k < 100000; ++k) c["num_attention_heads"].push_back(k);
  });
  expect_refused(run_timed(info(m)), {"num_attention_heads", "an array of 100000 elements"});
}

TEST(HostileMessages, Uint64MaxLayersIsOutOfRangeNotMinusOne) {
  HostileModel m;
  m.write("config.json", [&] {
    std::string text = m.config().dump();
    const std::string key = "\"num_hidden_layers\":";
    const size_t at = text.find(key) + key.size();
    const size_t end = text.find_first_of(",}", at);
    return text.replace(at, end - at, "18446744073709551615");
  }());
  const TimedResult r = run_timed(info(m));
  expect_refused(r, {"num_hidden_layers", "out of range", "18446744073709551615"});
  EXPECT_EQ(r.result.error.find("-1"), std::string::npos) << r.result.error;
}

TEST(HostileMessages, FloatLayersBeyondInt64IsOutOfRange) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["num_hidden_layers"] = 1e300; });
  expect_refused(run_timed(info(m)), {"num_hidden_layers", "out of range"});
}

TEST(HostileMessages, WrongTypeInTokenizerConfigOfLegacyVocab) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  m.write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\n");
  m.write("tokenizer_config.json", "{\"do_lower_case\": \"yes\"}");
  expect_refused(run_timed(tokenize(m)), {"tokenizer_config.json", "do_lower_case", "'yes'"});
}

TEST(HostileMessages, LegacyBpeVocabWithNonIntegerId) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  fs::remove(m.dir_path() / "tokenizer_config.json");
  m.write("vocab.json", "{\"a\": 0, \"<|endoftext|>\": \"zero\"}");
  m.write("merges.txt", "#version: 0.2\n");
  expect_refused(run_timed(tokenize(m)), {"vocab.json", "<|endoftext|>"});
}

TEST(HostileMessages, LegacyBpeVocabInvalidJson) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  m.write("vocab.json", "{\"a\": 0,");
  m.write("merges.txt", "#version: 0.2\n");
  expect_refused(run_timed(tokenize(m)), {"vocab.json", "invalid JSON"});
}

TEST(HostileMessages, SentencePieceGarbageHasNoLibraryInternals) {  // TK-5
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  m.write("tokenizer.model", std::string("\x0a\xff\xff\xff\xff\x0f garbage", 15));
  expect_refused(run_timed(tokenize(m)), {"tokenizer.model", "SentencePiece"});
}

TEST(HostileMessages, SentencePieceRandomBytes) {  // TK-5
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  std::string bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1664525u + 1013904223u;
    bytes += static_cast<char>(x >> 24);
  }
  m.write("tokenizer.model", bytes);
  expect_refused(run_timed(tokenize(m)), {"tokenizer.model"});
}

TEST(HostileMessages, SentencePieceHugePieceRefusedBeforeTheLibrary) {  // TK-5
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  // ModelProto { pieces { piece: "xxxx..." (200 KB) score: 0 } }
  const std::string piece(200000, 'x');
  auto varint = [](uint64_t v) {
    std::string out;
    do {
      out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
      v >>= 7;
    } while (v != 0);
    return out;
  };
  const std::string inner = "\x0a" + varint(piece.size()) + piece + std::string("\x15\0\0\0\0", 5);
  m.write("tokenizer.model", "\x0a" + varint(inner.size()) + inner);
  expect_refused(run_timed(tokenize(m)), {"tokenizer.model", "200000 bytes", "limit"});
}

TEST(HostileMessages, NonFloatWeightDtypeHasNoFunctionNames) {
  HostileModel m;
  const std::string path = m.file("model.safetensors");
  SafetensorsWriter w;
  {
    const SafetensorsFile file(path);
    for (const TensorInfo& info : file.tensors()) {
      if (info.name.find("layers.0.self_attn.q_proj.weight") != std::string::npos) {
        std::vector<int64_t> zeros(static_cast<size_t>(info.numel()), 0);
        w.add_i64(info.name, info.shape, zeros);
      } else {
        w.add_f32(info.name, file.load_f32(info.name), info.dtype);
      }
    }
  }
  fs::remove(path);
  w.write(path);
  expect_refused(run_timed(attention(m)), {"q_proj", "I64", "not a float type"});
}

// ---- slow: long texts tokenize in bounded time ------------------------------------------------

TEST(HostileSpeed, TwoMegabyteSingleLineTextIsFast) {  // TK-1 (the 10 MB case: docs)
  HostileModel m;
  const std::string path = m.tmp().write("long.txt", std::string(2 << 20, 'a'));
  const TimedResult r =
      run_timed({"tokenize", "--model", m.dir(), "--input", path, "--format", "json"});
  EXPECT_EQ(r.result.exit_code, 0) << r.result.error;
  EXPECT_LT(r.seconds, kMaxSeconds);
}

TEST(HostileSpeed, TextOverTheLimitRefusedCleanly) {
  HostileModel m;
  const std::string path =
      m.tmp().write("huge.txt", std::string(static_cast<size_t>(limits::kMaxTextBytes) + 1, 'a'));
  expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", path}),
                 {"too long", std::to_string(limits::kMaxTextBytes)});
}

TEST(HostileSpeed, InvalidUtf8TextRefused) {  // TK-3
  HostileModel m;
  for (const std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF0\x9F\x98"}) {
    const std::string path = m.tmp().write("bad.txt", "ok " + bad + " ok");
    expect_refused(run_timed({"tokenize", "--model", m.dir(), "--input", path}),
                   {"not valid UTF-8"});
  }
}

}  // namespace
}  // namespace attnscope::hostile
