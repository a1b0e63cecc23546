#include "report/attention_report.h"

#include <bit>
#include <cstring>
#include <stdexcept>

#include "core/error.h"

namespace attnscope::report {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the binary attention form is written as the host's bytes");

nlohmann::json header_json(const AttentionSlice& slice) {
  nlohmann::json out = nlohmann::json::object();
  out["tokens"] = slice.tokens;
  out["layer"] = slice.layer;
  out["heads"] = slice.heads;
  out["causal"] = slice.causal;
  return out;
}

void check_size(const AttentionSlice& slice) {
  const auto t = static_cast<size_t>(slice.num_tokens);
  if (slice.probs.size() != slice.heads.size() * t * t) {
    throw ShapeError(
        "attention slice holds " + std::to_string(slice.probs.size()) +
        " values, expected heads * T * T = " + std::to_string(slice.heads.size() * t * t));
  }
}

}  // namespace

nlohmann::json attention_json(const AttentionSlice& slice) {
  check_size(slice);
  nlohmann::json out = header_json(slice);
  const auto t = static_cast<size_t>(slice.num_tokens);
  nlohmann::json heads = nlohmann::json::array();
  for (size_t k = 0; k < slice.heads.size(); ++k) {
    nlohmann::json rows = nlohmann::json::array();
    for (size_t q = 0; q < t; ++q) {
      const float* row = slice.probs.data() + (k * t + q) * t;
      rows.push_back(std::vector<float>(row, row + t));
    }
    heads.push_back(std::move(rows));
  }
  out["attention"] = std::move(heads);
  return out;
}

std::string attention_binary(const AttentionSlice& slice, DType dtype) {
  check_size(slice);
  if (dtype != DType::kF32 && dtype != DType::kF16) {
    throw UnsupportedError("attention can be sent as f32 or f16, not " +
                           std::string(dtype_name(dtype)));
  }
  nlohmann::json header = header_json(slice);
  header["dtype"] = dtype == DType::kF16 ? "f16" : "f32";
  header["shape"] = {slice.heads.size(), slice.num_tokens, slice.num_tokens};
  const std::string json = header.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);

  const size_t start = (4 + json.size() + 7) / 8 * 8;
  const size_t value_bytes = slice.probs.size() * dtype_size(dtype);
  std::string out(start + value_bytes, '\0');
  const auto n = static_cast<uint32_t>(json.size());
  std::memcpy(out.data(), &n, sizeof(n));
  std::memcpy(out.data() + 4, json.data(), json.size());
  char* values = out.data() + start;
  if (dtype == DType::kF32) {
    std::memcpy(values, slice.probs.data(), value_bytes);
  } else {
    for (size_t i = 0; i < slice.probs.size(); ++i) {
      const uint16_t h = f32_to_f16(slice.probs[i]);
      std::memcpy(values + 2 * i, &h, sizeof(h));
    }
  }
  return out;
}

}  // namespace attnscope::report
