#include "tokenizer/legacy.h"

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/limits.h"
#include "core/mapped_file.h"
#include "core/quote.h"
#include "io/json_file.h"

namespace attnscope::tokenizer {

namespace {

nlohmann::json parse_file(const std::filesystem::path& file) {
  return parse_json_text(read_text_file(file), file.string());
}

nlohmann::json added_token_json(int64_t id, const std::string& content, bool special,
                                const nlohmann::json& flags) {
  auto flag = [&](const char* key, bool fallback) {
    return flags.is_object() && flags.contains(key) && flags[key].is_boolean()
               ? flags[key].get<bool>()
               : fallback;
  };
  return {{"id", id},
          {"content", content},
          {"single_word", flag("single_word", false)},
          {"lstrip", flag("lstrip", false)},
          {"rstrip", flag("rstrip", false)},
          {"normalized", flag("normalized", !special)},
          {"special", flag("special", special)}};
}

// added_tokens_decoder entries of the config, as tokenizer.json added_tokens.
nlohmann::json config_added_tokens(const nlohmann::json& config, const std::string& file) {
  nlohmann::json out = nlohmann::json::array();
  if (!config.contains("added_tokens_decoder") || !config["added_tokens_decoder"].is_object()) {
    return out;
  }
  for (const auto& [key, value] : config["added_tokens_decoder"].items()) {
    int64_t id = 0;
    try {
      id = std::stoll(key);
    } catch (const std::exception&) {
      throw FormatError(file, "added_tokens_decoder key " + quote(key) + " is not an integer id");
    }
    if (!value.is_object() || !value.contains("content") || !value["content"].is_string()) {
      throw FormatError(file, "added_tokens_decoder[" + quote(key) + "].content is missing");
    }
    out.push_back(added_token_json(id, value["content"].get<std::string>(),
                                   json_bool_or(value, "special", false, file), value));
  }
  return out;
}

bool has_added(const nlohmann::json& added, const std::string& content) {
  for (const auto& t : added) {
    if (t["content"] == content) return true;
  }
  return false;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& file) {
  return read_file(file.string(), limits::kMaxTextFileBytes);
}

nlohmann::json read_tokenizer_config(const std::filesystem::path& folder) {
  const auto file = folder / "tokenizer_config.json";
  if (!std::filesystem::exists(file)) return nlohmann::json::object();
  nlohmann::json config = parse_file(file);
  if (!config.is_object()) throw FormatError(file.string(), "expected a JSON object");
  return config;
}

std::optional<std::string> config_token(const nlohmann::json& config, const std::string& key) {
  if (!config.contains(key)) return std::nullopt;
  const auto& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return std::nullopt;
}

nlohmann::json wordpiece_tokenizer_json(const std::filesystem::path& folder) {
  const auto vocab_file = folder / "vocab.txt";
  const std::string text = read_text_file(vocab_file);
  nlohmann::json vocab = nlohmann::json::object();
  int64_t index = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string token = text.substr(pos, end - pos);
    vocab[token] = index++;
    pos = end + 1;
  }
  const nlohmann::json config = read_tokenizer_config(folder);
  const std::string config_file = (folder / "tokenizer_config.json").string();
  const bool lowercase = json_bool_or(config, "do_lower_case", true, config_file);
  const bool chinese = json_bool_or(config, "tokenize_chinese_chars", true, config_file);
  nlohmann::json normalizer = {{"type", "BertNormalizer"},
                               {"clean_text", true},
                               {"handle_chinese_chars", chinese},
                               {"lowercase", lowercase}};
  if (config.contains("strip_accents") && config["strip_accents"].is_boolean()) {
    normalizer["strip_accents"] = config["strip_accents"];
  }
  const std::string unk = config_token(config, "unk_token").value_or("[UNK]");
  const std::string cls = config_token(config, "cls_token").value_or("[CLS]");
  const std::string sep = config_token(config, "sep_token").value_or("[SEP]");
  nlohmann::json added = config_added_tokens(config, config_file);
  for (const char* key : {"pad_token", "unk_token", "cls_token", "sep_token", "mask_token"}) {
    static const std::map<std::string, std::string> defaults = {{"pad_token", "[PAD]"},
                                                                {"unk_token", "[UNK]"},
                                                                {"cls_token", "[CLS]"},
                                                                {"sep_token", "[SEP]"},
                                                                {"mask_token", "[MASK]"}};
    const std::string content = config_token(config, key).value_or(defaults.at(key));
    if (vocab.contains(content) && !has_added(added, content)) {
      added.push_back(added_token_json(vocab[content].get<int64_t>(), content, true, nullptr));
    }
  }
  for (const char* token : {"cls", "sep"}) {
    const std::string& content = std::string(token) == "cls" ? cls : sep;
    if (!vocab.contains(content)) {
      throw FormatError(vocab_file.string(), std::string(token) + "_token " + quote(content) +
                                                 " is not in the vocabulary");
    }
  }
  nlohmann::json special_tokens = {{cls, {{"id", cls}, {"ids", {vocab[cls]}}, {"tokens", {cls}}}},
                                   {sep, {{"id", sep}, {"ids", {vocab[sep]}}, {"tokens", {sep}}}}};
  return {{"added_tokens", added},
          {"normalizer", normalizer},
          {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
          {"model",
           {{"type", "WordPiece"},
            {"unk_token", unk},
            {"continuing_subword_prefix", "##"},
            {"max_input_chars_per_word", 100},
            {"vocab", std::move(vocab)}}},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single", cls + " $A " + sep},
            {"special_tokens", special_tokens}}},
          {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}}};
}

nlohmann::json byte_level_bpe_tokenizer_json(const std::filesystem::path& folder) {
  const auto vocab_file = folder / "vocab.json";
  nlohmann::json vocab = parse_file(vocab_file);
  if (!vocab.is_object()) throw FormatError(vocab_file.string(), "expected a JSON object");
  const auto merges_file = folder / "merges.txt";
  const std::string text = read_text_file(merges_file);
  nlohmann::json merges = nlohmann::json::array();
  size_t pos = 0;
  int64_t line_number = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (line_number == 1 && line.rfind("#version", 0) == 0)) continue;
    const size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
      throw FormatError(merges_file.string(), "line " + std::to_string(line_number) + " " +
                                                  quote(line) +
                                                  " is not a merge; expected \"a b\"");
    }
    merges.push_back({line.substr(0, space), line.substr(space + 1)});
  }

  const nlohmann::json config = read_tokenizer_config(folder);
  const std::string config_file = (folder / "tokenizer_config.json").string();
  std::string kind = json_string_or(config, "tokenizer_class", "", config_file);
  if (kind.empty() && std::filesystem::exists(folder / "config.json")) {
    const nlohmann::json model_config = parse_file(folder / "config.json");
    if (model_config.is_object())
      kind = json_string_or(model_config, "model_type", "", (folder / "config.json").string());
  }
  std::string lower;
  for (char c : kind)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const bool roberta = lower.find("roberta") != std::string::npos ||
                       lower.find("bart") != std::string::npos ||
                       lower.find("longformer") != std::string::npos;
  const bool add_prefix_space = json_bool_or(config, "add_prefix_space", false, config_file);

  nlohmann::json added = config_added_tokens(config, config_file);
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token", "sep_token",
                          "cls_token", "mask_token"}) {
    auto content = config_token(config, key);
    if (!content && roberta) {
      static const std::map<std::string, std::string> defaults = {
          {"bos_token", "<s>"},    {"eos_token", "</s>"}, {"unk_token", "<unk>"},
          {"pad_token", "<pad>"},  {"sep_token", "</s>"}, {"cls_token", "<s>"},
          {"mask_token", "<mask>"}};
      content = defaults.at(key);
    }
    if (!content && !roberta && std::string(key) != "pad_token") content = "<|endoftext|>";
    if (!content || !vocab.contains(*content) || has_added(added, *content)) continue;
    nlohmann::json flags = nlohmann::json::object();
    if (roberta && std::string(key) == "mask_token") flags["lstrip"] = true;
    added.push_back(added_token_json(json_id(vocab[*content], vocab_file.string(), *content),
                                     *content, true, flags));
  }

  nlohmann::json post_processor;
  if (roberta) {
    const std::string cls = config_token(config, "cls_token").value_or("<s>");
    const std::string sep = config_token(config, "sep_token").value_or("</s>");
    if (!vocab.contains(cls) || !vocab.contains(sep)) {
      throw FormatError(vocab_file.string(), "RoBERTa tokens " + quote(cls) + " / " + quote(sep) +
                                                 " are not in the vocabulary");
    }
    post_processor = {{"type", "RobertaProcessing"},
                      {"cls", {cls, vocab[cls]}},
                      {"sep", {sep, vocab[sep]}},
                      {"trim_offsets", true},
                      {"add_prefix_space", add_prefix_space}};
  } else if (json_bool_or(config, "add_bos_token", false, config_file)) {
    const std::string bos = config_token(config, "bos_token").value_or("<|endoftext|>");
    if (!vocab.contains(bos)) {
      throw FormatError(vocab_file.string(),
                        "bos_token " + quote(bos) + " is not in the vocabulary");
    }
    post_processor = {
        {"type", "TemplateProcessing"},
        {"single", bos + " $A"},
        {"special_tokens", {{bos, {{"id", bos}, {"ids", {vocab[bos]}}, {"tokens", {bos}}}}}}};
  } else {
    post_processor = {{"type", "ByteLevel"}, {"trim_offsets", false}};
  }
  return {{"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "ByteLevel"},
            {"add_prefix_space", add_prefix_space},
            {"trim_offsets", true},
            {"use_regex", true}}},
          {"model",
           {{"type", "BPE"},
            {"vocab", std::move(vocab)},
            {"merges", std::move(merges)},
            {"continuing_subword_prefix", ""},
            {"end_of_word_suffix", ""},
            {"fuse_unk", false}}},
          {"post_processor", post_processor},
          {"decoder", {{"type", "ByteLevel"}}}};
}

}  // namespace attnscope::tokenizer
