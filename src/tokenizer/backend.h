// What the public Tokenizer delegates to: the tokenizer.json pipeline (pipeline.h) or
// libsentencepiece for a bare tokenizer.model (sentencepiece_backend.h). Both return byte
// offsets; tokenizer.cpp turns them into code point offsets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

// The tokenizer.json "padding" block.
struct PaddingSpec {
  bool batch_longest = true;  // else fixed `length`
  int64_t length = 0;
  int64_t multiple_of = 0;  // 0: none
  bool left = false;
  int64_t pad_id = 0;
  std::string pad_token = "[PAD]";
};

class Backend {
 public:
  virtual ~Backend() = default;
  // Tokens of valid UTF-8 `text`, truncated (when configured) and post-processed.
  virtual RawEncoding encode(std::string_view text, bool add_special_tokens) const = 0;
  virtual std::string decode(std::span<const int64_t> ids, bool skip_special_tokens) const = 0;
  virtual std::optional<int64_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(int64_t id) const = 0;
  virtual bool is_special(int64_t id) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual std::optional<PaddingSpec> padding() const { return std::nullopt; }
  // A short description: which files and which model kind.
  virtual std::string description() const = 0;
};

}  // namespace attnscope::tokenizer
