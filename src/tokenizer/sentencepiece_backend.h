// A bare tokenizer.model (Llama-style SentencePiece) run through libsentencepiece, the way
// transformers' slow LlamaTokenizer (legacy mode) does: special tokens (<s>, </s>, <unk>, and
// tokenizer_config.json's added tokens) are split out of the text first, each remaining piece is
// encoded by SentencePiece with its own normalizer settings (e.g. remove_extra_whitespaces), and
// BOS/EOS are added per tokenizer_config.json (add_bos_token defaults to true, add_eos_token to
// false).
//
//   auto backend = make_sentencepiece_backend("models/stories260k-hf");
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "tokenizer/backend.h"

namespace attnscope::tokenizer {

std::unique_ptr<Backend> make_sentencepiece_backend(const std::filesystem::path& folder);

// Walks a serialized ModelProto's wire format before libsentencepiece parses it: FormatError
// for `file` when it is truncated or not a protobuf, has more than limits::kMaxVocabSize pieces
// or a piece longer than limits::kMaxTokenBytes, empty, holding a NUL byte or repeated.
void check_sentencepiece_proto(std::string_view blob, const std::string& file);

}  // namespace attnscope::tokenizer
