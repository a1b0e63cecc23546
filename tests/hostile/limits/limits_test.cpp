// Every named limit of core/limits.h tested at and one past its value, and the rules behind them
// (issue #12): JSON depth at parse time, bounded quoting of user data in messages, no library
// texts, only regular files read, sizes checked with checked arithmetic, `expected_tensors`
// (what `info` counts parameters from) without allocating.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "core/limits.h"
#include "core/mapped_file.h"
#include "core/memory.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "model/arch.h"
#include "ops/softmax.h"
#include "support/temp_dir.h"
#include "tokenizer/tokenizer.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ---- quote(): bounded, escaped user data ------------------------------------------------------

TEST(Quote, ShortTextQuotedAsIs) { EXPECT_EQ(quote("llama"), "'llama'"); }

TEST(Quote, LongTextCutAtTheLimitWithItsLength) {
  const std::string q = quote(std::string(50 << 20, 'q'));
  EXPECT_EQ(q, "'" + std::string(limits::kMaxQuotedChars, 'q') + "...' (52428800 bytes)");
  EXPECT_EQ(quote(std::string(limits::kMaxQuotedChars, 'q')),
            "'" + std::string(limits::kMaxQuotedChars, 'q') + "'");
}

TEST(Quote, ControlBytesAndInvalidUtf8Escaped) {
  EXPECT_EQ(quote("a\nb\x01"), "'a\\nb\\x01'");
  EXPECT_EQ(quote("\xff\xC0\xAF"), "'\\xff\\xc0\\xaf'");
  EXPECT_EQ(quote("caf\xC3\xA9"), "'caf\xC3\xA9'");  // valid UTF-8 kept
}

TEST(Quote, CutsOnCharacterBoundaries) {
  std::string text;
  for (int k = 0; k < 100; ++k) text += "\xC3\xA9";
  const std::string q = quote(text, 3);
  EXPECT_EQ(q, "'\xC3\xA9\xC3\xA9\xC3\xA9...' (200 bytes)");
}

// ---- JSON depth, messages, brief values -------------------------------------------------------

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepth, AtTheLimitAccepted) {
  EXPECT_NO_THROW(parse_json_text(nested(limits::kMaxJsonDepth), "x.json"));
}

TEST(JsonDepth, OnePastTheLimitRefused) {
  const std::string e =
      error_of([] { parse_json_text(nested(limits::kMaxJsonDepth + 1), "x.json"); });
  EXPECT_NE(e.find("x.json: JSON nests deeper than 128 levels (at byte 128)"), std::string::npos)
      << e;
}

TEST(JsonDepth, BracketsInsideStringsDoNotCount) {
  const std::string text = "{\"a\": \"" + std::string(1000, '[') + "\\\"[[\"}";
  EXPECT_NO_THROW(parse_json_text(text, "x.json"));
}

TEST(JsonDepth, ObjectsCountToo) {
  const std::string text = std::string(200, '{') + std::string(200, '}');
  EXPECT_NE(error_of([&] { parse_json_text(text, "x.json"); }).find("nests deeper"),
            std::string::npos);
}

// Attack pass, session 4: the parser stopped at a NUL byte, so "{...}\0<anything>" parsed as
// "{...}" (a polyglot; config.json, .jsonl lines, safetensors headers, request bodies alike).
TEST(JsonNul, TrailingGarbageAfterANulRefused) {
  const std::string text = std::string("{\"a\": 1}\0", 9) + "not json {{{";
  const std::string e = error_of([&] { parse_json_text(text, "c.json", 8); });
  EXPECT_NE(e.find("c.json: invalid JSON: a NUL byte"), std::string::npos) << e;
  EXPECT_NE(e.find("at byte 16"), std::string::npos) << e;
}

TEST(JsonNul, NulAnywhereRefused) {
  EXPECT_NE(error_of([] { parse_json_text(std::string("\0{}", 3), "c.json"); }).find("NUL"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { parse_json_text(std::string("{\"a\": \"x\0y\"}", 12), "c.json"); }).find("NUL"),
      std::string::npos);
  EXPECT_NO_THROW(parse_json_text("{\"a\": \"x\\u0000y\"}", "c.json"));  // escaped is fine
}

TEST(JsonMessages, NoLibraryPrefixAndShortLastRead) {
  const std::string e =
      error_of([] { parse_json_text("{\"a\": \"" + std::string(1 << 20, 'x'), "t.json"); });
  EXPECT_EQ(e.find("json.exception"), std::string::npos) << e;
  EXPECT_NE(e.find("t.json: invalid JSON: parse error at line 1"), std::string::npos) << e;
  EXPECT_LT(e.size(), 400u) << e;
}

TEST(JsonMessages, NumberOutOfRange) {
  const std::string e = error_of([] { parse_json_text("[1e999]", "t.json"); });
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
  EXPECT_EQ(e.find("json.exception"), std::string::npos) << e;
}

TEST(JsonBrief, ContainersByKindNeverDumped) {
  EXPECT_EQ(json_brief(nlohmann::json::parse(nested(100))), "an array of 1 element");
  EXPECT_EQ(json_brief(nlohmann::json::object({{"a", 1}, {"b", 2}})), "an object of 2 keys");
  EXPECT_EQ(json_brief("x"), "'x'");
  EXPECT_EQ(json_brief(7), "7");
  EXPECT_EQ(json_brief(std::string(1000, 's')).size(), 2 + 80 + 3 + 13);
}

TEST(JsonFields, WrongTypesNameFileAndKey) {
  const nlohmann::json j = {{"flag", "yes"}, {"name", 3}};
  EXPECT_EQ(error_of([&] { json_bool_or(j, "flag", false, "c.json"); }),
            "c.json: 'flag': expected true or false, got 'yes'");
  EXPECT_EQ(error_of([&] { json_string_or(j, "name", "", "c.json"); }),
            "c.json: 'name': expected a string, got 3");
  EXPECT_TRUE(json_bool_or(j, "absent", true, "c.json"));
}

// ---- only regular files ----------------------------------------------------------------------

TEST(RegularFiles, DevZeroRefusedAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  const std::string e = error_of([] { read_file("/dev/zero"); });
  EXPECT_EQ(e, "/dev/zero: is a character device, not a regular file");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(RegularFiles, FifoRefusedWithoutBlocking) {
  TempDir dir("limits");
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error_of([&] { read_file(fifo); }), fifo + ": is a pipe (FIFO), not a regular file");
  EXPECT_EQ(error_of([&] { MappedFile mapped(fifo); }),
            fifo + ": is a pipe (FIFO), not a regular file");
}

TEST(RegularFiles, FolderAndLinkLoopAndMissing) {
  TempDir dir("limits");
  EXPECT_EQ(error_of([&] { read_file(dir.path().string()); }),
            dir.path().string() + ": is a folder, not a regular file");
  const std::string loop = dir.file("loop");
  fs::create_symlink("loop", loop);
  EXPECT_EQ(error_of([&] { read_file(loop); }), loop + ": cannot open: a symbolic link loop");
  EXPECT_EQ(error_of([&] { read_file(dir.file("none")); }), dir.file("none") + ": does not exist");
}

TEST(RegularFiles, SizeCapAtAndOnePast) {
  TempDir dir("limits");
  const std::string path = dir.write("ten", "0123456789");
  EXPECT_EQ(read_file(path, 10), "0123456789");
  const std::string e = error_of([&] { read_file(path, 9); });
  EXPECT_NE(e.find("file is 10 bytes; the limit is 9"), std::string::npos) << e;
}

// ---- checked arithmetic ----------------------------------------------------------------------

TEST(CheckedArithmetic, OverflowIsALimitError) {
  EXPECT_EQ(checked_mul(int64_t{1} << 31, int64_t{1} << 31, "x"), int64_t{1} << 62);
  EXPECT_THROW(checked_mul(int64_t{1} << 32, int64_t{1} << 31, "x"), LimitError);
  EXPECT_THROW(checked_mul(-1, 2, "x"), LimitError);
  EXPECT_EQ(checked_add(INT64_MAX - 1, 1, "x"), INT64_MAX);
  EXPECT_THROW(checked_add(INT64_MAX, 1, "x"), LimitError);
  EXPECT_NO_THROW(check_limit("n", int64_t{5}, int64_t{5}));
  EXPECT_EQ(error_of([] { check_limit("n", int64_t{6}, int64_t{5}); }), "n is 6; the limit is 5");
}

// ---- config.json size limits, each at and one past ---------------------------------------------

struct ConfigLimit {
  const char* key;
  int64_t limit;
  nlohmann::json base;  // edits that keep the config valid at the limit
};

nlohmann::json llama_example() {
  return nlohmann::json::parse(arch_by_family("llama").example_config);
}

std::vector<ConfigLimit> config_limits() {
  return {
      {"num_hidden_layers", limits::kMaxLayers, {}},
      {"vocab_size", limits::kMaxVocabSize, {}},
      {"hidden_size",
       limits::kMaxHiddenSize,
       {{"num_attention_heads", 16}, {"num_key_value_heads", 16}}},
      {"num_attention_heads",
       limits::kMaxHeads,
       {{"hidden_size", limits::kMaxHeads * 8}, {"num_key_value_heads", 1}}},
      {"num_key_value_heads",
       limits::kMaxHeads,
       {{"hidden_size", limits::kMaxHeads * 8}, {"num_attention_heads", limits::kMaxHeads}}},
      {"head_dim", limits::kMaxHeadDim, {}},
      {"intermediate_size", limits::kMaxIntermediateSize, {}},
      {"max_position_embeddings", limits::kMaxPositions, {}},
  };
}

class ConfigLimits : public ::testing::TestWithParam<size_t> {};

TEST_P(ConfigLimits, AtTheLimitAcceptedOnePastRefused) {
  const ConfigLimit c = config_limits()[GetParam()];
  nlohmann::json config = llama_example();
  for (const auto& [k, v] : c.base.items()) config[k] = v;
  config[c.key] = c.limit;
  const ArchSpec& arch = find_arch(config);
  ModelConfig parsed;
  ASSERT_NO_THROW(parsed = arch.parse_config(config)) << c.key;
  // Counting its parameters allocates nothing, however large.
  int64_t parameters = 0;
  for (const auto& t : expected_tensors(arch, parsed, false)) parameters += shape_numel(t.shape);
  EXPECT_GT(parameters, 0);
  EXPECT_LT(peak_rss_bytes(), uint64_t{1} << 30);

  config[c.key] = c.limit + 1;
  const std::string e = error_of([&] { arch.parse_config(config); });
  EXPECT_NE(e.find(std::string("config '") + c.key + "'"), std::string::npos) << e;
  EXPECT_NE(e.find("above the limit of " + std::to_string(c.limit)), std::string::npos) << e;
}

INSTANTIATE_TEST_SUITE_P(EachSize, ConfigLimits, ::testing::Range<size_t>(0, 8),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(config_limits()[info.param].key);
                         });

TEST(ConfigLimitsBert, TypeVocabAtAndOnePast) {
  nlohmann::json config = nlohmann::json::parse(arch_by_family("bert").example_config);
  config["type_vocab_size"] = limits::kMaxTypeVocabSize;
  EXPECT_NO_THROW(find_arch(config).parse_config(config));
  config["type_vocab_size"] = limits::kMaxTypeVocabSize + 1;
  EXPECT_NE(error_of([&] { find_arch(config).parse_config(config); }).find("type_vocab_size"),
            std::string::npos);
}

TEST(ConfigValues, IntegersOutOfRangeSaySo) {
  nlohmann::json config = llama_example();
  config["num_hidden_layers"] = UINT64_MAX;
  EXPECT_EQ(error_of([&] { find_arch(config).parse_config(config); }),
            "config 'num_hidden_layers': is out of range: 18446744073709551615 does not fit in a "
            "64-bit integer");
  config["num_hidden_layers"] = 9.3e18;
  EXPECT_NE(error_of([&] { find_arch(config).parse_config(config); }).find("out of range"),
            std::string::npos);
}

// ---- tokenizer limits ---------------------------------------------------------------------------

std::string word_level(const nlohmann::json& vocab, const nlohmann::json& extra = {}) {
  nlohmann::json t = {{"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "u"}}},
                      {"pre_tokenizer", {{"type", "WhitespaceSplit"}}}};
  for (const auto& [k, v] : extra.items()) t[k] = v;
  return t.dump();
}

TEST(TokenizerLimits, TokenIdOnePastTheVocabLimitRefused) {
  const std::string e = error_of([] {
    Tokenizer::from_tokenizer_json_text(word_level({{"u", 0}, {"x", limits::kMaxVocabSize}}),
                                        "tok.json");
  });
  EXPECT_NE(e.find("token ids must be in [0, 4194304)"), std::string::npos) << e;
}

TEST(TokenizerLimits, TokenIdBelowTheLimitAccepted) {
  // The table is sized by the largest id: 2^20 entries here, a few MB.
  const Tokenizer t = Tokenizer::from_tokenizer_json_text(
      word_level({{"u", 0}, {"x", (limits::kMaxVocabSize / 4) - 1}}), "tok.json");
  EXPECT_EQ(t.token_to_id("x"), limits::kMaxVocabSize / 4 - 1);
}

TEST(TokenizerLimits, TokenBytesAtAndOnePast) {
  const std::string at(static_cast<size_t>(limits::kMaxTokenBytes), 'p');
  EXPECT_NO_THROW(Tokenizer::from_tokenizer_json_text(word_level({{"u", 0}, {at, 1}}), "t.json"));
  const std::string e = error_of([&] {
    Tokenizer::from_tokenizer_json_text(word_level({{"u", 0}, {at + "p", 1}}), "t.json");
  });
  EXPECT_NE(e.find("65537 bytes"), std::string::npos) << e;
}

TEST(TokenizerLimits, PaddingLengthAtAndOnePast) {
  auto padded = [](int64_t n) {
    return word_level(
        {{"u", 0}, {"x", 1}},
        {{"padding", {{"strategy", {{"Fixed", n}}}, {"pad_id", 0}, {"pad_token", "u"}}}});
  };
  EXPECT_NO_THROW(Tokenizer::from_tokenizer_json_text(padded(limits::kMaxPaddingLength), "t.json"));
  const std::string e = error_of([&] {
    Tokenizer::from_tokenizer_json_text(padded(limits::kMaxPaddingLength + 1), "t.json");
  });
  EXPECT_NE(e.find("padding lengths must be in [0, 1048576]"), std::string::npos) << e;
}

TEST(TokenizerLimits, TextBytesOnePastRefused) {
  const Tokenizer t =
      Tokenizer::from_tokenizer_json_text(word_level({{"u", 0}, {"x", 1}}), "t.json");
  const std::string text(static_cast<size_t>(limits::kMaxTextBytes) + 1, ' ');
  const std::string e = error_of([&] { t.encode(text); });
  EXPECT_NE(e.find("too long to tokenize; the limit is 67108864 bytes"), std::string::npos) << e;
}

TEST(TokenizerLimits, TextBytesAtTheLimitAccepted) {
  const Tokenizer t =
      Tokenizer::from_tokenizer_json_text(word_level({{"u", 0}, {"x", 1}}), "t.json");
  // Spaces only: the whole limit passes through the pipeline and yields no tokens.
  const std::string text(static_cast<size_t>(limits::kMaxTextBytes), ' ');
  EXPECT_EQ(t.encode(text, false).ids.size(), 0u);
}

// ---- attention rows that stop being finite ----------------------------------------------------

TEST(NonFinite, SoftmaxReportsInsteadOfZeros) {
  std::vector<float> row = {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
  EXPECT_FALSE(ops::softmax_row_range(row.data(), 3, 0, 3, nullptr));
  std::vector<float> inf_row = {1.0f, std::numeric_limits<float>::infinity(), 2.0f};
  EXPECT_FALSE(ops::softmax_row_range(inf_row.data(), 3, 0, 3, nullptr));
  const float ninf = -std::numeric_limits<float>::infinity();
  std::vector<float> overflow = {ninf, ninf};
  EXPECT_FALSE(ops::softmax_row_range(overflow.data(), 2, 0, 2, nullptr));
  EXPECT_TRUE(std::isnan(overflow[0]));
  // Every visible key padded: a legitimate all-zero row.
  std::vector<float> padded = {0.5f, 0.5f};
  const std::vector<float> bias = {ninf, ninf};
  EXPECT_TRUE(ops::softmax_row_range(padded.data(), 2, 0, 2, bias.data()));
  EXPECT_EQ(padded, (std::vector<float>{0.0f, 0.0f}));
  std::vector<float> fine = {0.0f, 0.0f};
  EXPECT_TRUE(ops::softmax_row_range(fine.data(), 2, 0, 2, nullptr));
  EXPECT_FLOAT_EQ(fine[0], 0.5f);
}

}  // namespace
}  // namespace attnscope
