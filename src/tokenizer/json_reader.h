// Typed access to a tokenizer.json tree that remembers where it is, so that a malformed file
// fails with a FormatError naming the file and the JSON path:
//   tokenizer.json: pre_tokenizer.pretokenizers[1].type = 'Foo' is not supported; expected ...
//
//   JsonNode root(json, "tokenizer.json");
//   std::string type = root.at("model").at("type").as_string();
//   bool lower = root.at("normalizer").get_or("lowercase", true);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace attnscope::tokenizer {

class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, std::string file, std::string path = "")
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  const nlohmann::json& raw() const { return *value_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  bool is_null() const { return value_->is_null(); }
  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }

  // True when this is an object holding `key` with a non-null value.
  bool has(const std::string& key) const;
  // Child `key` of an object; FormatError when missing.
  JsonNode at(const std::string& key) const;
  // Element i of an array.
  JsonNode at(size_t index) const;
  size_t size() const;
  // Array elements (FormatError when not an array).
  std::vector<JsonNode> elements() const;

  std::string as_string() const;
  int64_t as_int() const;
  double as_double() const;
  bool as_bool() const;

  // Optional fields: the default when absent or null.
  std::string get_or(const std::string& key, const std::string& fallback) const;
  std::string get_or(const std::string& key, const char* fallback) const {
    return get_or(key, std::string(fallback));
  }
  bool get_or(const std::string& key, bool fallback) const;
  int64_t get_or(const std::string& key, int64_t fallback) const;
  int get_or(const std::string& key, int fallback) const {
    return static_cast<int>(get_or(key, static_cast<int64_t>(fallback)));
  }
  double get_or(const std::string& key, double fallback) const;
  std::optional<std::string> get_optional_string(const std::string& key) const;

  // Throws FormatError "<file>: <path> <what>".
  [[noreturn]] void fail(const std::string& what) const;
  // The value rendered for messages, shortened.
  std::string brief() const;

 private:
  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

}  // namespace attnscope::tokenizer
