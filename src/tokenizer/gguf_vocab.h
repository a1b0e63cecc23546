// The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*), converted to a
// tokenizer.json tree for the Hugging Face pipeline (pipeline.h), the way llama.cpp tokenizes:
//   model "llama" (SentencePiece-style): tokens + scores + token types; BPE whose merges are
//     every split of a NORMAL token into two vocabulary pieces, ranked by the merged token's
//     score (llama.cpp's llm_tokenizer_spm merges the highest-scoring pair first), byte fallback
//     to <0xXX>, "▁" for spaces and a leading "▁" (tokenizer.ggml.add_space_prefix, default
//     true);
//   model "gpt2" (byte-level BPE): tokens + merges, the pre-tokenizer regexes llama.cpp uses for
//     tokenizer.ggml.pre (gpt-2, llama3/llama-bpe, qwen2, falcon, starcoder, deepseek-coder, ...,
//     and llama.cpp's default when absent);
//   model "bert" (WordPiece): llama.cpp's "phantom space" tokens ("\u2581word", "ing" for "##ing")
//     turned back into WordPiece's, BERT normalizer (lowercase) and pre-tokenizer, [CLS] $A [SEP]
//     from tokenizer.ggml.cls_token_id / seperator_token_id;
//   CONTROL/UNKNOWN tokens are special added tokens, USER_DEFINED ones plain added tokens;
//   BOS/EOS from tokenizer.ggml.{bos,eos}_token_id and add_bos_token / add_eos_token (defaults:
//   llama true/false, gpt2 false/false).
// Model "none" (ids only) gives a null tree. Other models ("t5", "rwkv", "ugm", ...) and unknown
// pre-tokenizers are an UnsupportedError naming them.
#pragma once

#include <nlohmann/json.hpp>

namespace attnscope {
class GgufFile;
}

namespace attnscope::tokenizer {

nlohmann::json gguf_tokenizer_json(const GgufFile& file);

}  // namespace attnscope::tokenizer
