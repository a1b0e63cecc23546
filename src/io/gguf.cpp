#include "io/gguf.h"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cstring>

#include <cctype>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/quote.h"

namespace attnscope {
namespace {

constexpr uint32_t kFirstUnknownValueType = 13;

size_t value_type_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool:
      return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16:
      return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32:
      return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64:
      return 8;
    case GgufValueType::kString:
    case GgufValueType::kArray:
      return 0;
  }
  return 0;
}

bool is_signed(GgufValueType t) {
  return t == GgufValueType::kInt8 || t == GgufValueType::kInt16 || t == GgufValueType::kInt32 ||
         t == GgufValueType::kInt64;
}

// Sign-extends `bits` stored as an integer of type `t`; false when an unsigned value does not
// fit int64.
bool integer_value(GgufValueType t, uint64_t bits, int64_t* out) {
  const size_t size = value_type_size(t);
  if (is_signed(t)) {
    const unsigned shift = static_cast<unsigned>(64 - 8 * size);
    *out = static_cast<int64_t>(bits << shift) >> shift;
    return true;
  }
  if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  *out = static_cast<int64_t>(bits);
  return true;
}

double float_value(GgufValueType t, uint64_t bits) {
  if (t == GgufValueType::kFloat32) {
    const auto b = static_cast<uint32_t>(bits);
    float f;
    std::memcpy(&f, &b, sizeof(f));
    return f;
  }
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

uint64_t load_le(const std::byte* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

// Reads the header region; every read is checked against the bytes left.
class Cursor {
 public:
  Cursor(const std::string& path, const std::byte* data, uint64_t size)
      : path_(path), data_(data), size_(size) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& what, uint64_t at) const {
    throw FormatError(path_, what, static_cast<int64_t>(at));
  }
  [[noreturn]] void fail(const std::string& what) const { fail(what, pos_); }

  void need(uint64_t n, std::string_view what) const {
    if (n > left()) {
      fail("truncated: " + std::string(what) + " needs " + std::to_string(n) + " bytes but only " +
           std::to_string(left()) + " are left");
    }
  }
  uint64_t read(size_t n, std::string_view what) {
    need(n, what);
    const uint64_t v = load_le(data_ + pos_, n);
    pos_ += n;
    return v;
  }
  uint32_t u32(std::string_view what) { return static_cast<uint32_t>(read(4, what)); }
  uint64_t u64(std::string_view what) { return read(8, what); }
  std::string_view string(std::string_view what, uint64_t cap) {
    const uint64_t at = pos_;
    const uint64_t n = u64(std::string(what) + " length");
    if (n > cap) {
      fail(std::string(what) + " length " + std::to_string(n) + " exceeds the limit of " +
               std::to_string(cap) + " bytes",
           at);
    }
    if (n > left()) {
      fail(std::string(what) + " length " + std::to_string(n) + " runs past the end of the file (" +
               std::to_string(left()) + " bytes left)",
           at);
    }
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(n));
    pos_ += n;
    return s;
  }
  const std::byte* here() const { return data_ + pos_; }
  void skip(uint64_t n) { pos_ += n; }

 private:
  const std::string& path_;
  const std::byte* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

std::string quoted_key(std::string_view key) { return quote(key); }

GgufValueType read_value_type(Cursor& in, const std::string& where) {
  const uint64_t at = in.pos();
  const uint32_t t = in.u32(where + " type");
  if (t >= kFirstUnknownValueType) {
    in.fail(where + " has unknown value type " + std::to_string(t), at);
  }
  return static_cast<GgufValueType>(t);
}

GgufValue read_value(Cursor& in, GgufValueType type, const std::string& where, int depth) {
  GgufValue v;
  v.type = type;
  if (type == GgufValueType::kString) {
    v.text = in.string(where, kMaxGgufStringBytes);
    return v;
  }
  if (type != GgufValueType::kArray) {
    v.bits = in.read(value_type_size(type), where);
    if (type == GgufValueType::kBool && v.bits > 1) {
      in.fail(where + " is a BOOL with value " + std::to_string(v.bits), in.pos() - 1);
    }
    return v;
  }
  if (depth >= kMaxGgufArrayDepth) {
    in.fail(where + " nests arrays deeper than " + std::to_string(kMaxGgufArrayDepth));
  }
  v.element_type = read_value_type(in, where + " element");
  const uint64_t at = in.pos();
  v.count = in.u64(where + " count");
  if (v.count > kMaxGgufCount) {
    in.fail(where + " has " + std::to_string(v.count) + " elements; the limit is " +
                std::to_string(kMaxGgufCount),
            at);
  }
  // The smallest encoding of one element bounds the count by the bytes left.
  const size_t elem = value_type_size(v.element_type);
  const uint64_t min_elem = elem != 0 ? elem : (v.element_type == GgufValueType::kString ? 8 : 12);
  if (v.count > in.left() / min_elem) {
    in.fail(where + " has " + std::to_string(v.count) + " elements of " +
                std::string(gguf_value_type_name(v.element_type)) + ", more than the " +
                std::to_string(in.left()) + " bytes left can hold",
            at);
  }
  if (elem != 0) {
    v.raw = in.here();
    if (v.element_type == GgufValueType::kBool) {
      for (uint64_t i = 0; i < v.count; ++i) {
        if (static_cast<uint8_t>(v.raw[i]) > 1) in.fail(where + " holds a BOOL that is not 0 or 1");
      }
    }
    in.skip(v.count * elem);
  } else if (v.element_type == GgufValueType::kString) {
    v.strings.reserve(static_cast<size_t>(v.count));
    for (uint64_t i = 0; i < v.count; ++i) {
      v.strings.push_back(in.string(where + "[" + std::to_string(i) + "]", kMaxGgufStringBytes));
    }
  } else {
    v.items.reserve(static_cast<size_t>(v.count));
    for (uint64_t i = 0; i < v.count; ++i) {
      const std::string item = where + "[" + std::to_string(i) + "]";
      v.items.push_back(read_value(in, GgufValueType::kArray, item, depth + 1));
    }
  }
  return v;
}

}  // namespace

std::string_view gguf_value_type_name(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8:
      return "UINT8";
    case GgufValueType::kInt8:
      return "INT8";
    case GgufValueType::kUint16:
      return "UINT16";
    case GgufValueType::kInt16:
      return "INT16";
    case GgufValueType::kUint32:
      return "UINT32";
    case GgufValueType::kInt32:
      return "INT32";
    case GgufValueType::kFloat32:
      return "FLOAT32";
    case GgufValueType::kBool:
      return "BOOL";
    case GgufValueType::kString:
      return "STRING";
    case GgufValueType::kArray:
      return "ARRAY";
    case GgufValueType::kUint64:
      return "UINT64";
    case GgufValueType::kInt64:
      return "INT64";
    case GgufValueType::kFloat64:
      return "FLOAT64";
  }
  return "?";
}

bool GgufValue::is_integer() const {
  return value_type_size(type) != 0 && type != GgufValueType::kBool &&
         type != GgufValueType::kFloat32 && type != GgufValueType::kFloat64;
}

bool GgufValue::is_float() const {
  return type == GgufValueType::kFloat32 || type == GgufValueType::kFloat64;
}

std::string GgufValue::type_label() const {
  if (type != GgufValueType::kArray) return std::string(gguf_value_type_name(type));
  return "ARRAY[" + std::string(gguf_value_type_name(element_type)) + "]";
}

std::string GgufValue::to_display(size_t max_items) const {
  const auto scalar = [](GgufValueType t, uint64_t bits) -> std::string {
    if (t == GgufValueType::kBool) return bits != 0 ? "true" : "false";
    if (t == GgufValueType::kFloat32 || t == GgufValueType::kFloat64) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%g", float_value(t, bits));
      return buf;
    }
    int64_t i = 0;
    if (integer_value(t, bits, &i)) return std::to_string(i);
    return std::to_string(bits);
  };
  switch (type) {
    case GgufValueType::kString:
      return quote(text, 200);
    case GgufValueType::kArray: {
      std::string out = "[";
      const uint64_t shown = std::min<uint64_t>(count, max_items);
      const size_t elem = value_type_size(element_type);
      for (uint64_t i = 0; i < shown; ++i) {
        if (i != 0) out += ", ";
        if (elem != 0) {
          out += scalar(element_type, load_le(raw + i * elem, elem));
        } else if (element_type == GgufValueType::kString) {
          out += quote(strings[i], 40);
        } else {
          out += items[i].to_display(max_items);
        }
      }
      if (count > shown) out += ", ... (" + std::to_string(count) + " items)";
      return out + "]";
    }
    default:
      return scalar(type, bits);
  }
}

Shape GgufTensorInfo::shape() const { return Shape(ne.rbegin(), ne.rend()); }

uint64_t GgufTensorInfo::row_bytes() const {
  const GgmlTypeTraits& t = ggml_type_traits(type);
  return static_cast<uint64_t>(row_length() / t.block_size) * static_cast<uint64_t>(t.type_size);
}

GgufFile::GgufFile(const std::string& path) : file_(path) {
  Cursor in(file_.path(), file_.data(), file_.size());
  // Header.
  if (file_.size() < 4 || std::memcmp(file_.data(), "GGUF", 4) != 0) {
    in.need(4, "the magic");
    in.fail("bad magic: not a GGUF file (expected \"GGUF\")", 0);
  }
  in.skip(4);
  version_ = in.u32("the version");
  if (version_ == 1 || version_ == 2) {
    throw UnsupportedError(file_.path() + ": GGUF version " + std::to_string(version_) +
                           " is not supported (only version 3); convert the model again with a "
                           "current llama.cpp");
  }
  if (version_ != 3) {
    in.fail("GGUF version " + std::to_string(version_) + " is unknown (expected 3)", 4);
  }
  const uint64_t n_tensors = in.u64("the tensor count");
  const uint64_t n_kv = in.u64("the metadata count");
  // A tensor info is at least 8 (name length) + 1 (name) + 4 (n_dims) + 4 (type) + 8 (offset)
  // bytes; a key/value at least 8 + 1 + 4 + 1.
  if (n_tensors > kMaxGgufCount || n_tensors > in.left() / 25) {
    in.fail("tensor count " + std::to_string(n_tensors) + " is more than the file can hold", 8);
  }
  if (n_kv > kMaxGgufCount || n_kv > in.left() / 14) {
    in.fail("metadata count " + std::to_string(n_kv) + " is more than the file can hold", 16);
  }

  // Metadata.
  metadata_.reserve(static_cast<size_t>(n_kv));
  for (uint64_t i = 0; i < n_kv; ++i) {
    const uint64_t at = in.pos();
    const std::string_view key = in.string("metadata key " + std::to_string(i), kMaxGgufKeyBytes);
    if (key.empty()) in.fail("metadata key " + std::to_string(i) + " is empty", at);
    const std::string where = "metadata " + quoted_key(key);
    if (key_index_.count(key) != 0) in.fail("duplicate " + where, at);
    const GgufValueType type = read_value_type(in, where);
    GgufValue value = read_value(in, type, where, 0);
    key_index_.emplace(std::string(key), metadata_.size());
    metadata_.emplace_back(std::string(key), std::move(value));
  }
  if (const GgufValue* a = find("general.alignment")) {
    if (a->type != GgufValueType::kUint32) {
      in.fail("general.alignment has type " + a->type_label() + "; expected UINT32");
    }
    const uint64_t align = a->bits;
    if (align == 0 || (align & (align - 1)) != 0 || align > kMaxGgufAlignment) {
      in.fail("general.alignment " + std::to_string(align) +
              " is not a power of two between 1 and " + std::to_string(kMaxGgufAlignment));
    }
    alignment_ = static_cast<uint32_t>(align);
  }

  // Tensor infos.
  tensors_.reserve(static_cast<size_t>(n_tensors));
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = in.pos();
    GgufTensorInfo t;
    const std::string_view name =
        in.string("tensor " + std::to_string(i) + " name", kMaxGgufStringBytes);
    const std::string where = "tensor " + quote(name);
    if (name.size() > kMaxGgufTensorNameBytes) {
      in.fail(where + " name is " + std::to_string(name.size()) + " bytes; the limit is " +
                  std::to_string(kMaxGgufTensorNameBytes),
              at);
    }
    if (tensor_index_.count(name) != 0) in.fail("duplicate " + where, at);
    t.name = std::string(name);
    const uint64_t dims_at = in.pos();
    const uint32_t n_dims = in.u32(where + " n_dims");
    if (n_dims > static_cast<uint32_t>(kMaxGgufDims)) {
      in.fail(where + " has " + std::to_string(n_dims) + " dimensions; at most " +
                  std::to_string(kMaxGgufDims) + " are allowed",
              dims_at);
    }
    t.ne.resize(n_dims);
    int64_t numel = 1;
    bool overflow = false;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t raw = in.u64(where + " dimension");
      if (raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        in.fail(where + " dimension " + std::to_string(d) + " is negative (" +
                    std::to_string(static_cast<int64_t>(raw)) + ")",
                in.pos() - 8);
      }
      t.ne[d] = static_cast<int64_t>(raw);
      if (t.ne[d] != 0 && numel > std::numeric_limits<int64_t>::max() / t.ne[d]) overflow = true;
      if (!overflow) numel *= t.ne[d];
    }
    // A zero dimension makes the product 0 whatever the others are; an overflow in the other
    // dimensions is still refused (ggml's rule: each prefix product must fit int64).
    if (overflow) {
      in.fail(where + " has " + format_shape(t.ne) + " elements, more than int64 can count",
              dims_at);
    }
    t.numel = numel;
    const uint64_t type_at = in.pos();
    const uint32_t type = in.u32(where + " type");
    const GgmlTypeTraits* traits = ggml_type_traits(type);
    if (traits == nullptr) {
      in.fail(where + " has unknown ggml type " + std::to_string(type), type_at);
    }
    t.type = traits->type;
    if (t.row_length() % traits->block_size != 0) {
      in.fail(where + " rows of " + std::to_string(t.row_length()) + " values are not whole " +
                  std::string(traits->name) + " blocks of " + std::to_string(traits->block_size),
              dims_at);
    }
    const uint64_t blocks = static_cast<uint64_t>(numel / traits->block_size);
    if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(traits->type_size)) {
      in.fail(where + " byte size overflows", dims_at);
    }
    t.nbytes = blocks * static_cast<uint64_t>(traits->type_size);
    const uint64_t offset_at = in.pos();
    t.offset = in.u64(where + " offset");
    if (t.offset % alignment_ != 0) {
      in.fail(where + " offset " + std::to_string(t.offset) +
                  " is not a multiple of the alignment " + std::to_string(alignment_),
              offset_at);
    }
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
  }

  // Data section: starts at the next multiple of the alignment.
  const uint64_t header_end = in.pos();
  const uint64_t pad = (alignment_ - header_end % alignment_) % alignment_;
  data_offset_ = header_end + pad;  // header_end < file size <= 2^63: no overflow
  if (!tensors_.empty() && data_offset_ > file_.size()) {
    in.fail("the data section starts at " + std::to_string(data_offset_) +
                ", past the end of the file (" + std::to_string(file_.size()) + " bytes)",
            header_end);
  }
  const uint64_t data_len = data_offset_ <= file_.size() ? file_.size() - data_offset_ : 0;
  for (const GgufTensorInfo& t : tensors_) {
    if (t.offset > data_len || t.nbytes > data_len - t.offset) {
      in.fail("tensor " + quote(t.name) + " data [" + std::to_string(t.offset) + ", +" +
                  std::to_string(t.nbytes) + ") is not within the data section (" +
                  std::to_string(data_len) + " bytes)",
              header_end);
    }
  }
  std::vector<size_t> order(tensors_.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return tensors_[a].offset < tensors_[b].offset; });
  for (size_t k = 1; k < order.size(); ++k) {
    const GgufTensorInfo& prev = tensors_[order[k - 1]];
    const GgufTensorInfo& cur = tensors_[order[k]];
    if (prev.nbytes != 0 && cur.nbytes != 0 && prev.offset + prev.nbytes > cur.offset) {
      in.fail("tensors " + quote(prev.name) + " and " + quote(cur.name) +
                  " overlap in the data section",
              header_end);
    }
  }
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].second;
}

namespace {
[[noreturn]] void wrong_type(const std::string& path, std::string_view key,
                             std::string_view expected, const GgufValue& v) {
  throw FormatError(path, "metadata " + quoted_key(key) + " has type " + v.type_label() +
                              "; expected " + std::string(expected));
}
}  // namespace

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufValueType::kString) wrong_type(path(), key, "STRING", *v);
  return std::string(v->text);
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_integer()) wrong_type(path(), key, "an integer", *v);
  int64_t out = 0;
  if (!integer_value(v->type, v->bits, &out)) {
    throw FormatError(path(), "metadata " + quoted_key(key) + " value " + std::to_string(v->bits) +
                                  " does not fit int64");
  }
  return out;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_float()) wrong_type(path(), key, "FLOAT32 or FLOAT64", *v);
  return float_value(v->type, v->bits);
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufValueType::kBool) wrong_type(path(), key, "BOOL", *v);
  return v->bits != 0;
}

std::optional<std::vector<std::string_view>> GgufFile::get_string_array(
    std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufValueType::kArray || v->element_type != GgufValueType::kString) {
    wrong_type(path(), key, "ARRAY[STRING]", *v);
  }
  return v->strings;
}

std::optional<std::vector<float>> GgufFile::get_f32_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufValueType::kArray || v->element_type != GgufValueType::kFloat32) {
    wrong_type(path(), key, "ARRAY[FLOAT32]", *v);
  }
  std::vector<float> out(static_cast<size_t>(v->count));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(float_value(GgufValueType::kFloat32, load_le(v->raw + 4 * i, 4)));
  }
  return out;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  GgufValue probe;
  probe.type = v->element_type;
  if (v->type != GgufValueType::kArray || !probe.is_integer()) {
    wrong_type(path(), key, "an ARRAY of integers", *v);
  }
  const size_t elem = value_type_size(v->element_type);
  std::vector<int64_t> out(static_cast<size_t>(v->count));
  for (size_t i = 0; i < out.size(); ++i) {
    if (!integer_value(v->element_type, load_le(v->raw + elem * i, elem), &out[i])) {
      throw FormatError(
          path(), "metadata " + quoted_key(key) + "[" + std::to_string(i) + "] does not fit int64");
    }
  }
  return out;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::tensor(std::string_view name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (t == nullptr) {
    throw ShapeError("tensor " + quote(name) + " not found in " + path());
  }
  return *t;
}

std::span<const std::byte> GgufFile::tensor_data(const GgufTensorInfo& info) const {
  return {file_.data() + data_offset_ + info.offset, static_cast<size_t>(info.nbytes)};
}

void GgufFile::dequantize_rows(const GgufTensorInfo& info, int64_t row_begin, int64_t rows,
                               float* dst) const {
  const GgmlTypeTraits& traits = ggml_type_traits(info.type);
  if (!traits.dequantizable) {
    throw UnsupportedError("tensor " + quote(info.name) + " in " + path() + " has ggml type " +
                           std::string(traits.name) +
                           ", which attnscope cannot dequantize (supported: F32, F16, BF16, "
                           "Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)");
  }
  if (row_begin < 0 || rows < 0 || row_begin > info.rows() || rows > info.rows() - row_begin) {
    throw InputError("rows [" + std::to_string(row_begin) + ", +" + std::to_string(rows) +
                     ") are outside tensor " + quote(info.name) + " (" +
                     std::to_string(info.rows()) + " rows)");
  }
  const uint64_t row_bytes = info.row_bytes();
  const std::byte* src = tensor_data(info).data() + static_cast<uint64_t>(row_begin) * row_bytes;
  const int64_t n = info.row_length();
  for (int64_t r = 0; r < rows; ++r) {
    dequantize_row(info.type, src + static_cast<uint64_t>(r) * row_bytes, dst + r * n, n);
  }
}

Tensor GgufFile::load_f32(std::string_view name) const {
  const GgufTensorInfo& info = tensor(name);
  Tensor out(info.shape());
  dequantize_rows(info, 0, info.rows(), out.data());
  return out;
}

bool looks_like_gguf(const std::string& path) {
  if (path.size() >= 5) {
    std::string ext = path.substr(path.size() - 5);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".gguf") return true;
  }
  struct stat st {};
  int fd = -1;
  try {
    fd = open_regular_file(path, &st);
  } catch (const Error&) {
    return false;
  }
  char magic[4] = {};
  const ssize_t n = ::read(fd, magic, sizeof(magic));
  ::close(fd);
  return n == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace attnscope
