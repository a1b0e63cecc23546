// Pieces every model command shares: the --model help (its resolution is the library's
// resolve_model, model/resolved_model.h), reading texts and ids, the trained-length warning, the
// memory guard, and safe output paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/attention_source.h"
#include "model/config.h"
#include "model/forward_memory.h"

namespace attnscope::cli {

// The --model help text, identical everywhere.
inline constexpr const char* kModelHelp =
    "Model: a folder with config.json + *.safetensors, a Hugging Face id found in the local "
    "cache (HF_HUB_CACHE, HF_HOME, ~/.cache/huggingface/hub) or else downloaded from the Hub "
    "(ORG/NAME[@REVISION]), or 'demo'";

// The --input help text, identical everywhere.
inline constexpr const char* kInputHelp =
    "Texts: a .jsonl file (one {\"text\": ...} object per line; blank lines skipped) or any other "
    "file (its content is one text, less a final newline)";

// A text of --text or --input and how messages name it: "texts.jsonl: line 3", "notes.txt",
// "text 2 of 3", or "" for a lone --text.
struct InputText {
  std::string text;
  std::string where;
};

// The texts of --input, identical for every command: a .jsonl file gives one text per non-blank
// line ({"text": ...}), named "<file>: line <n>"; any other file is one text named by its path,
// without the single newline ("\n" or "\r\n") that ends most text files. IoError for a missing
// file or a folder, FormatError naming the line of a bad .jsonl line or of invalid UTF-8. May
// return no texts (an empty .jsonl file).
std::vector<InputText> read_inputs(const std::string& path);
// read_inputs without the names.
std::vector<std::string> read_input_texts(const std::string& path);

// The one text of a command that takes one: `input_path` (--input) when given, which must hold
// exactly one text (InputError naming `command` otherwise), else `text` (--text).
InputText one_input(const std::string& text, const std::string& input_path,
                    std::string_view command);

// The values of a repeatable --text, named "text K of N" when there are several.
std::vector<InputText> texts_as_inputs(const std::vector<std::string>& texts);

// True for a text of whitespace only (or none).
bool is_blank(const std::string& text);

// `input` tokenized by `source`; an InputError or LimitError starts with `input.where`.
analysis::EncodedText encode_input(const analysis::AttentionSource& source, const InputText& input,
                                   bool add_special_tokens);

// "1,2, 3" -> {1, 2, 3}. InputError naming the bad item.
std::vector<int64_t> parse_ids(const std::string& text);

// The --ids option's value as the model's input (source.encode_ids): InputError starting with
// "--ids: " for a malformed list or an id outside the model's vocabulary.
analysis::EncodedText encode_ids_option(const analysis::AttentionSource& source,
                                        const std::string& ids);

// Rotary models compute at any length (as transformers does), but past the trained length
// (max_position_embeddings) their attention is extrapolation: one warning line on std::cerr for
// all inputs, naming the first input past it (by `names[k]` when given). Other models refuse
// such inputs in the forward pass, so nothing is printed for them.
void warn_past_trained_length(const ModelConfig& config, const std::vector<int64_t>& tokens,
                              const std::vector<std::string>& names = {});

// The --truncate help text, identical everywhere.
inline constexpr const char* kTruncateHelp =
    "Keep only the first N tokens of each text (special tokens included), e.g. the model's "
    "position limit";

// --truncate N: `input` cut to its first `n` tokens (n <= 0: unchanged).
void truncate_input(analysis::EncodedText& input, int64_t n);

// Models with a learned position table (max_input_tokens) refuse longer inputs: InputError
// naming the first input past it (by `names[k]` when given) and the --truncate that would fit.
void check_position_limit(const ModelConfig& config, const std::vector<int64_t>& tokens,
                          const std::vector<std::string>& names = {});

// Refuses (InputError) to replace an existing file unless `force`, and checks the folder exists.
void check_output_path(const std::string& path, bool force);

// Throws LimitError when `estimate` exceeds `budget`, naming options that would fit: f16
// attention, fewer layers, a shorter input. `weight_bytes`: the checkpoint's size when known
// (weights are mapped as stored), else the weights count as f32; `exact_weight_bytes` for a GGUF
// file (estimate_forward_memory).
void enforce_memory_budget(const ModelConfig& config, int64_t batch, int64_t tokens,
                           const KeepSpec& keep, const ForwardOptions& options, uint64_t budget,
                           std::optional<uint64_t> weight_bytes = std::nullopt,
                           bool exact_weight_bytes = false);

// --max-memory's value (empty = default_memory_budget()).
uint64_t memory_budget(const std::string& option);

}  // namespace attnscope::cli
