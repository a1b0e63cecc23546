#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"
#include "core/limits.h"
#include "core/mapped_file.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "tokenizer/backend.h"
#include "tokenizer/legacy.h"
#include "tokenizer/pipeline.h"
#include "tokenizer/sentencepiece_backend.h"
#include "tokenizer/unicode.h"

namespace attnscope {

using tokenizer::Backend;

namespace {

std::string read_file(const std::filesystem::path& file) {
  return attnscope::read_file(file.string(), limits::kMaxJsonFileBytes);
}

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  return parse_json_text(text, source);
}

// Byte offsets -> code point offsets (identity for ASCII text).
void to_code_point_offsets(std::string_view text,
                           std::vector<std::pair<int64_t, int64_t>>& offsets) {
  bool ascii = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return;
  std::vector<int64_t> index(text.size() + 1);  // [byte] code points before it
  int64_t count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    index[i] = count;
    count += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  }
  index[text.size()] = count;
  for (auto& [start, end] : offsets) {
    start = index[static_cast<size_t>(
        std::clamp<int64_t>(start, 0, static_cast<int64_t>(text.size())))];
    end =
        index[static_cast<size_t>(std::clamp<int64_t>(end, 0, static_cast<int64_t>(text.size())))];
  }
}

void pad(Encoding& e, const tokenizer::PaddingSpec& spec, size_t target) {
  if (spec.multiple_of > 0 && target % static_cast<size_t>(spec.multiple_of) != 0) {
    target +=
        static_cast<size_t>(spec.multiple_of) - target % static_cast<size_t>(spec.multiple_of);
  }
  if (e.size() >= target) return;
  const size_t n = target - e.size();
  auto insert = [&](auto& v, auto value) { v.insert(spec.left ? v.begin() : v.end(), n, value); };
  insert(e.ids, spec.pad_id);
  insert(e.tokens, spec.pad_token);
  insert(e.offsets, std::pair<int64_t, int64_t>{0, 0});
  insert(e.special_mask, uint8_t{1});
  insert(e.attention_mask, uint8_t{0});
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Backend> backend) : backend_(std::move(backend)) {}

Tokenizer Tokenizer::from_tokenizer_json_text(std::string_view json,
                                              const std::string& source_name) {
  const nlohmann::json root = parse_json(json, source_name);
  return Tokenizer(tokenizer::Pipeline::from_json(root, source_name));
}

Tokenizer Tokenizer::from_tokenizer_json(const std::filesystem::path& file) {
  return from_tokenizer_json_text(read_file(file), file.string());
}

Tokenizer Tokenizer::load(const std::filesystem::path& folder, TokenizerSource source) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(folder) && looks_like_gguf(folder.string())) {
    std::optional<Tokenizer> tokenizer = from_gguf(GgufFile(folder.string()));
    if (!tokenizer) {
      throw InputError(
          "GGUF file " + folder.string() +
          " has no tokenizer (tokenizer.ggml.model is none); give token ids with --ids");
    }
    return std::move(*tokenizer);
  }
  if (!fs::is_directory(folder)) throw IoError(folder.string(), "is not a folder");
  const bool has_json = fs::exists(folder / "tokenizer.json");
  const bool has_wordpiece = fs::exists(folder / "vocab.txt");
  const bool has_bpe = fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt");
  const bool has_sp = fs::exists(folder / "tokenizer.model");
  if (source == TokenizerSource::kAuto) {
    if (has_json) {
      source = TokenizerSource::kTokenizerJson;
    } else if (has_wordpiece) {
      source = TokenizerSource::kWordPieceVocab;
    } else if (has_bpe) {
      source = TokenizerSource::kByteLevelBpeVocab;
    } else if (has_sp) {
      source = TokenizerSource::kSentencePiece;
    } else {
      throw IoError(folder.string(),
                    "has no tokenizer files; expected tokenizer.json, vocab.txt, vocab.json + "
                    "merges.txt, or tokenizer.model");
    }
  }
  switch (source) {
    case TokenizerSource::kTokenizerJson:
      return from_tokenizer_json(folder / "tokenizer.json");
    case TokenizerSource::kWordPieceVocab: {
      const nlohmann::json json = tokenizer::wordpiece_tokenizer_json(folder);
      return Tokenizer(tokenizer::Pipeline::from_json(json, (folder / "vocab.txt").string()));
    }
    case TokenizerSource::kByteLevelBpeVocab: {
      const nlohmann::json json = tokenizer::byte_level_bpe_tokenizer_json(folder);
      return Tokenizer(tokenizer::Pipeline::from_json(json, (folder / "vocab.json").string()));
    }
    case TokenizerSource::kSentencePiece:
      return Tokenizer(tokenizer::make_sentencepiece_backend(folder));
    case TokenizerSource::kAuto:
      break;
  }
  throw IoError(folder.string(), "no tokenizer source chosen");
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  if (text.size() > static_cast<size_t>(limits::kMaxTextBytes)) {
    throw LimitError("text of " + std::to_string(text.size()) +
                     " bytes is too long to tokenize; the limit is " +
                     std::to_string(limits::kMaxTextBytes) + " bytes");
  }
  if (auto bad = tokenizer::unicode::find_invalid_utf8(text)) {
    throw InputError("text is not valid UTF-8: invalid byte 0x" +
                     [&] {
                       char hex[3];
                       std::snprintf(hex, sizeof(hex), "%02X",
                                     static_cast<unsigned char>(text[*bad]));
                       return std::string(hex);
                     }() +
                     " at byte offset " + std::to_string(*bad));
  }
  tokenizer::RawEncoding raw = backend_->encode(text, add_special_tokens);
  Encoding e;
  e.ids = std::move(raw.ids);
  e.tokens = std::move(raw.tokens);
  e.offsets = std::move(raw.offsets);
  e.special_mask = std::move(raw.special_mask);
  e.attention_mask = std::move(raw.attention_mask);
  to_code_point_offsets(text, e.offsets);
  if (auto spec = backend_->padding(); spec && !spec->batch_longest) {
    pad(e, *spec, static_cast<size_t>(std::max<int64_t>(spec->length, 0)));
  }
  return e;
}

std::vector<Encoding> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                              bool add_special_tokens, size_t threads) const {
  std::vector<Encoding> out(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(texts.size(), 1));
  std::vector<std::exception_ptr> errors(threads);
  auto work = [&](size_t worker) {
    try {
      for (size_t i = worker; i < texts.size(); i += threads) {
        out[i] = encode(texts[i], add_special_tokens);
      }
    } catch (...) {
      errors[worker] = std::current_exception();
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work, t);
    for (auto& t : pool) t.join();
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  if (auto spec = backend_->padding(); spec && spec->batch_longest) {
    size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    for (Encoding& e : out) pad(e, *spec, longest);
  }
  return out;
}

std::string Tokenizer::decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  return backend_->decode(ids, skip_special_tokens);
}

std::optional<int64_t> Tokenizer::token_to_id(std::string_view token) const {
  return backend_->token_to_id(token);
}

std::string Tokenizer::id_to_token(int64_t id) const {
  auto token = backend_->id_to_token(id);
  if (!token) {
    throw InputError("id " + std::to_string(id) + " is not in the vocabulary of " +
                     backend_->description());
  }
  return *token;
}

bool Tokenizer::is_special(int64_t id) const { return backend_->is_special(id); }

int64_t Tokenizer::vocab_size() const { return backend_->vocab_size(); }

std::string Tokenizer::description() const { return backend_->description(); }

}  // namespace attnscope
