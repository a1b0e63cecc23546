// Text to token ids exactly as Hugging Face tokenizes it, natively. A model folder's
// tokenizer.json runs through a structural port of huggingface/tokenizers (normalizer ->
// pre-tokenizer -> model -> post-processor, decoder, added tokens); folders without one are
// converted the way transformers' AutoTokenizer does (vocab.txt -> BERT WordPiece, vocab.json +
// merges.txt -> GPT-2/RoBERTa byte-level BPE, tokenizer.model -> SentencePiece through
// libsentencepiece). Every token carries the code point range of the original text it came
// from. A Tokenizer is a cheap-to-copy handle to immutable state; encode is thread-safe.
//
//   Tokenizer tok = Tokenizer::load("models/gpt2");
//   Encoding e = tok.encode("Hello world");   // ids {15496, 995}, tokens {"Hello", "Ġworld"}
//   auto [start, end] = e.offsets[1];          // {5, 11}: code points of " world"
//   std::string text = tok.decode(e.ids);      // "Hello world"
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope {

class GgufFile;
namespace tokenizer {
class Backend;
}

// The tokens of one text.
struct Encoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;  // model token strings ("Ġworld", "##ing", "▁the")
  // [token] code point range [start, end) in the original text; special tokens added by the
  // post-processor and padding have {0, 0}.
  std::vector<std::pair<int64_t, int64_t>> offsets;
  // [token] 1 for tokens the post-processor added (BOS, [CLS], ...) and padding, as Hugging
  // Face's special_tokens_mask; added tokens typed in the text itself count as 0.
  std::vector<uint8_t> special_mask;
  std::vector<uint8_t> attention_mask;  // [token] 0 for padding only

  size_t size() const { return ids.size(); }
};

// Which files Tokenizer::load reads.
enum class TokenizerSource {
  kAuto,               // tokenizer.json, else vocab.txt, else vocab.json + merges.txt, else
                       // tokenizer.model
  kTokenizerJson,      // tokenizer.json
  kWordPieceVocab,     // vocab.txt (+ tokenizer_config.json): BERT
  kByteLevelBpeVocab,  // vocab.json + merges.txt (+ tokenizer_config.json): GPT-2 / RoBERTa
  kSentencePiece,      // tokenizer.model (+ tokenizer_config.json): Llama-style SentencePiece
};

class Tokenizer {
 public:
  // Loads the tokenizer of a model folder. Throws IoError (no usable files), FormatError
  // (malformed file, with the JSON path) or UnsupportedError.
  // A GGUF file's path instead of a folder: the tokenizer of its metadata (from_gguf; InputError
  // when it has none).
  static Tokenizer load(const std::filesystem::path& model_folder,
                        TokenizerSource source = TokenizerSource::kAuto);
  static Tokenizer from_tokenizer_json(const std::filesystem::path& file);
  // `json` is the content of a tokenizer.json; `source_name` names it in errors.
  static Tokenizer from_tokenizer_json_text(std::string_view json,
                                            const std::string& source_name = "tokenizer.json");

  // The tokenizer in a GGUF file's metadata (tokenizer/gguf_vocab.h); nullopt when the file has
  // none (tokenizer.ggml.model "none" or absent). UnsupportedError for other models.
  static std::optional<Tokenizer> from_gguf(const GgufFile& file);

  // Throws InputError when `text` is not valid UTF-8 (with the byte offset), LimitError when it
  // is too long (4 GiB) or a regex exceeds its match limits.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  // Encodes on `threads` threads (0: hardware concurrency); padding "BatchLongest" pads to the
  // longest of the batch.
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts,
                                     bool add_special_tokens = true, size_t threads = 0) const;
  // Throws InputError for an id outside the vocabulary.
  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens = false) const;

  std::optional<int64_t> token_to_id(std::string_view token) const;
  // Throws InputError for an id outside the vocabulary.
  std::string id_to_token(int64_t id) const;
  // True for special tokens ([CLS], <s>, <|endoftext|>, ...).
  bool is_special(int64_t id) const;
  // Number of ids, added tokens included.
  int64_t vocab_size() const;
  // Which files and which model kind, e.g. "BPE from models/gpt2/tokenizer.json".
  std::string description() const;

 private:
  explicit Tokenizer(std::shared_ptr<const tokenizer::Backend> backend);
  std::shared_ptr<const tokenizer::Backend> backend_;
};

}  // namespace attnscope
