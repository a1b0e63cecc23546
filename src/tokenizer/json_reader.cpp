#include "tokenizer/json_reader.h"

#include "core/error.h"
#include "io/json_file.h"

#include <limits>

namespace attnscope::tokenizer {

namespace {
std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}
const char* type_name(const nlohmann::json& v) { return v.type_name(); }
}  // namespace

bool JsonNode::has(const std::string& key) const {
  if (!value_->is_object()) return false;
  auto it = value_->find(key);
  return it != value_->end() && !it->is_null();
}

JsonNode JsonNode::at(const std::string& key) const {
  if (!value_->is_object()) fail(std::string("expected an object, got ") + type_name(*value_));
  auto it = value_->find(key);
  if (it == value_->end()) {
    throw FormatError(file_, join_path(path_, key) + " is missing");
  }
  return JsonNode(*it, file_, join_path(path_, key));
}

JsonNode JsonNode::at(size_t index) const {
  if (!value_->is_array()) fail(std::string("expected an array, got ") + type_name(*value_));
  if (index >= value_->size()) {
    fail("has " + std::to_string(value_->size()) + " elements; index " + std::to_string(index) +
         " is out of range");
  }
  return JsonNode((*value_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

size_t JsonNode::size() const {
  if (!value_->is_array() && !value_->is_object()) {
    fail(std::string("expected an array, got ") + type_name(*value_));
  }
  return value_->size();
}

std::vector<JsonNode> JsonNode::elements() const {
  if (!value_->is_array()) fail(std::string("expected an array, got ") + type_name(*value_));
  std::vector<JsonNode> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    out.emplace_back((*value_)[i], file_, path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::string JsonNode::as_string() const {
  if (!value_->is_string()) fail(std::string("expected a string, got ") + brief());
  return value_->get<std::string>();
}

int64_t JsonNode::as_int() const {
  if (!value_->is_number_integer()) fail(std::string("expected an integer, got ") + brief());
  if (value_->is_number_unsigned() &&
      value_->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    fail("is out of range: " + value_->dump() + " does not fit in a 64-bit integer");
  }
  return value_->get<int64_t>();
}

double JsonNode::as_double() const {
  if (!value_->is_number()) fail(std::string("expected a number, got ") + brief());
  return value_->get<double>();
}

bool JsonNode::as_bool() const {
  if (!value_->is_boolean()) fail(std::string("expected true or false, got ") + brief());
  return value_->get<bool>();
}

std::string JsonNode::get_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? at(key).as_string() : fallback;
}
bool JsonNode::get_or(const std::string& key, bool fallback) const {
  return has(key) ? at(key).as_bool() : fallback;
}
int64_t JsonNode::get_or(const std::string& key, int64_t fallback) const {
  return has(key) ? at(key).as_int() : fallback;
}
double JsonNode::get_or(const std::string& key, double fallback) const {
  return has(key) ? at(key).as_double() : fallback;
}
std::optional<std::string> JsonNode::get_optional_string(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return at(key).as_string();
}

void JsonNode::fail(const std::string& what) const {
  throw FormatError(file_, (path_.empty() ? std::string("(root)") : path_) + " " + what);
}

std::string JsonNode::brief() const {
  if (value_->is_object() || value_->is_array()) return json_brief(*value_);
  return std::string(type_name(*value_)) + " " + json_brief(*value_);
}

}  // namespace attnscope::tokenizer
