// SafetensorsWriter: tensors in name order, header JSON padded with spaces so the data region
// starts at a multiple of 8 bytes (as Hugging Face's writer does), written atomically.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"

namespace attnscope {
namespace {

constexpr std::string_view kMetadataKey = "__metadata__";

void check_name(const std::string& name, bool already_present) {
  if (name == kMetadataKey) {
    throw InputError("tensor name '__metadata__' is reserved by the safetensors format");
  }
  if (already_present) throw InputError("tensor '" + name + "' added twice to the writer");
}

void append_le_u64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

}  // namespace

void SafetensorsWriter::add_f32(const std::string& name, const Tensor& tensor, DType dtype) {
  check_name(name, entries_.contains(name));
  const auto values = tensor.values();
  Entry entry{dtype, tensor.shape(), {}, {}, {}};
  switch (dtype) {
    case DType::kF32:
      entry.bytes.resize(values.size() * sizeof(float));
      if (!values.empty()) std::memcpy(entry.bytes.data(), values.data(), entry.bytes.size());
      break;
    case DType::kF16:
    case DType::kBF16: {
      entry.bytes.resize(values.size() * sizeof(uint16_t));
      for (size_t i = 0; i < values.size(); ++i) {
        const uint16_t half = dtype == DType::kF16 ? f32_to_f16(values[i]) : f32_to_bf16(values[i]);
        std::memcpy(entry.bytes.data() + 2 * i, &half, sizeof(half));
      }
      break;
    }
    default:
      throw UnsupportedError("tensor '" + name + "': the writer stores float tensors as F32, " +
                             "F16 or BF16, not " + std::string(dtype_name(dtype)));
  }
  entries_.emplace(name, std::move(entry));
}

void SafetensorsWriter::add_i64(const std::string& name, const Shape& shape,
                                std::span<const int64_t> values) {
  add_raw(name, DType::kI64, shape, std::as_bytes(values));
}

void SafetensorsWriter::add_raw(const std::string& name, DType dtype, const Shape& shape,
                                std::span<const std::byte> bytes) {
  check_name(name, entries_.contains(name));
  const int64_t numel = shape_numel(shape);
  const uint64_t expected = static_cast<uint64_t>(numel) * dtype_size(dtype);
  if (bytes.size() != expected) {
    throw ShapeError("tensor '" + name + "': shape " + format_shape(shape) + " of " +
                     std::string(dtype_name(dtype)) + " needs " + std::to_string(expected) +
                     " bytes, got " + std::to_string(bytes.size()));
  }
  entries_.emplace(name,
                   Entry{dtype,
                         shape,
                         std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                         {},
                         {}});
}

void SafetensorsWriter::add_streamed(const std::string& name, DType dtype, const Shape& shape,
                                     std::function<void(const ByteSink&)> fill) {
  check_name(name, entries_.contains(name));
  if (!fill) throw InputError("tensor '" + name + "': add_streamed needs a fill function");
  (void)shape_numel(shape);  // validates the shape
  Entry entry{dtype, shape, {}, {}, std::move(fill)};
  entries_.emplace(name, std::move(entry));
}

uint64_t SafetensorsWriter::Entry::size() const {
  if (fill) return static_cast<uint64_t>(shape_numel(shape)) * dtype_size(dtype);
  return data().size();
}

void SafetensorsWriter::emit(const std::string& name, const Entry& entry, const ByteSink& out) {
  if (!entry.fill) {
    const std::string_view data = entry.data();
    out(std::as_bytes(std::span<const char>(data.data(), data.size())));
    return;
  }
  uint64_t written = 0;
  entry.fill([&](std::span<const std::byte> bytes) {
    written += bytes.size();
    if (written > entry.size()) {
      throw ShapeError("tensor '" + name + "': shape " + format_shape(entry.shape) + " of " +
                       std::string(dtype_name(entry.dtype)) + " needs " +
                       std::to_string(entry.size()) + " bytes; more were produced");
    }
    out(bytes);
  });
  if (written != entry.size()) {
    throw ShapeError("tensor '" + name + "': shape " + format_shape(entry.shape) + " of " +
                     std::string(dtype_name(entry.dtype)) + " needs " +
                     std::to_string(entry.size()) + " bytes, got " + std::to_string(written));
  }
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
  metadata_[key] = value;
}

void SafetensorsWriter::add_f32(const std::string& name, Tensor&& tensor) {
  check_name(name, entries_.contains(name));
  Entry entry{DType::kF32, tensor.shape(), {}, {}, {}};
  entry.values = std::move(tensor);
  entries_.emplace(name, std::move(entry));
}

std::string SafetensorsWriter::header() const {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) header[std::string(kMetadataKey)] = metadata_;
  uint64_t offset = 0;
  for (const auto& [name, entry] : entries_) {  // std::map: name order
    const uint64_t end = offset + entry.size();
    header[name] = {{"dtype", dtype_name(entry.dtype)},
                    {"shape", entry.shape},
                    {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const nlohmann::json::type_error& error) {
    throw InputError(std::string("safetensors tensor names and metadata must be valid UTF-8: ") +
                     error.what());
  }
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  std::string out;
  append_le_u64(out, header_text.size());
  return out + header_text;
}

std::string SafetensorsWriter::serialize() const {
  std::string out = header();
  for (const auto& [name, entry] : entries_) {
    emit(name, entry, [&](std::span<const std::byte> bytes) {
      out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    });
  }
  return out;
}

void SafetensorsWriter::write(const std::string& path) const {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(path, std::string("cannot create: ") + std::strerror(errno));
    try {
      const std::string head = header();
      out.write(head.data(), static_cast<std::streamsize>(head.size()));
      const ByteSink sink = [&](std::span<const std::byte> bytes) {
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out) throw IoError(path, "write failed (disk full?)");
      };
      for (const auto& [name, entry] : entries_) emit(name, entry, sink);
      out.flush();
      if (!out) throw IoError(path, "write failed (disk full?)");
    } catch (...) {
      out.close();
      ::unlink(tmp.c_str());
      throw;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(path, std::string("cannot rename into place: ") + std::strerror(err));
  }
}

}  // namespace attnscope
