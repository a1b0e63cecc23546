#include "tokenizer/sentencepiece_backend.h"

#include <sentencepiece_processor.h>

#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/limits.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/legacy.h"

namespace attnscope::tokenizer {

namespace {

// The library's message in user terms: its internal ones ("./src/sentencepiece_processor.cc(232)
// [model_proto->ParseFromArray(...)]") become a plain sentence.
std::string sentencepiece_problem(const sentencepiece::util::Status& status) {
  std::string message = status.error_message();
  if (message.find(".cc(") != std::string::npos || message.find("->") != std::string::npos) {
    return "the library rejected its contents";
  }
  if (message.size() > 120) message = message.substr(0, 120) + "...";
  return message;
}

}  // namespace

void check_sentencepiece_proto(std::string_view blob, const std::string& file) {
  // Protobuf wire format: (tag varint, value)*; ModelProto field 1 = repeated SentencePiece,
  // whose field 1 is the piece string.
  struct Reader {
    std::string_view data;
    size_t pos = 0;
    bool varint(uint64_t& out) {
      out = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= data.size()) return false;
        const auto byte = static_cast<uint8_t>(data[pos++]);
        out |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return true;
      }
      return false;
    }
    // Skips one field's value; `length` gets a length-delimited field's size.
    bool skip(uint64_t wire, std::string_view* payload) {
      uint64_t n = 0;
      switch (wire) {
        case 0:
          return varint(n);
        case 1:
          n = 8;
          break;
        case 5:
          n = 4;
          break;
        case 2:
          if (!varint(n)) return false;
          break;
        default:
          return false;
      }
      if (n > data.size() - pos) return false;
      if (payload != nullptr) *payload = data.substr(pos, n);
      pos += n;
      return true;
    }
  };
  const auto broken = [&] {
    throw FormatError(file, "not a SentencePiece model (truncated or not a protobuf)");
  };
  Reader top{blob};
  int64_t pieces = 0;
  std::unordered_map<std::string_view, int64_t> seen;
  while (top.pos < blob.size()) {
    uint64_t tag = 0;
    if (!top.varint(tag)) broken();
    std::string_view payload;
    if (!top.skip(tag & 7, &payload)) broken();
    if (tag >> 3 != 1 || (tag & 7) != 2) continue;
    if (++pieces > limits::kMaxVocabSize) {
      throw FormatError(file, "holds more than " + std::to_string(limits::kMaxVocabSize) +
                                  " pieces; the limit is " + std::to_string(limits::kMaxVocabSize));
    }
    Reader piece{payload};
    std::string_view text;  // the last field 1 wins, as protobuf parses it; absent = empty
    while (piece.pos < payload.size()) {
      uint64_t field = 0;
      if (!piece.varint(field)) broken();
      std::string_view value;
      if (!piece.skip(field & 7, &value)) broken();
      if (field >> 3 == 1) text = value;
    }
    const std::string which = "piece " + std::to_string(pieces - 1);
    if (text.size() > static_cast<size_t>(limits::kMaxTokenBytes)) {
      throw FormatError(file, which + " is " + std::to_string(text.size()) +
                                  " bytes long; the limit is " +
                                  std::to_string(limits::kMaxTokenBytes));
    }
    // The library builds a darts-clone trie of the pieces, which throws through a noexcept frame
    // (std::terminate) on an empty key or one with a NUL byte, and refuses duplicates.
    if (text.empty()) throw FormatError(file, which + " is empty");
    if (text.find('\0') != std::string_view::npos) {
      throw FormatError(file, which + " contains a NUL byte");
    }
    if (const auto [at, fresh] = seen.emplace(text, pieces - 1); !fresh) {
      throw FormatError(file, which + " " + quote(std::string(text)) + " repeats piece " +
                                  std::to_string(at->second));
    }
  }
}

namespace {

class SentencePieceBackend : public Backend {
 public:
  explicit SentencePieceBackend(const std::filesystem::path& folder) {
    const auto model_file = folder / "tokenizer.model";
    const std::string blob = read_text_file(model_file);
    // Checked before the library sees it: the library's own errors name its source files, and a
    // very long piece overflows its stack at load (google/sentencepiece#1263).
    check_sentencepiece_proto(blob, model_file.string());
    const auto status = processor_.LoadFromSerializedProto(blob);
    if (!status.ok()) {
      throw FormatError(model_file.string(),
                        "not a usable SentencePiece model (" + sentencepiece_problem(status) + ")");
    }
    description_ = "SentencePiece from " + model_file.string();
    const nlohmann::json config = read_tokenizer_config(folder);
    const std::string config_file = (folder / "tokenizer_config.json").string();
    if (config.contains("legacy") && config["legacy"].is_boolean() &&
        !config["legacy"].get<bool>()) {
      throw UnsupportedError(config_file +
                             ": legacy = false (LlamaTokenizer's non-legacy SentencePiece mode) "
                             "is not supported for a bare tokenizer.model; add a tokenizer.json");
    }
    add_bos_ = json_bool_or(config, "add_bos_token", true, config_file);
    add_eos_ = json_bool_or(config, "add_eos_token", false, config_file);

    std::vector<AddedToken> added;
    std::unordered_set<std::string> seen;
    auto add = [&](int64_t id, const std::string& content, const nlohmann::json& flags) {
      if (content.empty() || !seen.insert(content).second) return;
      AddedToken t;
      t.id = id;
      t.content = content;
      t.special = true;
      t.normalized = false;
      if (flags.is_object()) {
        t.lstrip = json_bool_or(flags, "lstrip", false, config_file);
        t.rstrip = json_bool_or(flags, "rstrip", false, config_file);
        t.single_word = json_bool_or(flags, "single_word", false, config_file);
        t.special = json_bool_or(flags, "special", true, config_file);
      }
      added.push_back(std::move(t));
    };
    if (config.contains("added_tokens_decoder") && config["added_tokens_decoder"].is_object()) {
      for (const auto& [key, value] : config["added_tokens_decoder"].items()) {
        if (!value.is_object() || !value.contains("content") || !value["content"].is_string()) {
          throw FormatError(config_file,
                            "added_tokens_decoder[" + quote(key) + "].content is missing");
        }
        int64_t id = 0;
        try {
          id = std::stoll(key);
        } catch (const std::exception&) {
          throw FormatError(config_file,
                            "added_tokens_decoder key " + quote(key) + " is not an integer id");
        }
        add(id, value["content"].get<std::string>(), value);
      }
    }
    auto piece_id = [&](const std::string& content) -> std::optional<int64_t> {
      const int id = processor_.PieceToId(content);
      if (id == processor_.unk_id() && content != processor_.IdToPiece(id)) return std::nullopt;
      return id;
    };
    const std::pair<const char*, const char*> defaults[] = {
        {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"unk_token", "<unk>"}, {"pad_token", ""}};
    for (const auto& [key, fallback] : defaults) {
      std::string content = fallback;
      if (config.contains(key)) content = config_token(config, key).value_or("");
      if (content.empty()) continue;
      if (auto id = piece_id(content)) add(*id, content, nullptr);
    }
    if (config.contains("additional_special_tokens") &&
        config["additional_special_tokens"].is_array()) {
      for (const auto& item : config["additional_special_tokens"]) {
        std::string content = item.is_string()   ? item.get<std::string>()
                              : item.is_object() ? json_string_or(item, "content", "", config_file)
                                                 : "";
        if (auto id = piece_id(content)) add(*id, content, item);
      }
    }
    const std::string bos = config_token(config, "bos_token").value_or("<s>");
    const std::string eos = config_token(config, "eos_token").value_or("</s>");
    bos_id_ = piece_id(bos).value_or(processor_.bos_id());
    eos_id_ = piece_id(eos).value_or(processor_.eos_id());
    if ((add_bos_ && bos_id_ < 0) || (add_eos_ && eos_id_ < 0)) {
      throw FormatError(model_file.string(),
                        "the model has no BOS/EOS piece but "
                        "tokenizer_config.json asks to add it");
    }
    vocab_size_ = processor_.GetPieceSize();
    for (const AddedToken& t : added) {
      if (t.id >= vocab_size_) ++vocab_size_;
    }
    added_ = AddedVocabulary(std::move(added), nullptr);
  }

  RawEncoding encode(std::string_view text, bool add_special_tokens) const override {
    RawEncoding out;
    if (add_special_tokens && add_bos_)
      out.push(bos_id_, processor_.IdToPiece(bos_id_), {0, 0}, true);
    PreTokenizedString pts(text);
    added_.extract_and_normalize(pts, nullptr);
    for (const Split& split : pts.splits()) {
      if (split.tokens) {
        for (const Token& t : *split.tokens) {
          const Alignment r = split.normalized.original_range(t.start, t.end);
          out.push(t.id, t.value, {r.start, r.end}, false);
        }
        continue;
      }
      const std::string& piece_text = split.normalized.get();
      const auto proto = processor_.EncodeAsImmutableProto(piece_text);
      for (const auto& piece : proto.pieces()) {
        const size_t begin = std::min<size_t>(piece.begin(), piece_text.size());
        const size_t end =
            std::min<size_t>(std::max<size_t>(piece.end(), begin), piece_text.size());
        const Alignment r = split.normalized.original_range(begin, end);
        out.push(piece.id(), std::string(piece.piece()), {r.start, r.end}, false);
      }
    }
    if (add_special_tokens && add_eos_)
      out.push(eos_id_, processor_.IdToPiece(eos_id_), {0, 0}, true);
    return out;
  }

  std::string decode(std::span<const int64_t> ids, bool skip_special_tokens) const override {
    std::string out;
    std::vector<int> run;
    auto flush = [&] {
      if (run.empty()) return;
      std::string text;
      const auto status = processor_.Decode(run, &text);
      if (!status.ok()) throw InputError("SentencePiece decode failed: " + status.ToString());
      out += text;
      run.clear();
    };
    for (int64_t id : ids) {
      if (const AddedToken* added = added_.find_id(id)) {
        flush();
        if (!(skip_special_tokens && added->special)) out += added->content;
        continue;
      }
      if (id < 0 || id >= processor_.GetPieceSize()) {
        throw InputError("cannot decode id " + std::to_string(id) + ": not in the vocabulary of " +
                         description_);
      }
      if (processor_.IsControl(static_cast<int>(id))) {
        flush();
        if (!skip_special_tokens) out += processor_.IdToPiece(static_cast<int>(id));
        continue;
      }
      run.push_back(static_cast<int>(id));
    }
    flush();
    return out;
  }

  std::optional<int64_t> token_to_id(std::string_view token) const override {
    if (auto id = added_.token_to_id(token)) return id;
    const std::string text(token);
    const int id = processor_.PieceToId(text);
    if (id == processor_.unk_id() && text != processor_.IdToPiece(id)) return std::nullopt;
    return id;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (const AddedToken* added = added_.find_id(id)) return added->content;
    if (id < 0 || id >= processor_.GetPieceSize()) return std::nullopt;
    return processor_.IdToPiece(static_cast<int>(id));
  }
  bool is_special(int64_t id) const override {
    if (const AddedToken* added = added_.find_id(id)) return added->special;
    return id >= 0 && id < processor_.GetPieceSize() && processor_.IsControl(static_cast<int>(id));
  }
  int64_t vocab_size() const override { return vocab_size_; }
  std::string description() const override { return description_; }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  AddedVocabulary added_;
  bool add_bos_ = true;
  bool add_eos_ = false;
  int64_t bos_id_ = -1;
  int64_t eos_id_ = -1;
  int64_t vocab_size_ = 0;
  std::string description_;
};

}  // namespace

std::unique_ptr<Backend> make_sentencepiece_backend(const std::filesystem::path& folder) {
  return std::make_unique<SentencePieceBackend>(folder);
}

}  // namespace attnscope::tokenizer
