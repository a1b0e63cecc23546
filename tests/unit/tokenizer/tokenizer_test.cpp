// The public Tokenizer: error handling (invalid UTF-8, malformed tokenizer.json, catastrophic
// regexes), added-token options, truncation and padding, code point offsets, batches, and
// 1 MB inputs that must finish (no timing assertions: bench/tokenizer_bench.cpp measures speed).
#include "tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

// A small whitespace-split WordLevel tokenizer.json to hang options on.
nlohmann::json word_level_json() {
  return {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
      {"model",
       {{"type", "WordLevel"},
        {"unk_token", "<unk>"},
        {"vocab", {{"<unk>", 0}, {"hello", 1}, {"world", 2}, {"<pad>", 3}, {"[M]", 4}, {"x", 5}}}}},
      {"post_processor", nullptr},
      {"decoder", nullptr}};
}

Tokenizer from_json(const nlohmann::json& json) {
  return Tokenizer::from_tokenizer_json_text(json.dump(), "test/tokenizer.json");
}

nlohmann::json added(int64_t id, const std::string& content, bool lstrip, bool rstrip,
                     bool single_word, bool normalized) {
  return {{"id", id},         {"content", content}, {"single_word", single_word},
          {"lstrip", lstrip}, {"rstrip", rstrip},   {"normalized", normalized},
          {"special", true}};
}

TEST(Tokenizer, InvalidUtf8IsInputErrorWithOffset) {
  const Tokenizer tok = from_json(word_level_json());
  try {
    tok.encode("hello \xC3\x28 world");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 6"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tok.encode("\xED\xA0\x80"), InputError);  // a UTF-16 surrogate
  EXPECT_THROW(tok.encode("abc\xF0\x9F"), InputError);   // truncated at the end
}

TEST(Tokenizer, MalformedJsonIsFormatError) {
  try {
    Tokenizer::from_tokenizer_json_text("{\"model\": [1, 2", "bad.json");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(e.file(), "bad.json");
    EXPECT_GE(e.offset(), 0);
  }
  nlohmann::json j = word_level_json();
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "Bar"}}}}};
  try {
    from_json(j);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("normalizer.normalizers[1].type = 'Bar' is not supported"),
              std::string::npos)
        << e.what();
  }
  j = word_level_json();
  j["model"].erase("vocab");
  EXPECT_THROW(from_json(j), FormatError);
  j = word_level_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  try {
    from_json(j);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer.pattern.Regex"), std::string::npos)
        << e.what();
  }
}

TEST(Tokenizer, CatastrophicRegexHitsTheMatchLimit) {
  nlohmann::json j = word_level_json();
  j["pre_tokenizer"] = {
      {"type", "Split"}, {"pattern", {{"Regex", "(\\w+\\s?)+$"}}}, {"behavior", "Isolated"}};
  const Tokenizer tok = from_json(j);
  const std::string text = std::string(4000, 'a') + " aaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
  EXPECT_THROW(tok.encode(text), LimitError);
}

TEST(Tokenizer, AddedTokenOptions) {
  nlohmann::json j = word_level_json();
  j["added_tokens"] = nlohmann::json::array({added(4, "[M]", true, true, false, false)});
  Tokenizer tok = from_json(j);
  Encoding e = tok.encode("hello   [M]  world");
  EXPECT_EQ(e.ids, (std::vector<int64_t>{1, 4, 2}));
  // lstrip and rstrip make the token's span take the spaces around it.
  EXPECT_EQ(e.offsets[1], (std::pair<int64_t, int64_t>{5, 13}));

  j["added_tokens"] = nlohmann::json::array({added(5, "x", false, false, true, false)});
  tok = from_json(j);
  EXPECT_EQ(tok.encode("x hello").ids, (std::vector<int64_t>{5, 1}));
  EXPECT_EQ(tok.encode("xhello").ids, (std::vector<int64_t>{0}));  // not a single word

  // normalized=true tokens are matched after the normalizer.
  j = word_level_json();
  j["normalizer"] = {{"type", "Lowercase"}};
  j["added_tokens"] = nlohmann::json::array({added(4, "[M]", false, false, false, true)});
  tok = from_json(j);
  // The token's content is normalized too ("[m]"), then matched on the normalized text.
  EXPECT_EQ(tok.encode("hello [M]").ids, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(tok.encode("hello [m]").ids, (std::vector<int64_t>{1, 4}));
  j["added_tokens"] = nlohmann::json::array({added(4, "[M]", false, false, false, false)});
  tok = from_json(j);
  EXPECT_EQ(tok.encode("HELLO[M]").ids, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(tok.token_to_id("[M]"), 4);
  EXPECT_TRUE(tok.is_special(4));
}

TEST(Tokenizer, TruncationAndPadding) {
  nlohmann::json j = word_level_json();
  j["post_processor"] = {{"type", "BertProcessing"}, {"cls", {"x", 5}}, {"sep", {"<pad>", 3}}};
  j["truncation"] = {
      {"max_length", 4}, {"strategy", "LongestFirst"}, {"direction", "Right"}, {"stride", 0}};
  Tokenizer tok = from_json(j);
  EXPECT_EQ(tok.encode("hello world hello world").ids, (std::vector<int64_t>{5, 1, 2, 3}));
  EXPECT_EQ(tok.encode("hello world hello world", false).ids, (std::vector<int64_t>{1, 2, 1, 2}));
  j["truncation"]["direction"] = "Left";
  tok = from_json(j);
  EXPECT_EQ(tok.encode("hello world hello x").ids, (std::vector<int64_t>{5, 1, 5, 3}));

  j = word_level_json();
  j["padding"] = {
      {"strategy", {{"Fixed", 4}}}, {"direction", "Right"}, {"pad_id", 3}, {"pad_token", "<pad>"}};
  tok = from_json(j);
  const Encoding e = tok.encode("hello");
  EXPECT_EQ(e.ids, (std::vector<int64_t>{1, 3, 3, 3}));
  EXPECT_EQ(e.attention_mask, (std::vector<uint8_t>{1, 0, 0, 0}));
  j["padding"]["strategy"] = "BatchLongest";
  tok = from_json(j);
  const auto batch = tok.encode_batch({"hello", "hello world world"}, true, 2);
  EXPECT_EQ(batch[0].ids, (std::vector<int64_t>{1, 3, 3}));
  EXPECT_EQ(batch[1].ids, (std::vector<int64_t>{1, 2, 2}));
}

TEST(Tokenizer, DecodeRejectsUnknownIds) {
  const Tokenizer tok = from_json(word_level_json());
  const std::vector<int64_t> ids{1, 99};
  EXPECT_THROW(tok.decode(ids), InputError);
  EXPECT_THROW(tok.id_to_token(-1), InputError);
  EXPECT_EQ(tok.id_to_token(2), "world");
}

TEST(Tokenizer, MissingFolderIsIoError) {
  EXPECT_THROW(Tokenizer::load("/nonexistent/attnscope/model"), IoError);
}

// ---- Real tokenizers from the shared folder ----

TEST(TokenizerShared, OffsetsAreCodePoints) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const Tokenizer gpt2 = Tokenizer::load(shared / "models" / "gpt2");
  const Encoding e = gpt2.encode("né x");
  // "n", "é" (two bytes, one code point), " x"
  ASSERT_EQ(e.tokens.back(), "Ġx");
  EXPECT_EQ(e.offsets.back(), (std::pair<int64_t, int64_t>{2, 4}));
  const Tokenizer bert = Tokenizer::load(shared / "models" / "bert-base-uncased");
  const Encoding b = bert.encode("Café au lait");  // [CLS] cafe au lai ##t [SEP]
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b.tokens[1], "cafe");
  EXPECT_EQ(b.offsets[1], (std::pair<int64_t, int64_t>{0, 4}));
  EXPECT_EQ(b.offsets[4], (std::pair<int64_t, int64_t>{11, 12}));
  EXPECT_EQ(b.offsets[0], (std::pair<int64_t, int64_t>{0, 0}));  // [CLS]
  EXPECT_EQ(b.special_mask, (std::vector<uint8_t>{1, 0, 0, 0, 0, 1}));
}

TEST(TokenizerShared, BatchEqualsSequential) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const Tokenizer tok = Tokenizer::load(shared / "models" / "llama3-tokenizer");
  std::vector<std::string> texts;
  for (int i = 0; i < 64; ++i)
    texts.push_back("text number " + std::to_string(i * 7919) + " é 中文");
  const auto batch = tok.encode_batch(texts, true, 4);
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(batch[i].ids, tok.encode(texts[i]).ids);
}

// One megabyte of one character, and one long "word", through each tokenizer kind: must finish
// (BPE merges with a priority queue; regexes under limits; WordPiece's max word length).
TEST(TokenizerShared, OneMegabyteInputsFinish) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string same(1 << 20, 'a');
  std::string word;
  word.reserve(1 << 20);
  uint32_t state = 12345;
  while (word.size() < (1u << 20)) {
    state = state * 1103515245 + 12345;
    word.push_back(static_cast<char>('a' + (state >> 16) % 26));
  }
  const std::pair<const char*, TokenizerSource> cases[] = {
      {"gpt2", TokenizerSource::kTokenizerJson},
      {"bert-base-uncased", TokenizerSource::kTokenizerJson},
      {"llama2-tokenizer", TokenizerSource::kTokenizerJson},
      {"llama2-tokenizer", TokenizerSource::kSentencePiece},
      {"llama3-tokenizer", TokenizerSource::kTokenizerJson},
      {"qwen3-tokenizer", TokenizerSource::kTokenizerJson},
  };
  for (const auto& [folder, source] : cases) {
    const Tokenizer tok = Tokenizer::load(shared / "models" / folder, source);
    for (const std::string* text : std::vector<const std::string*>{&same, &word}) {
      const Encoding e = tok.encode(*text, false);
      ASSERT_FALSE(e.ids.empty()) << folder;
      EXPECT_EQ(e.offsets.back().second, static_cast<int64_t>(text->size())) << folder;
    }
  }
}

}  // namespace
}  // namespace attnscope
