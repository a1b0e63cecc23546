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

}  // namespace
}  // namespace attnscope
