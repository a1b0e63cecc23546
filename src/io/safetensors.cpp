// The validating safetensors reader. The file is hostile until proven otherwise: every size is
// checked before it is used, and the header must describe the data region exactly (the rules of
// the reference `safetensors` crate, plus duplicate-key detection).
#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/quote.h"
#include "io/json_file.h"

namespace attnscope {
namespace {

using json = nlohmann::json;

constexpr uint64_t kLengthPrefixBytes = 8;
// Deepest legal nesting: {tensor: {"shape": [dim]}} puts a dimension at depth 3.
constexpr int kMaxHeaderDepth = 3;
constexpr size_t kMaxRank = 64;
constexpr std::string_view kMetadataKey = "__metadata__";

// A name from the file, made safe and short for an error message.
std::string quote_name(std::string_view name) { return quote(name); }

std::string tensor_context(std::string_view name) { return "tensor " + quote_name(name) + ": "; }

uint64_t read_u64_le(const std::byte* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<uint64_t>(p[i]);
  return value;
}

// Parses the header, rejecting duplicate keys (nlohmann would silently keep the last one) and
// nesting deeper than the format allows (so a hostile header cannot build huge trees).
json parse_header(std::string_view text, const std::string& path) {
  std::vector<std::set<std::string>> keys_per_object;
  std::string current_tensor;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxHeaderDepth) {
      throw FormatError(path, "header nests deeper than safetensors allows (" +
                                  tensor_context(current_tensor) + "values must be at most " +
                                  std::to_string(kMaxHeaderDepth) + " levels deep)");
    }
    switch (event) {
      case json::parse_event_t::object_start:
        keys_per_object.emplace_back();
        break;
      case json::parse_event_t::object_end:
        keys_per_object.pop_back();
        break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (depth == 1) current_tensor = key;
        if (!keys_per_object.back().insert(key).second) {
          if (depth == 1) {
            throw FormatError(path, "duplicate key in header: tensor " + quote_name(key) +
                                        " is listed more than once");
          }
          throw FormatError(path, tensor_context(current_tensor) + "duplicate key " +
                                      quote_name(key) + " in its header entry");
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& error) {
    throw json_format_error(path, error, static_cast<int64_t>(kLengthPrefixBytes));
  } catch (const json::exception& error) {  // e.g. a number too large for a double
    throw json_format_error(path, error);
  }
}

std::string known_dtypes() {
  std::string out;
  for (auto dtype :
       {DType::kBool, DType::kU8, DType::kI8, DType::kI16, DType::kU16, DType::kF16, DType::kBF16,
        DType::kI32, DType::kU32, DType::kF32, DType::kF64, DType::kI64, DType::kU64}) {
    if (!out.empty()) out += ", ";
    out += dtype_name(dtype);
  }
  return out;
}

// One header entry -> TensorInfo, checking its own fields (not yet its place in the data).
TensorInfo parse_entry(const std::string& path, const std::string& name, const json& entry) {
  const std::string where = tensor_context(name);
  if (!entry.is_object()) {
    throw FormatError(path, where +
                                "header entry must be an object with dtype, shape and "
                                "data_offsets; got " +
                                std::string(entry.type_name()));
  }
  TensorInfo info;
  info.name = name;

  const auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end()) throw FormatError(path, where + "missing 'dtype'");
  if (!dtype_it->is_string()) throw FormatError(path, where + "'dtype' must be a string");
  const auto& dtype_text = dtype_it->get_ref<const std::string&>();
  const auto dtype = parse_dtype(dtype_text);
  if (!dtype) {
    throw FormatError(path, where + "unknown dtype " + quote_name(dtype_text) +
                                " (known: " + known_dtypes() + ")");
  }
  info.dtype = *dtype;

  const auto shape_it = entry.find("shape");
  if (shape_it == entry.end()) throw FormatError(path, where + "missing 'shape'");
  if (!shape_it->is_array()) {
    throw FormatError(path, where + "'shape' must be an array of non-negative integers");
  }
  if (shape_it->size() > kMaxRank) {
    throw FormatError(path, where + "'shape' has " + std::to_string(shape_it->size()) +
                                " dimensions; at most " + std::to_string(kMaxRank) +
                                " are accepted");
  }
  for (const auto& dim : *shape_it) {
    if (!dim.is_number_unsigned() ||
        dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw FormatError(path, where + "'shape' must be an array of non-negative integers; got " +
                                  json_brief(dim));
    }
    info.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }

  const auto offsets_it = entry.find("data_offsets");
  if (offsets_it == entry.end()) throw FormatError(path, where + "missing 'data_offsets'");
  if (!offsets_it->is_array() || offsets_it->size() != 2 ||
      !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
    throw FormatError(path, where +
                                "'data_offsets' must be [begin, end] with non-negative "
                                "integers; got " +
                                json_brief(*offsets_it));
  }
  info.data_begin = (*offsets_it)[0].get<uint64_t>();
  info.data_end = (*offsets_it)[1].get<uint64_t>();
  if (info.data_begin > info.data_end) {
    throw FormatError(path, where + "data_offsets begin " + std::to_string(info.data_begin) +
                                " is after end " + std::to_string(info.data_end));
  }

  // Even an empty tensor must have a shape whose product fits in int64 (numel() computes it).
  int64_t nonzero_product = 1;
  for (int64_t dim : info.shape) {
    if (dim != 0 && __builtin_mul_overflow(nonzero_product, dim, &nonzero_product)) {
      throw FormatError(path, where + "'shape' " + format_shape(info.shape) +
                                  " has more elements than fit in int64");
    }
  }
  // numel * dtype size, overflow-checked.
  uint64_t bytes = dtype_size(info.dtype);
  bool overflow = false;
  for (int64_t dim : info.shape) {
    if (dim == 0) {
      bytes = 0;
      overflow = false;
      break;
    }
    if (!overflow && __builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes)) {
      overflow = true;
    }
  }
  const uint64_t span = info.data_end - info.data_begin;
  if (overflow || bytes != span) {
    throw FormatError(path, where + "size mismatch: shape " + format_shape(info.shape) + " x " +
                                std::string(dtype_name(info.dtype)) + " (" +
                                std::to_string(dtype_size(info.dtype)) + " bytes) needs " +
                                (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                                " bytes, but data_offsets [" + std::to_string(info.data_begin) +
                                ", " + std::to_string(info.data_end) + "] span " +
                                std::to_string(span));
  }
  return info;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& value) {
  if (!value.is_object()) {
    throw FormatError(path, "__metadata__ must be an object mapping strings to strings; got " +
                                std::string(value.type_name()));
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      throw FormatError(path, "__metadata__ must map strings to strings; key " + quote_name(key) +
                                  " holds " + std::string(item.type_name()));
    }
    out.emplace(key, item.get<std::string>());
  }
  return out;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(path) {
  const uint64_t file_size = file_.size();
  if (file_size < kLengthPrefixBytes) {
    throw FormatError(
        path,
        "file is " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length",
        0);
  }
  const uint64_t header_size = read_u64_le(file_.data());
  if (header_size > kMaxSafetensorsHeaderBytes) {
    throw FormatError(path,
                      "header length " + std::to_string(header_size) + " exceeds the limit of " +
                          std::to_string(kMaxSafetensorsHeaderBytes) +
                          " bytes (is this a safetensors file?)",
                      0);
  }
  if (header_size > file_size - kLengthPrefixBytes) {
    throw FormatError(path,
                      "header length " + std::to_string(header_size) +
                          " runs past the end of the file (only " +
                          std::to_string(file_size - kLengthPrefixBytes) +
                          " bytes follow the length; truncated, or not a safetensors file?)",
                      0);
  }
  data_start_ = kLengthPrefixBytes + header_size;
  const uint64_t data_size = file_size - data_start_;

  const std::string_view header_text(reinterpret_cast<const char*>(file_.data()) + 8, header_size);
  // The format says the header MUST begin with '{' (the reference rejects anything else, e.g. a
  // leading space, as InvalidHeaderStart); only trailing spaces are allowed as padding.
  if (header_text.empty() || header_text.front() != '{') {
    throw FormatError(path,
                      "header does not start with '{' (a safetensors header is a JSON object)",
                      static_cast<int64_t>(kLengthPrefixBytes));
  }
  check_json_no_nul(header_text, path, static_cast<int64_t>(kLengthPrefixBytes));
  const json header = parse_header(header_text, path);
  if (!header.is_object()) {
    throw FormatError(path, "header must be a JSON object; got " + std::string(header.type_name()),
                      static_cast<int64_t>(kLengthPrefixBytes));
  }

  for (const auto& [name, entry] : header.items()) {
    if (name == kMetadataKey) {
      metadata_ = parse_metadata(path, entry);
      continue;
    }
    TensorInfo info = parse_entry(path, name, entry);
    if (info.data_end > data_size) {
      throw FormatError(path, tensor_context(name) + "data_offsets [" +
                                  std::to_string(info.data_begin) + ", " +
                                  std::to_string(info.data_end) + "] run past the data region of " +
                                  std::to_string(data_size) + " bytes");
    }
    tensors_.push_back(std::move(info));
  }

  // The tensors must tile the data region: sorted by offset, no overlap, no gap, no tail.
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const auto& info : tensors_) by_offset.push_back(&info);
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->data_begin != b->data_begin ? a->data_begin < b->data_begin
                                          : a->data_end < b->data_end;
  });
  uint64_t covered = 0;
  const TensorInfo* previous = nullptr;
  for (const TensorInfo* info : by_offset) {
    if (info->data_begin < covered) {
      throw FormatError(
          path, tensor_context(info->name) + "data_offsets [" + std::to_string(info->data_begin) +
                    ", " + std::to_string(info->data_end) + "] overlap tensor " +
                    quote_name(previous->name) + " which ends at " + std::to_string(covered));
    }
    if (info->data_begin > covered) {
      throw FormatError(path, tensor_context(info->name) + "gap in the data region: bytes [" +
                                  std::to_string(covered) + ", " +
                                  std::to_string(info->data_begin) +
                                  ") belong to no tensor before it");
    }
    covered = info->data_end;
    previous = info;
  }
  if (covered != data_size) {
    throw FormatError(path,
                      "trailing bytes: tensors cover " + std::to_string(covered) +
                          " bytes of the " + std::to_string(data_size) + "-byte data region",
                      static_cast<int64_t>(data_start_ + covered));
  }

  std::sort(tensors_.begin(), tensors_.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
  const auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const TensorInfo& info, std::string_view key) { return info.name < key; });
  if (it == tensors_.end() || it->name != name) return nullptr;
  return &*it;
}

const TensorInfo& SafetensorsFile::get(std::string_view name) const {
  if (const TensorInfo* info = find(name)) return *info;
  throw ShapeError("tensor " + quote_name(name) + " not found in " + path());
}

std::span<const std::byte> SafetensorsFile::raw(const TensorInfo& info) const {
  return file_.bytes().subspan(data_start_ + info.data_begin, info.data_end - info.data_begin);
}

Tensor SafetensorsFile::load_f32(std::string_view name) const {
  const TensorInfo& info = get(name);
  if (!is_float(info.dtype)) {
    throw UnsupportedError(path() + ": " + tensor_context(name) + "dtype " +
                           std::string(dtype_name(info.dtype)) +
                           " is not a float type; expected F32, F16, BF16 or F64 here");
  }
  Tensor out(info.shape);
  if (out.empty()) return out;  // an empty Tensor has no buffer to convert into
  const auto bytes = raw(info);
  convert_to_f32(info.dtype, bytes.data(), static_cast<size_t>(out.numel()), out.data());
  return out;
}

std::vector<int64_t> SafetensorsFile::load_i64(std::string_view name) const {
  const TensorInfo& info = get(name);
  const auto bytes = raw(info);
  const size_t count = static_cast<size_t>(info.numel());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::vector<int64_t> out(count);
  auto widen = [&]<typename T>(T) {
    for (size_t i = 0; i < count; ++i) {
      T value;
      std::memcpy(&value, p + i * sizeof(T), sizeof(T));
      if constexpr (std::is_same_v<T, uint64_t>) {
        if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          throw UnsupportedError(path() + ": " + tensor_context(name) + "U64 value " +
                                 std::to_string(value) + " at index " + std::to_string(i) +
                                 " does not fit in int64");
        }
      }
      out[i] = static_cast<int64_t>(value);
    }
  };
  switch (info.dtype) {
    case DType::kBool:
      for (size_t i = 0; i < count; ++i) out[i] = p[i] != 0 ? 1 : 0;
      break;
    case DType::kU8:
      widen(uint8_t{});
      break;
    case DType::kI8:
      widen(int8_t{});
      break;
    case DType::kI16:
      widen(int16_t{});
      break;
    case DType::kU16:
      widen(uint16_t{});
      break;
    case DType::kI32:
      widen(int32_t{});
      break;
    case DType::kU32:
      widen(uint32_t{});
      break;
    case DType::kI64:
      widen(int64_t{});
      break;
    case DType::kU64:
      widen(uint64_t{});
      break;
    default:
      throw UnsupportedError(path() + ": " + tensor_context(name) + "dtype " +
                             std::string(dtype_name(info.dtype)) +
                             " is not an integer type; expected BOOL, U8, I8, I16, U16, I32, "
                             "U32, I64 or U64 here");
  }
  return out;
}

}  // namespace attnscope
