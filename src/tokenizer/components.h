// The five pipeline stages of a tokenizer.json (normalizer -> pre-tokenizer -> model ->
// post-processor, and the decoder), as abstract interfaces. Each concrete component lives in
// its own file under normalizers/, pre_tokenizers/, models/, processors/ and decoders/ and is
// chosen by its JSON "type" in that folder's registry.cpp (add new components there).
//
//   auto normalizer = make_normalizer(root.at("normalizer"));  // nullptr for null
//   normalizer->normalize(normalized_string);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_reader.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/pre_tokenized_string.h"

namespace attnscope::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(PreTokenizedString& s) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the tokens of one pre-tokenized word (offsets are bytes into `word`).
  virtual void tokenize(std::string_view word, std::vector<Token>& out) const = 0;
  virtual std::optional<int64_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int64_t id) const = 0;
  virtual int64_t vocab_size() const = 0;
};

// A token sequence between the model and the caller: byte offsets into the original text.
struct RawEncoding {
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  std::vector<std::pair<int64_t, int64_t>> offsets;  // [token] original byte range
  std::vector<uint8_t> special_mask;
  std::vector<uint8_t> attention_mask;

  size_t size() const { return ids.size(); }
  void push(int64_t id, std::string token, std::pair<int64_t, int64_t> offset, bool special) {
    ids.push_back(id);
    tokens.push_back(std::move(token));
    offsets.push_back(offset);
    special_mask.push_back(special ? 1 : 0);
    attention_mask.push_back(1);
  }
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Number of special tokens process() adds to one sequence (for truncation).
  virtual size_t added_tokens() const = 0;
  virtual void process(RawEncoding& encoding, bool add_special_tokens) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Rewrites the token strings; the decoded text is their concatenation.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// Registries: build the component described at `node` (null JSON gives nullptr). Unknown
// "type" values are FormatErrors that name the path and list the supported types.
std::unique_ptr<Normalizer> make_normalizer(const JsonNode& node);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonNode& node);
std::unique_ptr<Model> make_model(const JsonNode& node);
std::unique_ptr<PostProcessor> make_post_processor(const JsonNode& node);
std::unique_ptr<Decoder> make_decoder(const JsonNode& node);

// "X" of {"type": "X"} at `node`, with the list used in the error for an unknown one.
std::string component_type(const JsonNode& node);
[[noreturn]] void unsupported_type(const JsonNode& node, const std::string& type,
                                   const std::string& supported);

}  // namespace attnscope::tokenizer
