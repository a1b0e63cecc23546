// A small, complete byte-level BPE tokenizer.json (GPT-2 layout: every byte has a token, so any
// text encodes), with merges that build runs of 'a' (a, aa, aaaa, ... up to 2^k) — the shape
// that makes a naive BPE merge loop quadratic on "aaaa...".
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace attnscope::hostile {

// GPT-2's bytes_to_unicode(): printable bytes map to themselves, the others to U+0100 + n.
inline std::string byte_level_char(unsigned b) {
  const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
  unsigned cp = b;
  if (!printable) {
    unsigned n = 0;
    for (unsigned k = 0; k < b; ++k) {
      const bool p = (k >= 33 && k <= 126) || (k >= 161 && k <= 172) || (k >= 174);
      if (!p) ++n;
    }
    cp = 256 + n;
  }
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// `use_regex`: the GPT-2 split regex in the ByteLevel pre-tokenizer; without it a text without
// spaces is one word for the BPE model.
inline nlohmann::json bpe_tokenizer_json(bool use_regex = true, int doublings = 8) {
  nlohmann::json vocab = nlohmann::json::object();
  int64_t next = 0;
  for (unsigned b = 0; b < 256; ++b) vocab[byte_level_char(b)] = next++;
  nlohmann::json merges = nlohmann::json::array();
  std::string run = "a";
  for (int k = 0; k < doublings; ++k) {
    merges.push_back(run + " " + run);
    run += run;
    vocab[run] = next++;
  }
  vocab["<|endoftext|>"] = next++;
  return {{"version", "1.0"},
          {"added_tokens",
           {{{"id", next - 1},
             {"content", "<|endoftext|>"},
             {"single_word", false},
             {"lstrip", false},
             {"rstrip", false},
             {"normalized", false},
             {"special", true}}}},
          {"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "ByteLevel"},
            {"add_prefix_space", false},
            {"trim_offsets", true},
            {"use_regex", use_regex}}},
          {"post_processor", nullptr},
          {"decoder", {{"type", "ByteLevel"}}},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", ""},
            {"end_of_word_suffix", ""},
            {"fuse_unk", false},
            {"vocab", vocab},
            {"merges", merges}}}};
}

}  // namespace attnscope::hostile
