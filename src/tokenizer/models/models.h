// Constructors of the model components (one per file in this folder), used by registry.cpp,
// and the vocabulary map they share.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/components.h"

namespace attnscope::tokenizer {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenIdMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

// A token -> id map read from a JSON object, with the reverse table.
struct Vocab {
  TokenIdMap token_to_id;
  std::vector<std::string> id_to_token;  // [id]; "" where no token has that id

  std::optional<int32_t> find(std::string_view token) const {
    auto it = token_to_id.find(token);
    if (it == token_to_id.end()) return std::nullopt;
    return it->second;
  }
};
Vocab read_vocab(const JsonNode& node);

std::unique_ptr<Model> make_bpe_model(const JsonNode& node);
std::unique_ptr<Model> make_wordpiece_model(const JsonNode& node);
std::unique_ptr<Model> make_wordlevel_model(const JsonNode& node);
std::unique_ptr<Model> make_unigram_model(const JsonNode& node);

}  // namespace attnscope::tokenizer
