#include "cli_common.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/limits.h"
#include "core/mapped_file.h"
#include "core/memory.h"
#include "io/json_file.h"
#include "model/model.h"
#include "tokenizer/unicode.h"

namespace attnscope::cli {

std::vector<InputText> read_inputs(const std::string& path) {
  if (path.empty()) throw InputError("--input is empty");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(path, "--input is a folder; give a .txt or .jsonl file");
  }
  // A regular file only (never blocks on a FIFO, never reads /dev/zero forever), size-capped.
  const std::string content = read_file(path, limits::kMaxTextFileBytes);
  // Checked here, not by the tokenizer or the JSON parser, to name the line a person looks for
  // (and to keep invalid bytes off the terminal).
  if (const auto bad = tokenizer::unicode::find_invalid_utf8(content)) {
    const auto line = 1 + std::count(content.begin(), content.begin() + *bad, '\n');
    throw FormatError(path, "line " + std::to_string(line) + " is not valid UTF-8",
                      static_cast<int64_t>(*bad));
  }

  if (std::filesystem::path(path).extension() != ".jsonl") {
    std::string text = content;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return {{text, path}};
  }
  std::vector<InputText> texts;
  std::istringstream lines(content);
  std::string line;
  for (int64_t number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    // Depth-limited, library messages mapped (io/json_file.h).
    const nlohmann::json object = parse_json_text(line, path + ": line " + std::to_string(number));
    if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
      throw FormatError(path, "line " + std::to_string(number) +
                                  ": expected an object with a string \"text\" field");
    }
    texts.push_back({object["text"].get<std::string>(), path + ": line " + std::to_string(number)});
  }
  return texts;
}

std::vector<std::string> read_input_texts(const std::string& path) {
  std::vector<std::string> texts;
  for (auto& input : read_inputs(path)) texts.push_back(std::move(input.text));
  return texts;
}

std::vector<InputText> texts_as_inputs(const std::vector<std::string>& texts) {
  std::vector<InputText> inputs;
  for (size_t k = 0; k < texts.size(); ++k) {
    inputs.push_back({texts[k], texts.size() == 1 ? std::string()
                                                  : "text " + std::to_string(k + 1) + " of " +
                                                        std::to_string(texts.size())});
  }
  return inputs;
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
}

analysis::EncodedText encode_input(const analysis::AttentionSource& source, const InputText& input,
                                   bool add_special_tokens) {
  const std::string prefix = input.where.empty() ? "" : input.where + ": ";
  try {
    return source.encode(input.text, add_special_tokens);
  } catch (const InputError& e) {
    throw InputError(prefix + e.what());
  } catch (const LimitError& e) {
    throw LimitError(prefix + e.what());
  }
}

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (ec == std::errc::result_out_of_range && ptr == item.data() + item.size()) {
      throw InputError("--ids: '" + item + "' (item " + std::to_string(ids.size() + 1) +
                       ") is too large for a token id");
    }
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) {
      throw InputError("--ids: '" + item + "' (item " + std::to_string(ids.size() + 1) +
                       ") is not an integer; expected a comma-separated list like 1,2,3");
    }
    ids.push_back(value);
    pos = end + 1;
  }
  return ids;
}

analysis::EncodedText encode_ids_option(const analysis::AttentionSource& source,
                                        const std::string& ids) {
  const std::vector<int64_t> values = parse_ids(ids);
  try {
    return source.encode_ids(values);
  } catch (const InputError& e) {
    throw InputError(std::string("--ids: ") + e.what());
  }
}

void warn_past_trained_length(const ModelConfig& config, const std::vector<int64_t>& tokens,
                              const std::vector<std::string>& names) {
  if (config.position != PositionKind::kRotary || config.max_position_embeddings <= 0) return;
  const int64_t limit = config.max_position_embeddings;
  const auto first =
      std::find_if(tokens.begin(), tokens.end(), [&](int64_t t) { return t > limit; });
  if (first == tokens.end()) return;
  const auto index = static_cast<size_t>(first - tokens.begin());
  const auto past =
      std::count_if(tokens.begin(), tokens.end(), [&](int64_t t) { return t > limit; });
  std::string which = std::to_string(*first) + " tokens";
  if (index < names.size() && !names[index].empty()) which = names[index] + ": " + which;
  std::cerr << "attnscope: warning: " << which << " is past the model's max_position_embeddings ("
            << limit << ")";
  if (past > 1) std::cerr << ", and " << past - 1 << " more of the " << tokens.size() << " texts";
  std::cerr << "; the model computes there, but its attention is extrapolation\n";
}

InputText one_input(const std::string& text, const std::string& input_path,
                    std::string_view command) {
  if (input_path.empty()) return {text, ""};
  std::vector<InputText> inputs = read_inputs(input_path);
  if (inputs.size() != 1) {
    throw InputError("--input " + input_path + " holds " + std::to_string(inputs.size()) +
                     " texts; " + std::string(command) + " takes one (use analyze for a corpus)");
  }
  return std::move(inputs.front());
}

void truncate_input(analysis::EncodedText& input, int64_t n) {
  if (n <= 0 || static_cast<int64_t>(input.ids.size()) <= n) return;
  const auto keep = static_cast<size_t>(n);
  input.ids.resize(keep);
  if (input.tokens.size() > keep) input.tokens.resize(keep);
  if (input.special_mask.size() > keep) input.special_mask.resize(keep);
}

void check_position_limit(const ModelConfig& config, const std::vector<int64_t>& tokens,
                          const std::vector<std::string>& names) {
  const auto limit = max_input_tokens(config);
  if (!limit) return;
  const auto first =
      std::find_if(tokens.begin(), tokens.end(), [&](int64_t t) { return t > *limit; });
  if (first == tokens.end()) return;
  const auto index = static_cast<size_t>(first - tokens.begin());
  std::string which = "the input has ";
  if (index < names.size() && !names[index].empty()) which = names[index] + ": the text has ";
  throw InputError(which + std::to_string(*first) + " tokens; this model (" + config.family +
                   ", max_position_embeddings " + std::to_string(config.max_position_embeddings) +
                   ") takes at most " + std::to_string(*limit) + "; pass --truncate " +
                   std::to_string(*limit) + " to keep the first " + std::to_string(*limit));
}

void check_output_path(const std::string& path, bool force) {
  if (path.empty()) throw InputError("--out is empty");
  const std::filesystem::path p(path);
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) {
    throw InputError("--out " + path + " is a folder; give a file name");
  }
  // The entry itself (a symbolic link, even a dangling one, is something to replace), then what it
  // points to: --force replaces a regular file only, never a device, pipe, socket or link loop.
  const auto entry = std::filesystem::symlink_status(p, ec);
  if (!force && std::filesystem::exists(entry)) {
    throw InputError("--out " + path + " already exists; pass --force to replace it");
  }
  const auto target = std::filesystem::status(p, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw InputError("--out " + path + ": " + ec.message());
  }
  if (std::filesystem::exists(target) && !std::filesystem::is_regular_file(target)) {
    throw InputError("--out " + path + " is not a regular file (a device, pipe or socket); " +
                     "give a file name");
  }
  const auto parent = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec)) {
    throw InputError("--out " + path + ": folder " + parent.string() + " does not exist");
  }
}

uint64_t memory_budget(const std::string& option) {
  if (option.empty()) return default_memory_budget();
  try {
    return parse_byte_size(option);
  } catch (const InputError& e) {
    throw InputError(std::string("--max-memory: ") + e.what());
  }
}

void enforce_memory_budget(const ModelConfig& config, int64_t batch, int64_t tokens,
                           const KeepSpec& keep, const ForwardOptions& options, uint64_t budget,
                           std::optional<uint64_t> weight_bytes, bool exact_weight_bytes) {
  const MemoryEstimate need = estimate_forward_memory(config, batch, tokens, keep, options,
                                                      weight_bytes, exact_weight_bytes);
  if (need.total() <= budget) return;

  if (need.weights >= budget) {
    throw LimitError("the model's weights alone need " + format_bytes(need.weights) +
                     (weight_bytes ? " as stored" : " as f32") + ", above the memory budget of " +
                     format_bytes(budget) + " (--max-memory); raise --max-memory");
  }
  std::vector<std::string> fits;
  if (keep.dtype == DType::kF32) {
    KeepSpec half = keep;
    half.dtype = DType::kF16;
    const auto m = estimate_forward_memory(config, batch, tokens, half, options, weight_bytes,
                                           exact_weight_bytes);
    if (m.total() <= budget) fits.push_back("--dtype f16 (" + format_bytes(m.total()) + ")");
  }
  // The most leading layers that fit, with the chosen heads and dtype.
  // The estimate grows with the layer count, so bisection (a few estimates, not one per layer).
  auto leading_layers_fit = [&](int64_t n) {
    KeepSpec fewer = keep;
    fewer.layers.clear();
    for (int l = 0; l < n; ++l) fewer.layers.push_back(l);
    return estimate_forward_memory(config, batch, tokens, fewer, options, weight_bytes,
                                   exact_weight_bytes)
               .total() <= budget;
  };
  int64_t layers_that_fit = 0;
  for (int64_t hi_layers = config.num_hidden_layers; layers_that_fit < hi_layers;) {
    const int64_t mid = (layers_that_fit + hi_layers + 1) / 2;
    if (leading_layers_fit(mid)) {
      layers_that_fit = mid;
    } else {
      hi_layers = mid - 1;
    }
  }
  if (layers_that_fit > 0 &&
      (keep.layers.empty() || layers_that_fit < static_cast<int64_t>(keep.layers.size()))) {
    fits.push_back("--layers 0-" + std::to_string(layers_that_fit - 1) + " (" +
                   std::to_string(layers_that_fit) + " of " +
                   std::to_string(config.num_hidden_layers) + " layers)");
  }
  int64_t lo = 0, hi = tokens;  // the longest input that fits, by bisection
  while (lo < hi) {
    const int64_t mid = (lo + hi + 1) / 2;
    if (estimate_forward_memory(config, batch, mid, keep, options, weight_bytes, exact_weight_bytes)
            .total() <= budget)
      lo = mid;
    else
      hi = mid - 1;
  }
  if (lo > 0) fits.push_back("an input of at most " + std::to_string(lo) + " tokens");
  fits.push_back("a larger --max-memory");

  std::string message = "capturing " + std::to_string(batch) + " x " + std::to_string(tokens) +
                        " tokens needs " + format_bytes(need.total()) + " (" + need.describe() +
                        "), above the memory budget of " + format_bytes(budget) +
                        " (--max-memory). What would fit: ";
  for (size_t i = 0; i < fits.size(); ++i) message += (i ? "; " : "") + fits[i];
  throw LimitError(message);
}

}  // namespace attnscope::cli
