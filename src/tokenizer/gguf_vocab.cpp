#include "tokenizer/gguf_vocab.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"
#include "core/limits.h"
#include "core/quote.h"
#include "io/gguf.h"
#include "tokenizer/pipeline.h"
#include "tokenizer/tokenizer.h"

namespace attnscope::tokenizer {
namespace {

// llama.cpp's token types (llama_token_type).
constexpr int64_t kNormal = 1;
constexpr int64_t kUnknown = 2;
constexpr int64_t kControl = 3;
constexpr int64_t kUserDefined = 4;

const char* const kGpt2Regex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const char* const kLlama3Regex =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kQwen2Regex =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

struct PreTokenizer {
  std::vector<std::string> regexes;  // applied in order, each splitting the previous pieces
  bool ignore_merges = false;        // a word already in the vocabulary is one token (llama3)
};

// llama.cpp's regexes per tokenizer.ggml.pre (llama-vocab.cpp); nullopt when unknown.
std::optional<PreTokenizer> pre_tokenizer_for(const std::string& pre) {
  const auto is = [&](std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return pre == n; });
  };
  if (pre.empty() || pre == "default") {
    return PreTokenizer{{"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2Regex, "\\p{N}+", "[0-9][0-9][0-9]"}};
  }
  if (is({"gpt-2", "gpt2", "mpt", "olmo", "jais", "phi-2", "roberta-bpe", "trillion"})) {
    return PreTokenizer{{kGpt2Regex}};
  }
  if (is({"llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"})) {
    return PreTokenizer{{kLlama3Regex}, true};
  }
  if (is({"qwen2", "stablelm2", "deepseek-r1-qwen", "hunyuan", "megrez"})) {
    return PreTokenizer{{kQwen2Regex}};
  }
  if (pre == "falcon") {
    return PreTokenizer{{"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2Regex, "[0-9][0-9][0-9]"}};
  }
  if (is({"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
    return PreTokenizer{{"\\p{N}", kGpt2Regex}};
  }
  if (pre == "deepseek-coder") {
    return PreTokenizer{{"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+",
                         "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+", "\\p{N}"}};
  }
  return std::nullopt;
}

struct Vocabulary {
  std::vector<std::string_view> tokens;
  std::vector<int64_t> types;
  nlohmann::json vocab = nlohmann::json::object();
  std::unordered_map<std::string_view, int64_t> ids;
};

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

nlohmann::json added_token(int64_t id, std::string_view content, bool special) {
  return {{"id", id},
          {"content", std::string(content)},
          {"single_word", false},
          {"lstrip", false},
          {"rstrip", false},
          {"normalized", false},
          {"special", special}};
}

}  // namespace

nlohmann::json gguf_tokenizer_json(const GgufFile& file) {
  const std::string model = file.get_string("tokenizer.ggml.model").value_or("none");
  if (model == "none") return nullptr;
  if (model != "llama" && model != "gpt2" && model != "bert") {
    throw UnsupportedError(file.path() + ": tokenizer.ggml.model " + quote(model) +
                           " is not supported (supported: llama, gpt2, bert, none)");
  }
  Vocabulary v;
  auto tokens = file.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) throw FormatError(file.path(), "tokenizer.ggml.tokens is missing");
  v.tokens = std::move(*tokens);
  check_limit("tokenizer.ggml.tokens", static_cast<int64_t>(v.tokens.size()),
              limits::kMaxVocabSize);
  v.types = file.get_int_array("tokenizer.ggml.token_type")
                .value_or(std::vector<int64_t>(v.tokens.size(), kNormal));
  if (v.types.size() != v.tokens.size()) {
    throw FormatError(file.path(), "tokenizer.ggml.token_type has " +
                                       std::to_string(v.types.size()) + " entries for " +
                                       std::to_string(v.tokens.size()) + " tokens");
  }
  const bool wpm = model == "bert";
  // llama.cpp stores WordPiece vocabularies in "phantom space" form: "▁word" starts a word,
  // "##ing" is stored as "ing", "[CLS]"-style tokens unchanged. Undo it for WordPiece.
  std::vector<std::string> wordpiece;
  if (wpm) {
    wordpiece.reserve(v.tokens.size());
    for (size_t i = 0; i < v.tokens.size(); ++i) {
      const std::string_view t = v.tokens[i];
      const std::string_view space = "▁";
      if (t.size() >= 2 && t.front() == '[' && t.back() == ']') {
        wordpiece.emplace_back(t);
      } else if (t.substr(0, space.size()) == space) {
        wordpiece.emplace_back(t.substr(space.size()));
      } else {
        wordpiece.push_back("##" + std::string(t));
      }
    }
    for (size_t i = 0; i < v.tokens.size(); ++i) v.tokens[i] = wordpiece[i];
  }
  nlohmann::json added = nlohmann::json::array();
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    if (v.tokens[i].size() > static_cast<size_t>(limits::kMaxTokenBytes)) {
      throw FormatError(file.path(), "token " + std::to_string(i) + " is longer than " +
                                         std::to_string(limits::kMaxTokenBytes) + " bytes");
    }
    const auto id = static_cast<int64_t>(i);
    v.vocab[std::string(v.tokens[i])] = id;
    v.ids[v.tokens[i]] = id;  // the last of duplicates wins, as in llama.cpp
    if (v.types[i] == kControl || v.types[i] == kUnknown) {
      added.push_back(added_token(id, v.tokens[i], true));
    } else if (v.types[i] == kUserDefined) {
      added.push_back(added_token(id, v.tokens[i], false));
    }
  }
  const auto token_of = [&](const char* key) -> std::optional<std::string> {
    const auto id = file.get_int(key);
    if (!id) return std::nullopt;
    if (*id < 0 || *id >= static_cast<int64_t>(v.tokens.size())) {
      throw FormatError(file.path(), std::string(key) + " " + std::to_string(*id) +
                                         " is not a token id (vocabulary of " +
                                         std::to_string(v.tokens.size()) + ")");
    }
    return std::string(v.tokens[static_cast<size_t>(*id)]);
  };
  const bool spm = model == "llama";
  const auto bos = token_of("tokenizer.ggml.bos_token_id");
  const auto eos = token_of("tokenizer.ggml.eos_token_id");
  const auto unk = token_of("tokenizer.ggml.unknown_token_id");
  const bool add_bos = file.get_bool("tokenizer.ggml.add_bos_token").value_or(spm) && bos;
  const bool add_eos = file.get_bool("tokenizer.ggml.add_eos_token").value_or(false) && eos;
  const auto cls = token_of("tokenizer.ggml.cls_token_id");
  const auto sep = token_of("tokenizer.ggml.seperator_token_id");

  nlohmann::json root = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}};
  nlohmann::json merges = nlohmann::json::array();
  if (wpm) {
    root["normalizer"] = {{"type", "BertNormalizer"},
                          {"clean_text", true},
                          {"handle_chinese_chars", true},
                          {"strip_accents", nullptr},
                          {"lowercase", true}};
    root["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    root["model"] = {{"type", "WordPiece"},
                     {"unk_token", unk.value_or("[UNK]")},
                     {"continuing_subword_prefix", "##"},
                     {"max_input_chars_per_word", 100},
                     {"vocab", std::move(v.vocab)}};
    root["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  } else if (spm) {
    const auto scores = file.get_f32_array("tokenizer.ggml.scores")
                            .value_or(std::vector<float>(v.tokens.size(), 0.0f));
    if (scores.size() != v.tokens.size()) {
      throw FormatError(file.path(), "tokenizer.ggml.scores has " + std::to_string(scores.size()) +
                                         " entries for " + std::to_string(v.tokens.size()) +
                                         " tokens");
    }
    struct Merge {
      float score;
      int64_t id;
      size_t split;
    };
    std::vector<Merge> candidates;
    for (size_t i = 0; i < v.tokens.size(); ++i) {
      if (v.types[i] != kNormal) continue;
      const std::string_view t = v.tokens[i];
      for (size_t k = utf8_length(static_cast<unsigned char>(t[0])); k < t.size();
           k += utf8_length(static_cast<unsigned char>(t[k]))) {
        if (v.ids.count(t.substr(0, k)) != 0 && v.ids.count(t.substr(k)) != 0) {
          candidates.push_back({scores[i], static_cast<int64_t>(i), k});
        }
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(), [](const Merge& a, const Merge& b) {
      return a.score != b.score ? a.score > b.score : a.id < b.id;
    });
    for (const Merge& m : candidates) {
      const std::string_view t = v.tokens[static_cast<size_t>(m.id)];
      merges.push_back({std::string(t.substr(0, m.split)), std::string(t.substr(m.split))});
    }
    const bool space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    nlohmann::json norm = nlohmann::json::array();
    if (space_prefix) norm.push_back({{"type", "Prepend"}, {"prepend", "\u2581"}});
    norm.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
    root["normalizer"] = {{"type", "Sequence"}, {"normalizers", norm}};
    root["pre_tokenizer"] = nullptr;
    root["model"] = {{"type", "BPE"},
                     {"dropout", nullptr},
                     {"unk_token", unk ? nlohmann::json(*unk) : nlohmann::json(nullptr)},
                     {"fuse_unk", true},
                     {"byte_fallback", true},
                     {"vocab", std::move(v.vocab)},
                     {"merges", std::move(merges)}};
    nlohmann::json dec = {
        {{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}}};
    if (space_prefix)
      dec.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    root["decoder"] = {{"type", "Sequence"}, {"decoders", dec}};
  } else {
    const std::string pre = file.get_string("tokenizer.ggml.pre").value_or("");
    const auto pt = pre_tokenizer_for(pre);
    if (!pt) {
      throw UnsupportedError(file.path() + ": tokenizer.ggml.pre " + quote(pre) +
                             " is not a pre-tokenizer attnscope knows");
    }
    const auto merge_strings = file.get_string_array("tokenizer.ggml.merges");
    if (!merge_strings) throw FormatError(file.path(), "tokenizer.ggml.merges is missing");
    for (std::string_view m : *merge_strings) {
      const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
      if (space == std::string_view::npos) {
        throw FormatError(file.path(),
                          "tokenizer.ggml.merges entry " + quote(m) + " is not \"left right\"");
      }
      merges.push_back({std::string(m.substr(0, space)), std::string(m.substr(space + 1))});
    }
    nlohmann::json steps = nlohmann::json::array();
    for (const std::string& r : pt->regexes) {
      steps.push_back({{"type", "Split"},
                       {"pattern", {{"Regex", r}}},
                       {"behavior", "Isolated"},
                       {"invert", false}});
    }
    steps.push_back({{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", true},
                     {"use_regex", false}});
    root["normalizer"] = nullptr;
    root["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", steps}};
    root["model"] = {{"type", "BPE"},
                     {"dropout", nullptr},
                     {"unk_token", unk ? nlohmann::json(*unk) : nlohmann::json(nullptr)},
                     {"fuse_unk", false},
                     {"byte_fallback", false},
                     {"ignore_merges", pt->ignore_merges},
                     {"vocab", std::move(v.vocab)},
                     {"merges", std::move(merges)}};
    root["decoder"] = {{"type", "ByteLevel"}};
  }
  root["added_tokens"] = std::move(added);
  if (wpm && cls && sep) {
    root["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", *cls + " $A " + *sep},
        {"special_tokens",
         {{*cls, {{"id", *cls}, {"ids", {v.ids.at(*cls)}}, {"tokens", {*cls}}}},
          {*sep, {{"id", *sep}, {"ids", {v.ids.at(*sep)}}, {"tokens", {*sep}}}}}}};
  } else if (!wpm && (add_bos || add_eos)) {
    std::string single = "$A";
    nlohmann::json special = nlohmann::json::object();
    const auto add_special = [&](const std::string& t) {
      special[t] = {{"id", t}, {"ids", {v.ids.at(t)}}, {"tokens", {t}}};
    };
    if (add_bos) {
      single = *bos + " " + single;
      add_special(*bos);
    }
    if (add_eos) {
      single += " " + *eos;
      add_special(*eos);
    }
    root["post_processor"] = {
        {"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", special}};
  } else {
    root["post_processor"] = nullptr;
  }
  return root;
}

}  // namespace attnscope::tokenizer

namespace attnscope {

std::optional<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
  const nlohmann::json json = tokenizer::gguf_tokenizer_json(file);
  if (json.is_null()) return std::nullopt;
  return Tokenizer(tokenizer::Pipeline::from_json(json, file.path()));
}

}  // namespace attnscope
