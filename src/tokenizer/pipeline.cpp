#include "tokenizer/pipeline.h"

#include "core/error.h"
#include "core/quote.h"
#include "tokenizer/limits.h"

namespace attnscope::tokenizer {

std::string component_type(const JsonNode& node) {
  if (!node.is_object()) node.fail("expected an object with a \"type\", got " + node.brief());
  return node.at("type").as_string();
}

void unsupported_type(const JsonNode& node, const std::string& type, const std::string& supported) {
  throw FormatError(node.file(), (node.path().empty() ? "" : node.path() + ".") +
                                     "type = " + quote(type) +
                                     " is not supported; expected one of " + supported);
}

namespace {

void read_truncation(const JsonNode& node, std::optional<int64_t>& max_length, bool& left) {
  if (node.is_null()) return;
  const int64_t length = node.at("max_length").as_int();
  if (length < 0) node.at("max_length").fail("must not be negative");
  max_length = length;
  const std::string direction = node.get_or("direction", "Right");
  if (direction != "Right" && direction != "Left") {
    node.at("direction")
        .fail("= " + quote(direction) + " is not supported; expected Right or Left");
  }
  left = direction == "Left";
}

std::optional<PaddingSpec> read_padding(const JsonNode& node) {
  if (node.is_null()) return std::nullopt;
  PaddingSpec spec;
  if (node.has("strategy")) {
    const JsonNode strategy = node.at("strategy");
    if (strategy.is_string()) {
      if (strategy.as_string() != "BatchLongest") {
        strategy.fail("= " + quote(strategy.as_string()) +
                      " is not supported; expected "
                      "\"BatchLongest\" or {\"Fixed\": n}");
      }
    } else {
      spec.batch_longest = false;
      spec.length = strategy.at("Fixed").as_int();
      if (spec.length < 0 || spec.length > limits::kMaxPaddingLength) {
        strategy.at("Fixed").fail("is " + std::to_string(spec.length) +
                                  "; padding lengths must be in [0, " +
                                  std::to_string(limits::kMaxPaddingLength) + "]");
      }
    }
  }
  spec.left = node.get_or("direction", "Right") == "Left";
  spec.multiple_of = node.get_or("pad_to_multiple_of", int64_t{0});
  if (spec.multiple_of < 0 || spec.multiple_of > limits::kMaxPaddingLength) {
    node.at("pad_to_multiple_of")
        .fail("is " + std::to_string(spec.multiple_of) + "; it must be in [0, " +
              std::to_string(limits::kMaxPaddingLength) + "]");
  }
  spec.pad_id = node.get_or("pad_id", int64_t{0});
  if (node.has("pad_id")) check_token_id(node.at("pad_id"), spec.pad_id);
  spec.pad_token = node.get_or("pad_token", "[PAD]");
  return spec;
}

}  // namespace

std::unique_ptr<Pipeline> Pipeline::from_json(const nlohmann::json& root_json,
                                              const std::string& file) {
  const JsonNode root(root_json, file);
  if (!root.is_object()) root.fail("expected a JSON object, got " + root.brief());
  auto p = std::make_unique<Pipeline>();
  auto optional_node = [&](const char* key) {
    static const nlohmann::json null_json;
    return root.has(key) ? root.at(key) : JsonNode(null_json, file, key);
  };
  p->normalizer_ = make_normalizer(optional_node("normalizer"));
  p->pre_tokenizer_ = make_pre_tokenizer(optional_node("pre_tokenizer"));
  p->model_ = make_model(root.at("model"));
  p->post_processor_ = make_post_processor(optional_node("post_processor"));
  p->decoder_ = make_decoder(optional_node("decoder"));
  read_truncation(optional_node("truncation"), p->truncation_max_length_, p->truncate_left_);
  p->padding_ = read_padding(optional_node("padding"));

  std::vector<AddedToken> added;
  if (root.has("added_tokens")) {
    for (const JsonNode& t : root.at("added_tokens").elements()) {
      AddedToken token;
      token.id = t.at("id").as_int();
      token.content = t.at("content").as_string();
      token.single_word = t.get_or("single_word", false);
      token.lstrip = t.get_or("lstrip", false);
      token.rstrip = t.get_or("rstrip", false);
      token.special = t.get_or("special", false);
      token.normalized = t.get_or("normalized", !token.special);
      check_token_id(t.at("id"), token.id);
      check_token_length(t.at("content"), token.content);
      added.push_back(std::move(token));
    }
  }
  p->vocab_size_ = p->model_->vocab_size();
  for (const AddedToken& t : added) {
    if (!p->model_->id_to_token(t.id) || p->model_->id_to_token(t.id)->empty()) ++p->vocab_size_;
  }
  p->added_ = AddedVocabulary(std::move(added), p->normalizer_.get());
  const std::string model_type =
      root.at("model").has("type") ? root.at("model").at("type").as_string() : "model";
  p->description_ = model_type + " from " + file;
  return p;
}

RawEncoding Pipeline::encode(std::string_view text, bool add_special_tokens) const {
  PreTokenizedString pts(text);
  added_.extract_and_normalize(pts, normalizer_.get());
  if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pts);

  RawEncoding encoding;
  std::vector<Token> tokens;
  for (Split& split : pts.splits()) {
    if (!split.tokens) {
      tokens.clear();
      model_->tokenize(split.normalized.get(), tokens);
      split.tokens = std::move(tokens);
      tokens = {};
    }
    for (Token& token : *split.tokens) {
      const Alignment range = split.normalized.original_range(token.start, token.end);
      encoding.push(token.id, std::move(token.value), {range.start, range.end}, false);
    }
  }

  if (truncation_max_length_) {
    const int64_t added = add_special_tokens && post_processor_
                              ? static_cast<int64_t>(post_processor_->added_tokens())
                              : 0;
    const auto keep = static_cast<size_t>(std::max<int64_t>(*truncation_max_length_ - added, 0));
    if (encoding.size() > keep) {
      const size_t drop = encoding.size() - keep;
      auto cut = [&](auto& v) {
        if (truncate_left_) {
          v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(drop));
        } else {
          v.resize(keep);
        }
      };
      cut(encoding.ids);
      cut(encoding.tokens);
      cut(encoding.offsets);
      cut(encoding.special_mask);
      cut(encoding.attention_mask);
    }
  }
  if (post_processor_) post_processor_->process(encoding, add_special_tokens);
  return encoding;
}

std::string Pipeline::decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int64_t id : ids) {
    if (const AddedToken* added = added_.find_id(id)) {
      if (skip_special_tokens && added->special) continue;
      tokens.push_back(added->content);
      continue;
    }
    auto token = model_->id_to_token(id);
    if (!token || token->empty()) {
      throw InputError("cannot decode id " + std::to_string(id) + ": not in the vocabulary of " +
                       description_);
    }
    tokens.push_back(std::move(*token));
  }
  if (!decoder_) {
    std::string joined;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) joined += ' ';
      joined += tokens[i];
    }
    return joined;
  }
  decoder_->decode_chain(tokens);
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

std::optional<int64_t> Pipeline::token_to_id(std::string_view token) const {
  if (auto id = added_.token_to_id(token)) return id;
  return model_->token_to_id(token);
}

std::optional<std::string> Pipeline::id_to_token(int64_t id) const {
  if (const AddedToken* added = added_.find_id(id)) return added->content;
  auto token = model_->id_to_token(id);
  if (!token || token->empty()) return std::nullopt;
  return token;
}

bool Pipeline::is_special(int64_t id) const {
  const AddedToken* added = added_.find_id(id);
  return added != nullptr && added->special;
}

int64_t Pipeline::vocab_size() const { return vocab_size_; }

}  // namespace attnscope::tokenizer
