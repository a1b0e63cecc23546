// RELIABILITY.md section 1 (ST-) and section 3 (TK-) cases through the CLI: every handcrafted
// safetensors file of ST-1/ST-3 as a model's weights (`info`), and the tokenizer cases of TK-1,
// TK-2 and TK-5 as a model's tokenizer (`tokenize`).
#include <cstring>

#include "hostile/support/bpe_tokenizer.h"
#include "hostile/support/hostile.h"

namespace attnscope::hostile {
namespace {

// ---- ST-1 / ST-3: one file per row of the safetensors validation table ------------------------

struct StCase {
  const char* name;
  std::string bytes;
  std::vector<std::string_view> words;
};

std::string f32_entry(const std::string& name, const std::string& shape, uint64_t begin,
                      uint64_t end) {
  return "\"" + name + "\": {\"dtype\": \"F32\", \"shape\": " + shape + ", \"data_offsets\": [" +
         std::to_string(begin) + ", " + std::to_string(end) + "]}";
}

std::vector<StCase> st_cases() {
  const std::string one = f32_entry("a", "[2]", 0, 8);
  const std::string data8(8, '\0');
  std::vector<StCase> cases;
  cases.push_back({"length_past_end", safetensors_bytes("{}", "", 4096), {"past the end"}});
  cases.push_back(
      {"length_2_64_minus_1", safetensors_bytes("{}", "", UINT64_MAX), {"exceeds the limit"}});
  cases.push_back(
      {"length_100000001", safetensors_bytes("{}", "", 100000001), {"exceeds the limit"}});
  cases.push_back({"seven_byte_file", std::string(7, '\0'), {"shorter than the 8-byte"}});
  cases.push_back({"empty_file", "", {"shorter than the 8-byte"}});
  cases.push_back({"no_leading_brace", safetensors_bytes(" {}"), {"does not start with '{'"}});
  cases.push_back({"array_header", safetensors_bytes("[]"), {"does not start with '{'"}});
  cases.push_back({"invalid_utf8", safetensors_bytes("{\"\xff\": 1}"), {"invalid JSON"}});
  cases.push_back({"truncated_json", safetensors_bytes("{\"a\": {\"dtype\""), {"invalid JSON"}});
  cases.push_back({"overlap",
                   safetensors_bytes("{" + one + ", " + f32_entry("b", "[2]", 4, 12) + "}",
                                     std::string(12, '\0')),
                   {"overlap"}});
  cases.push_back({"gap",
                   safetensors_bytes("{" + one + ", " + f32_entry("b", "[2]", 12, 20) + "}",
                                     std::string(20, '\0')),
                   {"gap"}});
  cases.push_back({"end_before_begin",
                   safetensors_bytes("{" + f32_entry("a", "[2]", 8, 0) + "}", data8),
                   {"is after end"}});
  cases.push_back(
      {"first_not_zero",
       safetensors_bytes("{" + f32_entry("a", "[2]", 4, 12) + "}", std::string(12, '\0')),
       {"gap"}});
  cases.push_back(
      {"shape_product_overflow",
       safetensors_bytes("{" + f32_entry("a", "[2, 9223372036854775807]", 0, 8) + "}", data8),
       {"int64"}});
  cases.push_back(
      {"overflow_after_dtype_size",
       safetensors_bytes("{" + f32_entry("a", "[4611686018427387904]", 0, 8) + "}", data8),
       {"more than 2^64"}});
  cases.push_back({"nbytes_not_span",
                   safetensors_bytes("{" + f32_entry("a", "[3]", 0, 8) + "}", data8),
                   {"size mismatch"}});
  cases.push_back(
      {"trailing_bytes", safetensors_bytes("{" + one + "}", data8 + "polyglot"), {"trailing"}});
  cases.push_back(
      {"one_byte_missing", safetensors_bytes("{" + one + "}", std::string(7, '\0')), {"past"}});
  // ST-3: rejected by the spec.
  cases.push_back({"metadata_not_strings",
                   safetensors_bytes("{\"__metadata__\": {\"k\": 1}}"),
                   {"__metadata__"}});
  cases.push_back({"unknown_dtype",
                   safetensors_bytes("{\"a\": {\"dtype\": \"F7\", \"shape\": [1], "
                                     "\"data_offsets\": [0, 1]}}",
                                     "x"),
                   {"unknown dtype"}});
  cases.push_back(
      {"duplicate_names", safetensors_bytes("{" + one + ", " + one + "}", data8), {"duplicate"}});
  cases.push_back({"negative_shape",
                   safetensors_bytes("{" + f32_entry("a", "[-2]", 0, 8) + "}", data8),
                   {"non-negative integers"}});
  cases.push_back({"float_offset",
                   safetensors_bytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], "
                                     "\"data_offsets\": [0, 8.0]}}",
                                     data8),
                   {"data_offsets"}});
  cases.push_back({"huge_offsets_list",
                   safetensors_bytes(
                       "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], "
                       "\"data_offsets\": [" +
                           [] {
                             std::string s = "0";
                             for (int k = 0; k < 20000; ++k) s += ",1";
                             return s;
                           }() +
                           "]}}",
                       data8),
                   {"data_offsets", "an array of 20001 elements"}});
  cases.push_back(
      {"long_tensor_name",
       safetensors_bytes("{" + f32_entry(std::string(100000, 'n'), "[3]", 0, 8) + "}", data8),
       {"size mismatch", "(100000 bytes)"}});
  return cases;
}

class HostileSafetensors : public ::testing::TestWithParam<size_t> {};

TEST_P(HostileSafetensors, RefusedWithItsOwnMessage) {
  const StCase c = st_cases()[GetParam()];
  HostileModel m;
  m.write("model.safetensors", c.bytes);
  const TimedResult r = run_timed({"info", "--model", m.dir()});
  expect_refused(r, {"model.safetensors"});
  for (std::string_view word : c.words) {
    EXPECT_NE(r.result.error.find(word), std::string::npos)
        << c.name << ": '" << word << "' missing from " << r.result.error;
  }
}

INSTANTIATE_TEST_SUITE_P(St1St3, HostileSafetensors, ::testing::Range<size_t>(0, 25),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::string(st_cases()[info.param].name);
                         });

TEST(HostileSafetensorsCount, EveryCaseIsInstantiated) { EXPECT_EQ(st_cases().size(), 25u); }

// ---- TK-1: long inputs in bounded time --------------------------------------------------------

// A model folder whose tokenizer is the byte-level BPE of bpe_tokenizer.h.
class BpeModel : public HostileModel {
 public:
  explicit BpeModel(bool use_regex = true) {
    write("tokenizer.json", bpe_tokenizer_json(use_regex).dump());
  }
};

double tokenize_seconds(const BpeModel& m, const std::string& text) {
  const std::string path = m.tmp().write("in.txt", text);
  const TimedResult r =
      run_timed({"tokenize", "--model", m.dir(), "--input", path, "--format", "json"});
  EXPECT_EQ(r.result.exit_code, 0) << r.result.error.substr(0, 300);
  EXPECT_LT(r.seconds, kMaxSeconds);
  return r.seconds;
}

std::string repeat(std::string_view unit, size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

TEST(HostileTk1, OneMegabyteOfOneLetter) {
  BpeModel m;
  tokenize_seconds(m, std::string(1 << 20, 'a'));
}

TEST(HostileTk1, OneMegabyteWithoutWhitespaceOneWord) {
  BpeModel m(/*use_regex=*/false);  // no split: the BPE model sees one 1 MB word
  tokenize_seconds(m, std::string(1 << 20, 'a'));
}

TEST(HostileTk1, OneMegabyteOfOneEmoji) {
  BpeModel m;
  tokenize_seconds(m, repeat("\xF0\x9F\x98\x80", 1 << 20));
}

TEST(HostileTk1, OneMegabyteOfCombiningMarks) {
  BpeModel m;
  tokenize_seconds(m, "e" + repeat("\xCC\x81", 1 << 20));
}

TEST(HostileTk1, ScalesAtMostNLogN) {
  BpeModel m(/*use_regex=*/false);
  // Warm up, then 100k -> 1M characters of one word: at most 30x for 10x more (n log n is about
  // 12x). The fastest of three runs of each size, so a busy shared machine does not decide the
  // ratio; a quadratic tokenizer takes 100x, still far outside the bound.
  tokenize_seconds(m, std::string(1000, 'a'));
  const auto fastest = [&m](size_t n) {
    double best = tokenize_seconds(m, std::string(n, 'a'));
    for (int run = 0; run < 2; ++run)
      best = std::min(best, tokenize_seconds(m, std::string(n, 'a')));
    return best;
  };
  const double small = fastest(100000);
  const double large = fastest(1000000);
  EXPECT_LT(large, 30 * std::max(small, 0.02)) << small << " s -> " << large << " s";
}

// ---- TK-2: regexes from tokenizer.json are untrusted -------------------------------------------

TEST(HostileTk2, CatastrophicSplitRegexIsBounded) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["pre_tokenizer"] = {{"type", "Split"},
                          {"pattern", {{"Regex", "(a+)+$"}}},
                          {"behavior", "Isolated"},
                          {"invert", false}};
  });
  const TimedResult r = run_timed(tokenize(m, std::string(30, 'a') + "b"));
  // Either tokenized (a linear engine or a match limit) or refused cleanly; never a hang.
  if (r.result.exit_code != 0) expect_refused(r, {});
  EXPECT_LT(r.seconds, 5.0);
}

TEST(HostileTk2, InvalidRegexRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["pre_tokenizer"] = {{"type", "Split"},
                          {"pattern", {{"Regex", "(unclosed"}}},
                          {"behavior", "Isolated"},
                          {"invert", false}};
  });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json"});
}

// ---- TK-5: hostile tokenizer files ------------------------------------------------------------

TEST(HostileTk5, OneMegabytePieceRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) { t["model"]["vocab"][std::string(1 << 20, 'p')] = 7; });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "1048576 bytes", "limit"});
}

TEST(HostileTk5, NulInAPieceIsHarmless) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) { t["model"]["vocab"][std::string("a\0b", 3)] = 9999; });
  const TimedResult r = run_timed(tokenize(m));
  if (r.result.exit_code != 0) expect_refused(r, {"tokenizer.json"});
}

TEST(HostileTk5, MergesNamingUnknownTokensRefused) {
  HostileModel m;
  m.write("tokenizer.json", [] {
    nlohmann::json t = bpe_tokenizer_json();
    t["model"]["merges"].push_back("zzz qqq");
    return t.dump();
  }());
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "merges"});
}

TEST(HostileTk5, DuplicateIdsHandled) {
  HostileModel m;
  m.edit_tokenizer(
      [](nlohmann::json& t) { t["model"]["vocab"]["cat2"] = t["model"]["vocab"]["cat"]; });
  const TimedResult r = run_timed(tokenize(m));
  if (r.result.exit_code != 0) expect_refused(r, {"tokenizer.json"});
}

TEST(HostileTk5, UnigramUnkIdOutOfRangeRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["model"] = {{"type", "Unigram"},
                  {"unk_id", 99},
                  {"vocab", nlohmann::json::array({nlohmann::json::array({"<unk>", 0.0}),
                                                   nlohmann::json::array({"a", -1.0})})}};
  });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "unk_id"});
}

TEST(HostileTk5, UnigramUnkIdHugeRefused) {
  HostileModel m;
  nlohmann::json t = m.tokenizer();
  t["model"] = {{"type", "Unigram"},
                {"unk_id", 0},
                {"vocab", nlohmann::json::array({nlohmann::json::array({"<unk>", 0.0}),
                                                 nlohmann::json::array({"a", -1.0})})}};
  std::string text = t.dump();
  const std::string key = "\"unk_id\":0";
  m.write("tokenizer.json",
          text.replace(text.find(key), key.size(), "\"unk_id\":18446744073709551615"));
  expect_refused(run_timed(tokenize(m)), {"unk_id", "out of range"});
}

TEST(HostileTk5, VocabNotAnObjectRefused) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) { t["model"]["vocab"] = nlohmann::json::array({1, 2}); });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "vocab"});
}

TEST(HostileTk5, TruncatedSentencePieceModelRefused) {
  HostileModel m;
  fs::remove(m.dir_path() / "tokenizer.json");
  // A pieces field declaring 100 bytes with 3 present.
  m.write("tokenizer.model", std::string("\x0a\x64\x0a\x01x", 5));
  expect_refused(run_timed(tokenize(m)), {"tokenizer.model", "truncated"});
}

// Pieces the library's trie builder would throw on through a noexcept frame (std::terminate).
TEST(HostileTk5, EmptyOrNulSentencePiecesRefused) {
  // ModelProto { pieces { piece: P } pieces { piece: "b" } }, P as given.
  const auto model_with_piece = [](const std::string& piece) {
    const std::string first = std::string("\x0a") + static_cast<char>(piece.size()) + piece;
    return std::string("\x0a") + static_cast<char>(first.size()) + first +
           std::string(
               "\x0a\x03\x0a\x01"
               "b",
               5);
  };
  const std::pair<std::string, const char*> cases[] = {
      {"", "piece 0 is empty"},
      {std::string("a\0c", 3), "piece 0 contains a NUL byte"},
      {"b", "piece 1 'b' repeats piece 0"},
  };
  for (const auto& [piece, message] : cases) {
    HostileModel m;
    fs::remove(m.dir_path() / "tokenizer.json");
    m.write("tokenizer.model", model_with_piece(piece));
    expect_refused(run_timed(tokenize(m)), {"tokenizer.model", message});
  }
}

TEST(HostileTk5, UnknownComponentTypeQuotedShort) {
  HostileModel m;
  m.edit_tokenizer([](nlohmann::json& t) {
    t["normalizer"] = {{"type", std::string(100000, 'T')}};
  });
  expect_refused(run_timed(tokenize(m)), {"tokenizer.json", "normalizer", "not supported"});
}

// ---- TK-6: config.json counts positive, capped, consistent, typed ------------------------------

TEST(HostileTk6, NonPositiveCountsRefused) {
  for (const char* key :
       {"num_hidden_layers", "num_attention_heads", "hidden_size", "vocab_size"}) {
    HostileModel m;
    m.edit_config([&](nlohmann::json& c) { c[key] = 0; });
    expect_refused(run_timed(info(m)), {key, "positive"});
  }
}

TEST(HostileTk6, HiddenNotDivisibleByHeadsRefused) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) {
    c.erase("head_dim");
    c["num_attention_heads"] = 7;
    c["num_key_value_heads"] = 7;
  });
  expect_refused(run_timed(info(m)), {"num_attention_heads", "divide"});
}

TEST(HostileTk6, WrongTypesRejectedNotCoerced) {
  HostileModel m;
  m.edit_config([](nlohmann::json& c) { c["num_hidden_layers"] = "4"; });
  expect_refused(run_timed(info(m)), {"num_hidden_layers", "expected an integer", "'4'"});
  m.edit_config([](nlohmann::json& c) {
    c["num_hidden_layers"] = 4;
    c["tie_word_embeddings"] = "yes";
  });
  expect_refused(run_timed(info(m)), {"tie_word_embeddings", "true or false"});
}

TEST(HostileTk6, ShapesMustAgreeWithWeights) {
  HostileModel m;
  m.edit_config(
      [](nlohmann::json& c) { c["intermediate_size"] = c["intermediate_size"].get<int>() + 1; });
  expect_refused(run_timed({"attention", "--model", m.dir(), "--text", "the cat", "--out",
                            m.tmp().file("a.safetensors")}),
                 {"shape"});
}

}  // namespace
}  // namespace attnscope::hostile
