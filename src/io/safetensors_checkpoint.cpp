// SafetensorsCheckpoint: finds a model's weight files (one file, or shards listed by an index),
// checks the index against the shards, and looks tensors up by name across them. Pickle
// checkpoints are refused with instructions, never opened.
#include <algorithm>
#include <filesystem>
#include <set>

#include "core/error.h"
#include "core/quote.h"
#include "io/json_file.h"
#include "io/safetensors.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndexName = "model.safetensors.index.json";
constexpr std::string_view kSingleName = "model.safetensors";

bool has_suffix(const std::string& name, std::string_view suffix) {
  return name.size() >= suffix.size() && name.ends_with(suffix);
}

bool is_pickle_name(const std::string& name) {
  for (std::string_view ext : {".bin", ".pt", ".pth", ".ckpt"}) {
    if (has_suffix(name, ext)) return true;
  }
  return false;
}

[[noreturn]] void throw_pickle_refusal(const std::string& where, const std::string& files) {
  const std::string dir = fs::is_directory(where) ? where : fs::path(where).parent_path().string();
  throw UnsupportedError(
      where + " holds PyTorch pickle weights (" + files +
      ") and no .safetensors file. attnscope reads only safetensors: loading a pickle can run "
      "arbitrary code. Convert the model once with Hugging Face transformers:\n"
      "  python -c \"from transformers import AutoModel; AutoModel.from_pretrained('" +
      dir +
      "').save_pretrained('OUT', safe_serialization=True)\"\n"
      "then copy the tokenizer files into OUT and point attnscope at OUT.");
}

// Sorted file names in `dir` whose name satisfies `keep`.
template <typename Predicate>
std::vector<std::string> list_files(const fs::path& dir, Predicate keep) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    const std::string name = item.path().filename().string();
    if (item.is_regular_file(ec) && keep(name)) out.push_back(name);
  }
  if (ec) throw IoError(dir.string(), "cannot list folder: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Shard names come from a file we do not trust: they must stay inside the index's folder.
void check_shard_name(const std::string& index_path, const std::string& tensor,
                      const std::string& shard) {
  const fs::path shard_path(shard);
  bool escapes = shard.empty() || shard_path.is_absolute();
  for (const auto& part : shard_path) escapes = escapes || part == "..";
  if (escapes) {
    throw FormatError(index_path, "weight_map entry for tensor " + quote(tensor) + " names shard " +
                                      quote(shard) +
                                      "; shards must be relative paths inside the index's "
                                      "folder");
  }
}

}  // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    // The standard names, when present in any form: a folder, a symbolic link loop, a dangling
    // link or a FIFO under that name gets its own error (from the regular-file check) instead of
    // "no model weights found".
    for (const std::string_view name : {kIndexName, kSingleName}) {
      const fs::path candidate = dir / name;
      const fs::file_status status = fs::symlink_status(candidate, ec);
      if (ec || status.type() == fs::file_type::not_found) continue;
      if (fs::is_directory(candidate, ec)) {
        throw IoError(candidate.string(), "is a folder, not a regular file");
      }
      return open(candidate.string());
    }
    const auto indexes = list_files(
        dir, [](const std::string& name) { return has_suffix(name, ".safetensors.index.json"); });
    if (indexes.size() == 1) return open((dir / indexes[0]).string());
    if (indexes.size() > 1) {
      throw UnsupportedError(path + " holds several safetensors index files (" + join(indexes) +
                             "); pass the one to use");
    }
    const auto shards =
        list_files(dir, [](const std::string& name) { return has_suffix(name, ".safetensors"); });
    if (shards.size() == 1) return open((dir / shards[0]).string());
    if (shards.size() > 1) {
      throw FormatError(path, "holds " + std::to_string(shards.size()) + " .safetensors files (" +
                                  join(shards) + ") but no " + std::string(kIndexName) +
                                  " saying which tensor is where; pass one file or add the "
                                  "index");
    }
    const auto pickles = list_files(dir, is_pickle_name);
    if (!pickles.empty()) throw_pickle_refusal(path, join(pickles));
    throw IoError(path, "no model weights found: expected " + std::string(kSingleName) + " or " +
                            std::string(kIndexName));
  }

  SafetensorsCheckpoint checkpoint;
  checkpoint.source_ = path;
  if (is_pickle_name(fs::path(path).filename().string())) {
    throw_pickle_refusal(path, fs::path(path).filename().string());
  }
  if (!has_suffix(path, ".json")) {
    checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(path));
    for (const auto& info : checkpoint.files_[0]->tensors()) checkpoint.index_[info.name] = 0;
    return checkpoint;
  }

  const nlohmann::json index = load_json_file(path);
  if (!index.is_object()) throw FormatError(path, "index must be a JSON object");
  const auto map_it = index.find("weight_map");
  if (map_it == index.end() || !map_it->is_object() || map_it->empty()) {
    throw FormatError(path,
                      "index needs a non-empty \"weight_map\" object mapping tensor names "
                      "to shard files");
  }
  std::map<std::string, std::string> tensor_to_shard;
  std::set<std::string> shard_names;
  for (const auto& [tensor, shard] : map_it->items()) {
    if (!shard.is_string()) {
      throw FormatError(path, "weight_map entry for tensor " + quote(tensor) +
                                  " must be a shard file name (string); got " + json_brief(shard));
    }
    check_shard_name(path, tensor, shard.get<std::string>());
    tensor_to_shard.emplace(tensor, shard.get<std::string>());
    shard_names.insert(shard.get<std::string>());
  }

  const fs::path dir = fs::path(path).parent_path();
  std::map<std::string, size_t> shard_slot;
  for (const auto& shard : shard_names) {  // sorted: a stable file order
    const fs::path shard_path = dir / shard;
    if (!fs::exists(fs::symlink_status(shard_path, ec))) {
      throw IoError(shard_path.string(), "shard listed in " + path + " does not exist");
    }
    shard_slot[shard] = checkpoint.files_.size();
    checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(shard_path.string()));
  }
  for (const auto& [tensor, shard] : tensor_to_shard) {
    const size_t slot = shard_slot.at(shard);
    if (checkpoint.files_[slot]->find(tensor) == nullptr) {
      throw FormatError(path, "weight_map puts tensor " + quote(tensor) + " in shard " +
                                  quote(shard) + ", but that shard has no such tensor");
    }
    checkpoint.index_.emplace(tensor, slot);
  }
  return checkpoint;
}

uint64_t SafetensorsCheckpoint::stored_bytes() const {
  uint64_t total = 0;
  for (const auto& file : files_) total += file->size();
  return total;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& [name, slot] : index_) out.push_back(name);
  return out;
}

const TensorInfo* SafetensorsCheckpoint::find(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) return nullptr;
  return files_[it->second]->find(name);
}

const TensorInfo& SafetensorsCheckpoint::get(std::string_view name) const {
  if (const TensorInfo* info = find(name)) return *info;
  throw ShapeError("tensor '" + std::string(name) + "' not found in checkpoint " + source_);
}

Tensor SafetensorsCheckpoint::load_f32(std::string_view name) const {
  return file_of(name).load_f32(name);
}

std::vector<int64_t> SafetensorsCheckpoint::load_i64(std::string_view name) const {
  return file_of(name).load_i64(name);
}

const SafetensorsFile& SafetensorsCheckpoint::file_of(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) {
    throw ShapeError("tensor '" + std::string(name) + "' not found in checkpoint " + source_);
  }
  return *files_[it->second];
}

}  // namespace attnscope
