#include "core/tensor.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace attnscope {
namespace {

TEST(Tensor, RowMajorOffsets) {
  Tensor t({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.offset({1, 2, 3}), 23);
  EXPECT_EQ(t.offset({1, 0, 0}), 12);
  t.at({0, 1, 2}) = 5.0f;
  EXPECT_EQ(t.data()[6], 5.0f);
  EXPECT_THROW(t.at({2, 0, 0}), std::out_of_range);
  EXPECT_THROW(t.at({0, 0}), std::out_of_range);
}

TEST(Tensor, ShapeChecks) {
  EXPECT_THROW(Tensor({2, 2}, std::vector<float>(3)), ShapeError);
  EXPECT_THROW(shape_numel({-1, 2}), ShapeError);
  EXPECT_THROW(shape_numel({1LL << 40, 1LL << 40}), ShapeError);
  Tensor t({2, 6});
  t.reshape({3, 4});
  EXPECT_EQ(t.dim(1), 4);
  EXPECT_THROW(t.reshape({5}), ShapeError);
}

}  // namespace
}  // namespace attnscope
