// Metaspace: spaces become the replacement character ("▁"), which is also prepended (always,
// only to the first piece of the input, or never), then optionally split before each "▁".
#include "core/quote.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/pre_tokenizers.h"

namespace attnscope::tokenizer {

namespace {

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)),
        scheme_(scheme),
        split_(split),
        space_(Pattern::literal(" ")),
        marker_(Pattern::literal(replacement_)) {}

  void pre_tokenize(PreTokenizedString& s) const override {
    s.split([&](size_t, NormalizedString&& piece, std::vector<NormalizedString>& out) {
      piece.replace_ranges(space_.matches(piece.get()), replacement_);
      const bool starts = piece.get().compare(0, replacement_.size(), replacement_) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways ||
                      (scheme_ == PrependScheme::kFirst && piece.original_start() == 0))) {
        piece.prepend(replacement_);
      }
      if (split_) {
        split_normalized(piece, marker_, SplitBehavior::kMergedWithNext, false, out);
      } else {
        out.push_back(std::move(piece));
      }
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
  Pattern space_;
  Pattern marker_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const JsonNode& node) {
  PrependScheme scheme =
      node.get_or("add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
  if (node.has("prepend_scheme")) {
    const JsonNode field = node.at("prepend_scheme");
    const std::string name = field.as_string();
    if (name == "always") {
      scheme = PrependScheme::kAlways;
    } else if (name == "first") {
      scheme = PrependScheme::kFirst;
    } else if (name == "never") {
      scheme = PrependScheme::kNever;
    } else {
      field.fail("= " + quote(name) + " is not supported; expected always, first or never");
    }
  }
  return std::make_unique<MetaspacePreTokenizer>(node.get_or("replacement", "\u2581"), scheme,
                                                 node.get_or("split", true));
}

}  // namespace attnscope::tokenizer
