// Token ids, ids without special tokens and token strings must equal Hugging Face's for every
// text of shared/golden/tokenizers/*.jsonl, through tokenizer.json and through the legacy files
// where a folder has both; plus llama.cpp's own vectors (golden/tokenizers/llamacpp), offsets
// that point at the text each token came from, and decode round trips.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/shared_data.h"
#include "tokenizer/byte_level_alphabet.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

#include <utf8proc.h>

namespace attnscope {
namespace {

struct GoldenCase {
  std::string golden;  // golden/tokenizers/<golden>.jsonl
  std::string folder;  // models/<folder>
  TokenizerSource source;
  std::string label;
};

std::ostream& operator<<(std::ostream& out, const GoldenCase& c) { return out << c.label; }

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

template <class T>
std::string describe_mismatch(const std::vector<T>& got, const std::vector<T>& want) {
  std::ostringstream out;
  const size_t n = std::min(got.size(), want.size());
  size_t i = 0;
  while (i < n && got[i] == want[i]) ++i;
  out << "first mismatch at index " << i << ": got ";
  if (i < got.size())
    out << got[i];
  else
    out << "(end)";
  out << ", expected ";
  if (i < want.size())
    out << want[i];
  else
    out << "(end)";
  out << " (sizes " << got.size() << " vs " << want.size() << ")";
  return out.str();
}

class TokenizerGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(TokenizerGolden, MatchesHuggingFace) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GoldenCase& c = GetParam();
  const Tokenizer tok = Tokenizer::load(shared / "models" / c.folder, c.source);
  const auto lines = read_jsonl(shared / "golden" / "tokenizers" / (c.golden + ".jsonl"));
  ASSERT_EQ(lines.size(), 60u);
  int failures = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    const std::string text = line["text"];
    const auto ids = line["ids"].get<std::vector<int64_t>>();
    const auto ids_no_special = line["ids_no_special"].get<std::vector<int64_t>>();
    const auto tokens = line["tokens"].get<std::vector<std::string>>();
    const Encoding with = tok.encode(text, true);
    const Encoding without = tok.encode(text, false);
    if (with.ids != ids) {
      ADD_FAILURE() << c.label << " text " << i << " " << nlohmann::json(text).dump()
                    << " ids: " << describe_mismatch(with.ids, ids);
      ++failures;
    }
    if (without.ids != ids_no_special) {
      ADD_FAILURE() << c.label << " text " << i << " " << nlohmann::json(text).dump()
                    << " ids_no_special: " << describe_mismatch(without.ids, ids_no_special);
      ++failures;
    }
    if (without.tokens != tokens) {
      ADD_FAILURE() << c.label << " text " << i << " " << nlohmann::json(text).dump()
                    << " tokens: " << describe_mismatch(without.tokens, tokens);
      ++failures;
    }
    if (failures > 10) break;
  }
}

// Case-folded, accent-free, whitespace-free form used to compare a token with its text.
std::string canonical(std::string_view text) {
  utf8proc_uint8_t* mapped = nullptr;
  const auto len = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
                                     UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK));
  std::string folded = len >= 0
                           ? std::string(reinterpret_cast<char*>(mapped), static_cast<size_t>(len))
                           : std::string(text);
  std::free(mapped);
  std::string out;
  size_t pos = 0;
  while (pos < folded.size()) {
    const size_t start = pos;
    const char32_t c = tokenizer::unicode::decode_utf8(folded, pos);
    if (!tokenizer::unicode::is_whitespace(c)) out.append(folded, start, pos - start);
  }
  return out;
}

// The text a token stands for: byte-level alphabet undone, "▁" and "##" handled; nullopt for a
// token that stands for raw bytes (set in `bytes`).
std::optional<std::string> token_text(const std::string& token, bool byte_level,
                                      std::string& bytes) {
  bytes.clear();
  if (token.size() == 6 && token.rfind("<0x", 0) == 0 && token.back() == '>') {
    bytes.push_back(static_cast<char>(std::stoi(token.substr(3, 2), nullptr, 16)));
    return std::nullopt;
  }
  std::string text = token;
  if (byte_level) {
    std::string raw;
    size_t pos = 0;
    while (pos < token.size()) {
      const int b = tokenizer::char_to_byte(tokenizer::unicode::decode_utf8(token, pos));
      if (b < 0) return token;  // an added token, shown as itself
      raw.push_back(static_cast<char>(b));
    }
    if (tokenizer::unicode::find_invalid_utf8(raw)) {
      bytes = raw;
      return std::nullopt;
    }
    return raw;
  }
  if (text.rfind("##", 0) == 0 && text.size() > 2) text = text.substr(2);
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    if (text.compare(at, 3, "\u2581") == 0) {
      out.push_back(' ');
      at += 3;
    } else {
      out.push_back(text[at++]);
    }
  }
  return out;
}

std::string code_point_substr(const std::string& text, int64_t start, int64_t end) {
  size_t pos = 0;
  int64_t index = 0;
  size_t byte_start = text.size();
  size_t byte_end = text.size();
  while (true) {
    if (index == start) byte_start = pos;
    if (index == end) {
      byte_end = pos;
      break;
    }
    if (pos >= text.size()) break;
    tokenizer::unicode::decode_utf8(text, pos);
    ++index;
  }
  return text.substr(byte_start, byte_end - byte_start);
}

TEST_P(TokenizerGolden, OffsetsPointAtTheTokenText) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GoldenCase& c = GetParam();
  const Tokenizer tok = Tokenizer::load(shared / "models" / c.folder, c.source);
  const bool byte_level = c.golden == "gpt2" || c.golden == "llama3" || c.golden == "qwen3";
  const auto lines = read_jsonl(shared / "golden" / "tokenizers" / (c.golden + ".jsonl"));
  int checked = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string text = lines[i]["text"];
    const int64_t length = static_cast<int64_t>(tokenizer::unicode::count_code_points(text));
    const Encoding e = tok.encode(text, false);
    int64_t previous_start = 0;
    for (size_t t = 0; t < e.size(); ++t) {
      const auto [start, end] = e.offsets[t];
      ASSERT_TRUE(0 <= start && start <= end && end <= length)
          << c.label << " text " << i << " token " << t << " offsets " << start << ".." << end;
      EXPECT_GE(start, previous_start) << c.label << " text " << i << " token " << t;
      previous_start = start;
      const std::string sub = code_point_substr(text, start, end);
      const std::string& token = e.tokens[t];
      if (token == "[UNK]" || token == "<unk>") {
        EXPECT_LT(start, end) << c.label << " text " << i << " token " << t;
        continue;
      }
      std::string bytes;
      const auto expected = token_text(token, byte_level, bytes);
      if (expected) {
        // A token may be part of one character (a decomposed Hangul syllable, say).
        const std::string want = canonical(*expected);
        const std::string have = canonical(sub);
        const bool one_char = tokenizer::unicode::count_code_points(sub) == 1;
        EXPECT_TRUE(want == have || (one_char && have.find(want) != std::string::npos))
            << c.label << " text " << i << " token " << t << " \"" << token << "\" offsets "
            << start << ".." << end << " point at \"" << sub << "\"";
      } else if (!sub.empty()) {
        EXPECT_NE(sub.find(bytes), std::string::npos)
            << c.label << " text " << i << " token " << t << " \"" << token
            << "\" bytes are not inside \"" << sub << "\"";
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST_P(TokenizerGolden, DecodeRoundTrips) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GoldenCase& c = GetParam();
  const Tokenizer tok = Tokenizer::load(shared / "models" / c.folder, c.source);
  // Lossless tokenizers give the text back; the others (lowercasing, whitespace collapsing)
  // give a text that encodes to the same ids.
  const bool lossless = c.golden != "bert-base-uncased" && c.golden != "stories260k";
  for (const auto& line : read_jsonl(shared / "golden" / "tokenizers" / (c.golden + ".jsonl"))) {
    const std::string text = line["text"];
    const Encoding e = tok.encode(text, false);
    const std::string decoded = tok.decode(e.ids);
    // Around special tokens typed in the text a "▁"-prepending normalizer adds spaces that do
    // not survive a round trip (Hugging Face does the same), so those texts are skipped here.
    bool typed_special = false;
    for (int64_t id : e.ids) typed_special = typed_special || tok.is_special(id);
    if (lossless && !typed_special) {
      EXPECT_EQ(decoded, text) << c.label;
    } else if (!typed_special) {
      EXPECT_EQ(tok.encode(decoded, false).ids, e.ids)
          << c.label << " text \"" << text << "\" decoded as \"" << decoded << "\"";
    }
    // Skipping special tokens drops exactly the post-processor's additions.
    const Encoding with = tok.encode(text, true);
    EXPECT_EQ(tok.decode(with.ids, true), tok.decode(e.ids, true)) << c.label;
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, TokenizerGolden,
    ::testing::Values(
        GoldenCase{"bert-base-uncased", "bert-base-uncased", TokenizerSource::kTokenizerJson,
                   "bert_json"},
        GoldenCase{"bert-base-uncased", "bert-base-uncased", TokenizerSource::kWordPieceVocab,
                   "bert_vocab_txt"},
        GoldenCase{"gpt2", "gpt2", TokenizerSource::kTokenizerJson, "gpt2_json"},
        GoldenCase{"gpt2", "gpt2", TokenizerSource::kByteLevelBpeVocab, "gpt2_vocab_merges"},
        GoldenCase{"llama2", "llama2-tokenizer", TokenizerSource::kTokenizerJson, "llama2_json"},
        GoldenCase{"llama2", "llama2-tokenizer", TokenizerSource::kSentencePiece,
                   "llama2_sentencepiece"},
        GoldenCase{"llama3", "llama3-tokenizer", TokenizerSource::kTokenizerJson, "llama3_json"},
        GoldenCase{"qwen3", "qwen3-tokenizer", TokenizerSource::kTokenizerJson, "qwen3_json"},
        GoldenCase{"stories260k", "stories260k-hf", TokenizerSource::kAuto,
                   "stories260k_sentencepiece"}),
    [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.label; });

// llama.cpp's vectors (ids without special tokens), paired with our files as golden/README.md
// describes.
struct LlamaCppCase {
  std::string vocab;   // ggml-vocab-<vocab>.gguf.inp/.out
  std::string folder;  // models/<folder>
  TokenizerSource source;
  std::string label;
};

std::ostream& operator<<(std::ostream& out, const LlamaCppCase& c) { return out << c.label; }

class LlamaCppVectors : public ::testing::TestWithParam<LlamaCppCase> {};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST_P(LlamaCppVectors, MatchIds) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const LlamaCppCase& c = GetParam();
  const auto dir = shared / "golden" / "tokenizers" / "llamacpp";
  const std::string inp = read_all(dir / ("ggml-vocab-" + c.vocab + ".gguf.inp"));
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  size_t pos = 0;
  while (true) {
    const size_t at = inp.find(separator, pos);
    if (at == std::string::npos) break;
    texts.push_back(inp.substr(pos, at - pos));
    pos = at + separator.size();
  }
  std::ifstream out(dir / ("ggml-vocab-" + c.vocab + ".gguf.out"));
  std::vector<std::vector<int64_t>> expected;
  std::string line;
  while (std::getline(out, line)) {
    std::istringstream numbers(line);
    std::vector<int64_t> ids;
    int64_t id = 0;
    while (numbers >> id) ids.push_back(id);
    expected.push_back(ids);
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(expected.size(), texts.size());
  const Tokenizer tok = Tokenizer::load(shared / "models" / c.folder, c.source);
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto got = tok.encode(texts[i], false).ids;
    EXPECT_EQ(got, expected[i]) << c.label << " text " << i << " "
                                << nlohmann::json(texts[i]).dump() << ": "
                                << describe_mismatch(got, expected[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, LlamaCppVectors,
    ::testing::Values(
        LlamaCppCase{"gpt-2", "gpt2", TokenizerSource::kTokenizerJson, "gpt2_json"},
        LlamaCppCase{"gpt-2", "gpt2", TokenizerSource::kByteLevelBpeVocab, "gpt2_vocab_merges"},
        LlamaCppCase{"llama-bpe", "llama3-tokenizer", TokenizerSource::kTokenizerJson,
                     "llama3_json"},
        LlamaCppCase{"llama-spm", "llama2-tokenizer", TokenizerSource::kTokenizerJson,
                     "llama2_json"},
        LlamaCppCase{"llama-spm", "llama2-tokenizer", TokenizerSource::kSentencePiece,
                     "llama2_sentencepiece"},
        LlamaCppCase{"qwen2", "qwen3-tokenizer", TokenizerSource::kTokenizerJson, "qwen3_json"},
        LlamaCppCase{"bert-bge", "bert-base-uncased", TokenizerSource::kTokenizerJson, "bert_json"},
        LlamaCppCase{"bert-bge", "bert-base-uncased", TokenizerSource::kWordPieceVocab,
                     "bert_vocab_txt"}),
    [](const ::testing::TestParamInfo<LlamaCppCase>& info) { return info.param.label; });

}  // namespace
}  // namespace attnscope
