// The tokenizer of a GGUF file's metadata against llama.cpp's own test vectors
// (golden/tokenizers/llamacpp/ggml-vocab-<name>.gguf.inp/.out, ids without special tokens) run
// on the vocab-only GGUF files llama.cpp ships (models/llamacpp-vocab-gguf/). Every vocabulary
// with both files must pass every text, except those listed in docs/gguf.md as unsupported
// (which must be refused with an UnsupportedError).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/gguf.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"
#include "tokenizer/tokenizer.h"
#include "unit/io/gguf_builder.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::TempDir;

std::vector<std::string> split_texts(const std::string& all) {
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t next; (next = all.find(sep, pos)) != std::string::npos; pos = next + sep.size()) {
    out.push_back(all.substr(pos, next - pos));
  }
  return out;  // the file ends with the separator: no final piece
}

std::vector<std::vector<int64_t>> read_ids(const std::string& all) {
  std::vector<std::vector<int64_t>> out;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<int64_t> ids;
    for (int64_t id; words >> id;) ids.push_back(id);
    out.push_back(std::move(ids));
  }
  return out;
}

class GgufVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufVocab, LlamaCppVectors) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string name = GetParam();
  const fs::path vectors = shared / "golden/tokenizers/llamacpp" / ("ggml-vocab-" + name + ".gguf");
  const GgufFile file(
      (shared / "models/llamacpp-vocab-gguf" / ("ggml-vocab-" + name + ".gguf")).string());
  const std::optional<Tokenizer> tok = Tokenizer::from_gguf(file);
  ASSERT_TRUE(tok.has_value());
  const auto texts = split_texts(read_file(vectors.string() + ".inp"));
  const auto expected = read_ids(read_file(vectors.string() + ".out"));
  ASSERT_EQ(texts.size(), expected.size());
  ASSERT_EQ(texts.size(), 46u);
  int pass = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const Encoding e = tok->encode(texts[i], /*add_special_tokens=*/false);
    if (e.ids == expected[i]) {
      ++pass;
    } else {
      ADD_FAILURE() << name << " text " << i << " '" << texts[i] << "': got "
                    << ::testing::PrintToString(e.ids) << ", expected "
                    << ::testing::PrintToString(expected[i]);
    }
  }
  std::cout << name << ": " << pass << "/" << texts.size() << " llama.cpp vectors\n";
}

INSTANTIATE_TEST_SUITE_P(Vocabs, GgufVocab,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "falcon", "starcoder",
                                           "deepseek-coder", "bert-bge"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST(GgufVocabSpecial, BosAndDecode) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const GgufFile spm((shared / "models/llamacpp-vocab-gguf/ggml-vocab-llama-spm.gguf").string());
  const Tokenizer tok = *Tokenizer::from_gguf(spm);
  const Encoding with = tok.encode("Hello world");
  ASSERT_FALSE(with.ids.empty());
  EXPECT_EQ(with.ids[0], 1);  // <s>, add_bos_token true
  EXPECT_EQ(tok.decode(tok.encode("Hello world", false).ids), "Hello world");
  EXPECT_TRUE(tok.is_special(1));
  const GgufFile gpt2((shared / "models/llamacpp-vocab-gguf/ggml-vocab-gpt-2.gguf").string());
  const Tokenizer g = *Tokenizer::from_gguf(gpt2);
  const GgufFile bert((shared / "models/llamacpp-vocab-gguf/ggml-vocab-bert-bge.gguf").string());
  const Tokenizer w = *Tokenizer::from_gguf(bert);
  EXPECT_EQ(w.encode("Hello world").ids, (std::vector<int64_t>{101, 7592, 2088, 102}));
  EXPECT_EQ(g.encode("Hello world").ids, (std::vector<int64_t>{15496, 995}));
  EXPECT_EQ(g.decode(g.encode("Hello world").ids), "Hello world");
}

TEST(GgufVocabSpecial, UnsupportedAndNone) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir dir("gguf-vocab");
  ::attnscope::testing::GgufBuilder b;
  b.header(3, 0, 2).kv_string("tokenizer.ggml.model", "t5");
  b.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1).str("a");
  const std::string path = dir.file("t5.gguf");
  write_file_atomic(path, b.bytes());
  try {
    (void)Tokenizer::from_gguf(GgufFile(path));
    ADD_FAILURE() << "t5 vocabulary accepted";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.ggml.model 't5' is not supported"),
              std::string::npos)
        << e.what();
  }
  const GgufFile none((shared / "models/gguf/kquant-llama-q4_k.gguf").string());
  EXPECT_FALSE(Tokenizer::from_gguf(none).has_value());
  // stories260k's GGUF carries its SentencePiece vocabulary.
  const GgufFile stories((shared / "models/gguf/stories260k-hf-q4_0.gguf").string());
  const auto st = Tokenizer::from_gguf(stories);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->vocab_size(), 512);
  EXPECT_EQ(st->encode("Once upon a time").ids.front(), 1);
}

}  // namespace
}  // namespace attnscope
