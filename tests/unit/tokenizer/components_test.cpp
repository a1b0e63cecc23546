// Known answers for single pipeline components, built from small JSON snippets: normalizers
// (with their alignments), pre-tokenizers (every split behavior), models, post-processors and
// decoders.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/components.h"
#include "tokenizer/pattern.h"

namespace attnscope::tokenizer {
namespace {

using Pieces = std::vector<std::pair<std::string, std::pair<uint32_t, uint32_t>>>;

// Pre-tokenizes `text` and returns each split with its original byte range.
Pieces pre_tokenize(const nlohmann::json& spec, std::string_view text) {
  const JsonNode node(spec, "test.json", "pre_tokenizer");
  auto pre = make_pre_tokenizer(node);
  PreTokenizedString pts(text);
  pre->pre_tokenize(pts);
  Pieces out;
  for (const Split& s : pts.splits()) {
    const Alignment a = s.normalized.original_range(0, s.normalized.size());
    out.push_back({s.normalized.get(), {a.start, a.end}});
  }
  return out;
}

std::vector<std::string> strings(const Pieces& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.push_back(p.first);
  return out;
}

NormalizedString normalize(const nlohmann::json& spec, std::string_view text) {
  auto n = make_normalizer(JsonNode(spec, "test.json", "normalizer"));
  NormalizedString s(text, 0);
  n->normalize(s);
  return s;
}

std::vector<std::string> split_with(const char* behavior, bool invert = false) {
  const nlohmann::json spec = {{"type", "Split"},
                               {"pattern", {{"String", "-"}}},
                               {"behavior", behavior},
                               {"invert", invert}};
  return strings(pre_tokenize(spec, "the-final--countdown"));
}

TEST(SplitPreTokenizer, EveryBehavior) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_with("Removed"), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_with("Isolated"), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_with("MergedWithPrevious"), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_with("MergedWithNext"), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_with("Contiguous"), (V{"the", "-", "final", "--", "countdown"}));
  // Inverted: the words are the delimiters.
  EXPECT_EQ(split_with("Removed", true), (V{"-", "-", "-"}));
  EXPECT_EQ(split_with("MergedWithPrevious", true), (V{"the", "-final", "-", "-countdown"}));
}

TEST(SplitPreTokenizer, RegexKeepsOffsets) {
  const nlohmann::json spec = {
      {"type", "Split"}, {"pattern", {{"Regex", "\\s+"}}}, {"behavior", "Removed"}};
  const Pieces p = pre_tokenize(spec, "héllo  wörld");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].first, "héllo");
  EXPECT_EQ(p[0].second, (std::pair<uint32_t, uint32_t>{0, 6}));
  EXPECT_EQ(p[1].first, "wörld");
  EXPECT_EQ(p[1].second, (std::pair<uint32_t, uint32_t>{8, 14}));
}

TEST(PreTokenizers, WhitespacePunctuationDigits) {
  using V = std::vector<std::string>;
  EXPECT_EQ(strings(pre_tokenize({{"type", "Whitespace"}}, "Hey friend!  How are you?!?")),
            (V{"Hey", "friend", "!", "How", "are", "you", "?!?"}));
  EXPECT_EQ(strings(pre_tokenize({{"type", "WhitespaceSplit"}}, "Hey friend!\tHow")),
            (V{"Hey", "friend!", "How"}));
  EXPECT_EQ(strings(pre_tokenize({{"type", "Punctuation"}}, "Hey friend!? ok")),
            (V{"Hey friend", "!", "?", " ok"}));
  EXPECT_EQ(
      strings(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "Call 123 please")),
      (V{"Call ", "123", " please"}));
  EXPECT_EQ(strings(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "Call 123")),
            (V{"Call ", "1", "2", "3"}));
  EXPECT_EQ(strings(pre_tokenize({{"type", "BertPreTokenizer"}}, "Hey, you...  ok")),
            (V{"Hey", ",", "you", ".", ".", ".", "ok"}));
  EXPECT_EQ(strings(pre_tokenize({{"type", "CharDelimiterSplit"}, {"delimiter", "x"}}, "axbxxc")),
            (V{"a", "b", "c"}));
}

TEST(PreTokenizers, Metaspace) {
  using V = std::vector<std::string>;
  const nlohmann::json always = {
      {"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}, {"split", true}};
  EXPECT_EQ(strings(pre_tokenize(always, "Hey friend")), (V{"▁Hey", "▁friend"}));
  const nlohmann::json never_nosplit = {
      {"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "never"}, {"split", false}};
  EXPECT_EQ(strings(pre_tokenize(never_nosplit, "Hey friend")), (V{"Hey▁friend"}));
  // The prepended "▁" aligns with the first character.
  const Pieces p = pre_tokenize(always, "Hey");
  EXPECT_EQ(p[0].second, (std::pair<uint32_t, uint32_t>{0, 3}));
}

TEST(PreTokenizers, ByteLevel) {
  using V = std::vector<std::string>;
  const nlohmann::json spec = {
      {"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
  EXPECT_EQ(strings(pre_tokenize(spec, "Hello my friend, é")),
            (V{"ĠHello", "Ġmy", "Ġfriend", ",", "ĠÃ©"}));
  const nlohmann::json no_regex = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
  EXPECT_EQ(strings(pre_tokenize(no_regex, "a b")), (V{"aĠb"}));
}

TEST(PreTokenizers, SequenceAndUnknownType) {
  const nlohmann::json spec = {
      {"type", "Sequence"}, {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Foo"}}}}};
  try {
    pre_tokenize(spec, "x");
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(
        std::string(e.what()).find("pre_tokenizer.pretokenizers[1].type = 'Foo' is not supported"),
        std::string::npos)
        << e.what();
  }
}

TEST(Normalizers, BertWithAlignments) {
  const nlohmann::json spec = {{"type", "BertNormalizer"}, {"lowercase", true}};
  const NormalizedString s = normalize(spec, "Héllo\t中!");
  EXPECT_EQ(s.get(), "hello  中 !");
  // "中" (bytes 7..10 of the original) keeps its range, and so do the spaces around it.
  const Alignment a = s.original_range(7, 10);
  EXPECT_EQ(a.start, 7u);
  EXPECT_EQ(a.end, 10u);
  EXPECT_EQ(s.original_range(1, 2).start, 1u);  // "e" comes from "é" (bytes 1..3)
  EXPECT_EQ(s.original_range(1, 2).end, 3u);
}

TEST(Normalizers, UnicodeFormsLowercaseStrip) {
  EXPECT_EQ(normalize({{"type", "NFD"}}, "é").get(), "e\u0301");
  EXPECT_EQ(normalize({{"type", "NFC"}}, "e\u0301").get(), "é");
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "ﬁ½").get(), "fi1⁄2");
  EXPECT_EQ(normalize({{"type", "NFKD"}}, "ﬁ").get(), "fi");
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "ÀB İ").get(), "àb i\u0307");
  EXPECT_EQ(
      normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, "  a b \n").get(),
      "a b");
  const nlohmann::json seq = {{"type", "Sequence"},
                              {"normalizers", {{{"type", "NFD"}}, {{"type", "StripAccents"}}}}};
  EXPECT_EQ(normalize(seq, "crème brûlée").get(), "creme brulee");
}

TEST(Normalizers, ReplaceAndPrepend) {
  const nlohmann::json seq = {
      {"type", "Sequence"},
      {"normalizers",
       {{{"type", "Prepend"}, {"prepend", "▁"}},
        {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}};
  const NormalizedString s = normalize(seq, "a bc");
  EXPECT_EQ(s.get(), "▁a▁bc");
  EXPECT_EQ(s.original_range(0, 3).start, 0u);  // prepended "▁" -> "a"
  EXPECT_EQ(s.original_range(0, 3).end, 1u);
  EXPECT_EQ(s.original_range(4, 7).start, 1u);  // "▁" -> " "
  const nlohmann::json regex = {
      {"type", "Replace"}, {"pattern", {{"Regex", "[0-9]+"}}}, {"content", "#"}};
  EXPECT_EQ(normalize(regex, "a12b3").get(), "a#b#");
}

// A one-rule SentencePiece charsmap ("A" -> "a") as a darts-clone double array: root offset 1,
// the 'A' unit at 1 ^ 0x41 = 64 (has_leaf, offset 1), its value unit at 65 (index 0 of "a\0").
std::string one_rule_charsmap_base64() {
  std::vector<uint32_t> units(66, 0);
  units[0] = 1u << 10;
  units[64] = 0x41u | (1u << 8) | (1u << 10);
  units[65] = (1u << 31) | 0u;
  std::string blob(4, '\0');
  const uint32_t trie_bytes = static_cast<uint32_t>(units.size() * 4);
  std::memcpy(blob.data(), &trie_bytes, 4);
  blob.append(reinterpret_cast<const char*>(units.data()), trie_bytes);
  blob.append("a", 2);  // "a\0"
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < blob.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<unsigned char>(blob[i])) << 16;
    if (i + 1 < blob.size())
      chunk |= static_cast<uint32_t>(static_cast<unsigned char>(blob[i + 1])) << 8;
    if (i + 2 < blob.size()) chunk |= static_cast<unsigned char>(blob[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < blob.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < blob.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

TEST(Normalizers, PrecompiledCharsmap) {
  const nlohmann::json spec = {{"type", "Precompiled"},
                               {"precompiled_charsmap", one_rule_charsmap_base64()}};
  const NormalizedString s = normalize(spec, "xAyé");
  EXPECT_EQ(s.get(), "xayé");
  EXPECT_EQ(s.original_range(1, 2).start, 1u);
  EXPECT_EQ(s.original_range(3, 5).start, 3u);
  // An empty charsmap normalizes nothing.
  EXPECT_EQ(normalize({{"type", "Precompiled"}, {"precompiled_charsmap", ""}}, "A").get(), "A");
  EXPECT_THROW(normalize({{"type", "Precompiled"}, {"precompiled_charsmap", "!!"}}, "A"),
               FormatError);
}

std::vector<Token> run_model(const nlohmann::json& spec, std::string_view word) {
  auto model = make_model(JsonNode(spec, "test.json", "model"));
  std::vector<Token> out;
  model->tokenize(word, out);
  return out;
}

std::vector<std::string> values(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.value);
  return out;
}

TEST(Models, BpeMergesInRankOrder) {
  using V = std::vector<std::string>;
  nlohmann::json spec = {
      {"type", "BPE"},
      {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}}},
      {"merges", {"b c", "a b", "a bc"}}};
  // "a bc" can only apply once "b c" has; the second "ab" merges by "a b".
  EXPECT_EQ(values(run_model(spec, "abcab")), (V{"abc", "ab"}));
  spec["merges"] =
      nlohmann::json::array({nlohmann::json::array({"a", "b"}),
                             nlohmann::json::array({"b", "c"})});  // pair form; "a b" first now
  EXPECT_EQ(values(run_model(spec, "abc")), (V{"ab", "c"}));
}

TEST(Models, BpeUnknownByteFallbackAndAffixes) {
  using V = std::vector<std::string>;
  nlohmann::json spec = {{"type", "BPE"},
                         {"vocab", {{"<unk>", 0}, {"a", 1}, {"<0xC3>", 2}, {"<0xA9>", 3}}},
                         {"merges", nlohmann::json::array()},
                         {"unk_token", "<unk>"},
                         {"fuse_unk", true}};
  EXPECT_EQ(values(run_model(spec, "axya")), (V{"a", "<unk>", "a"}));
  spec["fuse_unk"] = false;
  EXPECT_EQ(values(run_model(spec, "axya")), (V{"a", "<unk>", "<unk>", "a"}));
  spec["byte_fallback"] = true;
  const auto tokens = run_model(spec, "aé");
  EXPECT_EQ(values(tokens), (V{"a", "<0xC3>", "<0xA9>"}));
  nlohmann::json affixes = {
      {"type", "BPE"},
      {"vocab", {{"a", 0}, {"##b", 1}, {"##c</w>", 2}, {"a##b", 3}, {"ab", 4}}},
      {"merges", {"a ##b"}},
      {"continuing_subword_prefix", "##"},
      {"end_of_word_suffix", "</w>"}};
  EXPECT_EQ(values(run_model(affixes, "abc")), (V{"ab", "##c</w>"}));
  nlohmann::json ignore = {{"type", "BPE"},
                           {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}, {"abb", 3}}},
                           {"merges", {"a b"}},
                           {"ignore_merges", true}};
  EXPECT_EQ(values(run_model(ignore, "abb")), (V{"abb"}));
  ignore["ignore_merges"] = false;
  EXPECT_EQ(values(run_model(ignore, "abb")), (V{"ab", "b"}));
}

TEST(Models, BpeMergeOutsideVocabIsFormatError) {
  const nlohmann::json spec = {
      {"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}}}, {"merges", {"a b"}}};
  try {
    run_model(spec, "ab");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("model.merges[0]"), std::string::npos) << e.what();
  }
}

TEST(Models, WordPieceAndWordLevel) {
  using V = std::vector<std::string>;
  const nlohmann::json wp = {{"type", "WordPiece"},
                             {"unk_token", "[UNK]"},
                             {"vocab", {{"[UNK]", 0}, {"un", 1}, {"##aff", 2}, {"##able", 3}}}};
  const auto tokens = run_model(wp, "unaffable");
  EXPECT_EQ(values(tokens), (V{"un", "##aff", "##able"}));
  EXPECT_EQ(tokens[1].start, 2u);
  EXPECT_EQ(tokens[1].end, 5u);
  EXPECT_EQ(values(run_model(wp, "unx")), (V{"[UNK]"}));
  const nlohmann::json wl = {
      {"type", "WordLevel"}, {"unk_token", "<unk>"}, {"vocab", {{"<unk>", 0}, {"hi", 1}}}};
  EXPECT_EQ(values(run_model(wl, "hi")), (V{"hi"}));
  EXPECT_EQ(values(run_model(wl, "ho")), (V{"<unk>"}));
}

TEST(Models, UnigramViterbi) {
  using V = std::vector<std::string>;
  const nlohmann::json spec = {
      {"type", "Unigram"},
      {"unk_id", 0},
      {"vocab", nlohmann::json::array(
                    {nlohmann::json::array({"<unk>", 0.0}), nlohmann::json::array({"a", -1.0}),
                     nlohmann::json::array({"b", -1.0}), nlohmann::json::array({"ab", -1.5}),
                     nlohmann::json::array({"abc", -5.0}), nlohmann::json::array({"c", -1.0})})}};
  // "ab" (-1.5) beats "a"+"b" (-2); "ab"+"c" (-2.5) beats "abc" (-5).
  EXPECT_EQ(values(run_model(spec, "abc")), (V{"ab", "c"}));
  // Unknown characters fuse into one <unk> token that keeps its surface text.
  const auto tokens = run_model(spec, "axxb");
  EXPECT_EQ(values(tokens), (V{"a", "xx", "b"}));
  EXPECT_EQ(tokens[1].id, 0);
}

std::string decode(const nlohmann::json& spec, std::vector<std::string> tokens) {
  auto decoder = make_decoder(JsonNode(spec, "test.json", "decoder"));
  decoder->decode_chain(tokens);
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

TEST(Decoders, KnownAnswers) {
  EXPECT_EQ(decode({{"type", "ByteLevel"}}, {"Hello", "Ġw", "Ã©"}), "Hello wé");
  EXPECT_EQ(decode({{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}},
                   {"un", "##aff", "##able", "thing", "."}),
            "unaffable thing.");
  EXPECT_EQ(decode({{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}},
                   {"▁Hey", "▁friend"}),
            "Hey friend");
  const nlohmann::json llama = {
      {"type", "Sequence"},
      {"decoders",
       {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}},
        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decode(llama, {"▁caf", "<0xC3>", "<0xA9>", "▁ok", "<0xFF>"}), "café ok\xEF\xBF\xBD");
  EXPECT_EQ(decode({{"type", "BPEDecoder"}, {"suffix", "</w>"}}, {"hel", "lo</w>", "you</w>"}),
            "hello you");
}

RawEncoding sample_encoding() {
  RawEncoding e;
  e.push(7, "Ġhi", {0, 3}, false);
  e.push(8, "Ġthere", {3, 9}, false);
  return e;
}

TEST(PostProcessors, TemplateBertRobertaByteLevel) {
  const nlohmann::json tmpl = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}};
  auto p = make_post_processor(JsonNode(tmpl, "t.json", "post_processor"));
  RawEncoding e = sample_encoding();
  p->process(e, true);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{1, 7, 8}));
  EXPECT_EQ(e.special_mask, (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(p->added_tokens(), 1u);

  const nlohmann::json bert = {
      {"type", "BertProcessing"}, {"cls", {"[CLS]", 101}}, {"sep", {"[SEP]", 102}}};
  e = sample_encoding();
  make_post_processor(JsonNode(bert, "t.json", "post_processor"))->process(e, true);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{101, 7, 8, 102}));

  const nlohmann::json roberta = {{"type", "RobertaProcessing"},
                                  {"cls", {"<s>", 0}},
                                  {"sep", {"</s>", 2}},
                                  {"trim_offsets", true},
                                  {"add_prefix_space", false}};
  e = sample_encoding();
  make_post_processor(JsonNode(roberta, "t.json", "post_processor"))->process(e, true);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{0, 7, 8, 2}));
  EXPECT_EQ(e.offsets[1], (std::pair<int64_t, int64_t>{1, 3}));  // leading space trimmed
  EXPECT_EQ(e.offsets[2], (std::pair<int64_t, int64_t>{4, 9}));

  const nlohmann::json seq = {
      {"type", "Sequence"},
      {"processors", {{{"type", "ByteLevel"}, {"trim_offsets", true}}, tmpl}}};
  e = sample_encoding();
  make_post_processor(JsonNode(seq, "t.json", "post_processor"))->process(e, false);
  EXPECT_EQ(e.ids, (std::vector<int64_t>{7, 8}));  // no special tokens requested
  EXPECT_EQ(e.offsets[1], (std::pair<int64_t, int64_t>{4, 9}));
}

}  // namespace
}  // namespace attnscope::tokenizer
