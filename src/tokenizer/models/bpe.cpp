// BPE: split a word into characters (vocabulary lookups, with byte fallback and unknown-token
// fusing), then apply merges lowest rank first. The merges run on a linked list of symbols with
// a priority queue, O(n log n) in the word length, so a 1 MB "word" is fine.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "core/quote.h"
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

namespace {

struct MergeInfo {
  int32_t rank;
  int32_t new_id;
};

// (left id, right id) -> merge, open addressing: merge lookups dominate BPE time, and
// std::unordered_map's modulo hashing was a third of GPT-2's encode time.
class MergeTable {
 public:
  void reserve(size_t count) {
    size_t capacity = 16;
    while (capacity < count * 2) capacity <<= 1;
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, MergeInfo{});
    mask_ = capacity - 1;
  }
  // Keeps the first (lowest-rank) entry of a duplicated pair.
  void insert(uint64_t key, MergeInfo value) {
    size_t slot = index(key);
    while (keys_[slot] != kEmpty) {
      if (keys_[slot] == key) return;
      slot = (slot + 1) & mask_;
    }
    keys_[slot] = key;
    values_[slot] = value;
  }
  const MergeInfo* find(uint64_t key) const {
    size_t slot = index(key);
    while (true) {
      const uint64_t k = keys_[slot];
      if (k == key) return &values_[slot];
      if (k == kEmpty) return nullptr;
      slot = (slot + 1) & mask_;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t index(uint64_t key) const { return ((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_; }
  std::vector<uint64_t> keys_;
  std::vector<MergeInfo> values_;
  size_t mask_ = 0;
};

// Results of recent words, sharded under mutexes so concurrent encodes share it.
class WordCache {
 public:
  using Result = std::vector<std::pair<int32_t, uint32_t>>;  // [symbol] (id, byte length)
  static constexpr size_t kMaxWordBytes = 64;

  bool find(std::string_view word, Result& out) const {
    Shard& shard = shard_for(word);
    std::lock_guard<std::mutex> lock(shard.mutex);
    auto it = shard.map.find(word);
    if (it == shard.map.end()) return false;
    out = it->second;
    return true;
  }
  void insert(std::string_view word, const Result& result) const {
    Shard& shard = shard_for(word);
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.map.size() < kMaxEntriesPerShard) shard.map.emplace(std::string(word), result);
  }

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kMaxEntriesPerShard = 8192;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Result, StringHash, std::equal_to<>> map;
  };
  Shard& shard_for(std::string_view word) const { return shards_[StringHash{}(word) % kShards]; }
  mutable Shard shards_[kShards];
};

class Bpe : public Model {
 public:
  explicit Bpe(const JsonNode& node) : vocab_(read_vocab(node.at("vocab"))) {
    if (node.has("dropout") && node.at("dropout").as_double() > 0.0) {
      throw UnsupportedError(node.file() + ": " + node.path() +
                             ".dropout > 0 is not supported (BPE dropout is random; it is meant "
                             "for training)");
    }
    if (auto unk = node.get_optional_string("unk_token")) {
      unk_token_ = *unk;
      unk_id_ = vocab_.find(*unk).value_or(-1);
    }
    continuing_subword_prefix_ = node.get_or("continuing_subword_prefix", "");
    end_of_word_suffix_ = node.get_or("end_of_word_suffix", "");
    fuse_unk_ = node.get_or("fuse_unk", false);
    byte_fallback_ = node.get_or("byte_fallback", false);
    ignore_merges_ = node.get_or("ignore_merges", false);
    if (byte_fallback_) {
      for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        byte_ids_[b] = vocab_.find(name).value_or(-1);
      }
    }
    read_merges(node.at("merges"));
  }

  void tokenize(std::string_view word, std::vector<Token>& out) const override {
    if (word.empty()) return;
    if (ignore_merges_) {
      if (auto id = vocab_.find(word)) {
        out.push_back({*id, std::string(word), 0, static_cast<uint32_t>(word.size())});
        return;
      }
    }
    WordCache::Result result;
    const bool cacheable = word.size() <= WordCache::kMaxWordBytes;
    if (!cacheable || !cache_.find(word, result)) {
      std::vector<Symbol> symbols = initial_symbols(word);
      merge_all(symbols);
      for (int32_t i = 0; i >= 0 && i < static_cast<int32_t>(symbols.size()); i = symbols[i].next) {
        result.emplace_back(symbols[i].id, symbols[i].len);
      }
      if (cacheable) cache_.insert(word, result);
    }
    uint32_t offset = 0;
    for (const auto& [id, len] : result) {
      out.push_back({id, vocab_.id_to_token[id], offset, offset + len});
      offset += len;
    }
  }

  std::optional<int64_t> token_to_id(std::string_view token) const override {
    auto id = vocab_.find(token);
    if (!id) return std::nullopt;
    return *id;
  }
  std::optional<std::string> id_to_token(int64_t id) const override {
    if (id < 0 || id >= static_cast<int64_t>(vocab_.id_to_token.size())) return std::nullopt;
    return vocab_.id_to_token[id];
  }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.token_to_id.size()); }

 private:
  struct Symbol {
    int32_t id;  // -1 once merged into its left neighbour
    int32_t prev;
    int32_t next;
    uint32_t len;  // bytes of the word this symbol covers
  };

  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  void read_merges(const JsonNode& merges) {
    const auto elements = merges.elements();
    merges_.reserve(elements.size());
    for (size_t rank = 0; rank < elements.size(); ++rank) {
      const JsonNode& m = elements[rank];
      std::string left;
      std::string right;
      if (m.is_string()) {
        const std::string text = m.as_string();
        const size_t space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
          m.fail("= " + quote(text) + " is not a merge; expected \"left right\"");
        }
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else if (m.is_array() && m.size() == 2) {
        left = m.at(size_t{0}).as_string();
        right = m.at(size_t{1}).as_string();
      } else {
        m.fail("is not a merge; expected \"left right\" or [\"left\", \"right\"], got " +
               m.brief());
      }
      const auto left_id = vocab_.find(left);
      const auto right_id = vocab_.find(right);
      std::string merged = left;
      if (!continuing_subword_prefix_.empty() &&
          right.compare(0, continuing_subword_prefix_.size(), continuing_subword_prefix_) == 0) {
        merged += right.substr(continuing_subword_prefix_.size());
      } else {
        merged += right;
      }
      const auto new_id = vocab_.find(merged);
      if (!left_id || !right_id || !new_id) {
        m.fail("merges " + quote(left) + " + " + quote(right) + " but " +
               quote(!left_id    ? left
                     : !right_id ? right
                                 : merged) +
               " is not in model.vocab");
      }
      merges_.insert(pair_key(*left_id, *right_id), MergeInfo{static_cast<int32_t>(rank), *new_id});
    }
  }

  std::vector<Symbol> initial_symbols(std::string_view word) const {
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto add = [&](int32_t id, uint32_t len) {
      const auto index = static_cast<int32_t>(symbols.size());
      symbols.push_back({id, index - 1, index + 1, len});
    };
    int32_t pending_unk_len = -1;  // a fused unknown run waiting to be added
    auto flush_unk = [&] {
      if (pending_unk_len >= 0) {
        add(unk_id_, static_cast<uint32_t>(pending_unk_len));
        pending_unk_len = -1;
      }
    };
    std::string piece;
    size_t pos = 0;
    while (pos < word.size()) {
      const size_t start = pos;
      pos += unicode::utf8_length(static_cast<unsigned char>(word[pos]));
      if (pos > word.size()) pos = word.size();
      const auto byte_len = static_cast<uint32_t>(pos - start);
      std::string_view text = word.substr(start, byte_len);
      const bool decorate = (start > 0 && !continuing_subword_prefix_.empty()) ||
                            (pos == word.size() && !end_of_word_suffix_.empty());
      if (decorate) {
        piece.clear();
        if (start > 0) piece += continuing_subword_prefix_;
        piece += text;
        if (pos == word.size()) piece += end_of_word_suffix_;
        text = piece;
      }
      if (auto id = vocab_.find(text)) {
        flush_unk();
        add(*id, byte_len);
        continue;
      }
      if (byte_fallback_) {
        bool all = true;
        for (char b : text) all = all && byte_ids_[static_cast<unsigned char>(b)] >= 0;
        if (all) {
          flush_unk();
          // Each byte token covers one byte; the last takes up any decoration's slack.
          uint32_t covered = 0;
          for (size_t k = 0; k < text.size(); ++k) {
            const uint32_t len =
                k + 1 == text.size() ? byte_len - covered : (covered < byte_len ? 1 : 0);
            add(byte_ids_[static_cast<unsigned char>(text[k])], len);
            covered += len;
          }
          continue;
        }
      }
      if (unk_id_ < 0) {
        throw InputError("BPE: " + quote(std::string(text)) +
                         " is not in the vocabulary and the model has no unk_token");
      }
      if (fuse_unk_ && pending_unk_len >= 0) {
        pending_unk_len += static_cast<int32_t>(byte_len);
      } else {
        flush_unk();
        pending_unk_len = static_cast<int32_t>(byte_len);
      }
    }
    flush_unk();
    if (!symbols.empty()) symbols.back().next = -1;
    return symbols;
  }

  // The lowest-ranked pair first, leftmost among equals (as Hugging Face's BPE). Keys are
  // (rank << 32 | position). A popped key is stale when the pair at its position changed: pairs
  // have unique ranks, so comparing the rank is enough.
  //
  // Long words (TK-1: a megabyte without a split) make the queue large and cache misses
  // dominate, so keys pushed in ascending order (the common case there: a merge pass runs left
  // to right and creates the next rank's pairs in position order) go to a sorted run read
  // front to back; only the others go to a 4-ary heap (half the levels of a binary one). A pop
  // takes the smaller of the two fronts.
  class PairHeap {
   public:
    bool empty() const { return keys_.empty(); }
    uint64_t top() const { return keys_.front(); }
    void push(uint64_t key) {
      size_t i = keys_.size();
      keys_.push_back(key);
      while (i > 0) {
        const size_t parent = (i - 1) / 4;
        if (keys_[parent] <= key) break;
        keys_[i] = keys_[parent];
        i = parent;
      }
      keys_[i] = key;
    }
    uint64_t pop() {
      const uint64_t top = keys_.front();
      const uint64_t last = keys_.back();
      keys_.pop_back();
      const size_t n = keys_.size();
      if (n == 0) return top;
      size_t i = 0;
      for (;;) {
        const size_t first = 4 * i + 1;
        if (first >= n) break;
        size_t best = first;
        const size_t end = std::min(first + 4, n);
        for (size_t c = first + 1; c < end; ++c) {
          if (keys_[c] < keys_[best]) best = c;
        }
        if (keys_[best] >= last) break;
        keys_[i] = keys_[best];
        i = best;
      }
      keys_[i] = last;
      return top;
    }

   private:
    std::vector<uint64_t> keys_;
  };

  class PairQueue {
   public:
    bool empty() const { return head_ == run_.size() && heap_.empty(); }
    void push(uint64_t key) {
      if (head_ == run_.size()) {
        run_.clear();
        head_ = 0;
      }
      if (run_.empty() || key >= run_.back()) {
        run_.push_back(key);
      } else {
        heap_.push(key);
      }
    }
    uint64_t pop() {
      if (head_ < run_.size() && (heap_.empty() || run_[head_] <= heap_.top())) {
        return run_[head_++];
      }
      return heap_.pop();
    }

   private:
    std::vector<uint64_t> run_;
    size_t head_ = 0;
    PairHeap heap_;
  };

  void merge_all(std::vector<Symbol>& symbols) const {
    PairQueue heap;
    auto consider = [&](int32_t pos) {
      const int32_t next = symbols[pos].next;
      if (next < 0) return;
      if (const MergeInfo* m = merges_.find(pair_key(symbols[pos].id, symbols[next].id))) {
        heap.push(static_cast<uint64_t>(static_cast<uint32_t>(m->rank)) << 32 |
                  static_cast<uint32_t>(pos));
      }
    };
    for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);
    while (!heap.empty()) {
      const uint64_t key = heap.pop();
      const auto rank = static_cast<int32_t>(key >> 32);
      const auto pos = static_cast<int32_t>(key & 0xffffffffu);
      Symbol& left = symbols[pos];
      if (left.id < 0 || left.next < 0) continue;
      Symbol& right = symbols[left.next];
      const MergeInfo* m = merges_.find(pair_key(left.id, right.id));
      if (m == nullptr || m->rank != rank) continue;
      left.id = m->new_id;
      left.len += right.len;
      right.id = -1;  // merged away
      left.next = right.next;
      if (left.next >= 0) symbols[left.next].prev = pos;
      if (left.prev >= 0) consider(left.prev);
      consider(pos);
    }
  }

  Vocab vocab_;
  MergeTable merges_;
  WordCache cache_;
  std::string unk_token_;
  int32_t unk_id_ = -1;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  int32_t byte_ids_[256] = {};
};

}  // namespace

std::unique_ptr<Model> make_bpe_model(const JsonNode& node) { return std::make_unique<Bpe>(node); }

}  // namespace attnscope::tokenizer
