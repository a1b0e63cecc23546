// The model "type" names of tokenizer.json and their constructors. Add new ones here.
#include "tokenizer/models/models.h"

namespace attnscope::tokenizer {

std::unique_ptr<Model> make_model(const JsonNode& node) {
  if (node.is_null()) node.fail("is null; a tokenizer needs a model");
  // Old files may omit the type; Hugging Face then guesses from the fields.
  std::string type;
  if (node.has("type")) {
    type = component_type(node);
  } else if (node.has("merges")) {
    type = "BPE";
  } else if (node.has("continuing_subword_prefix") || node.has("max_input_chars_per_word")) {
    type = "WordPiece";
  } else if (node.has("vocab") && node.at("vocab").is_array()) {
    type = "Unigram";
  } else {
    type = "WordLevel";
  }
  if (type == "BPE") return make_bpe_model(node);
  if (type == "WordPiece") return make_wordpiece_model(node);
  if (type == "WordLevel") return make_wordlevel_model(node);
  if (type == "Unigram") return make_unigram_model(node);
  unsupported_type(node, type, "BPE, WordPiece, WordLevel, Unigram");
}

}  // namespace attnscope::tokenizer
