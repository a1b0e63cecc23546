#include "ops/activation.h"

#include <gtest/gtest.h>

namespace attnscope::ops {
namespace {

TEST(Activation, KnownValues) {
  // References from torch.nn.functional (gelu, gelu(approximate="tanh"), silu) in float64.
  EXPECT_NEAR(activate(Activation::kGeluErf, 1.0f), 0.8413447460685429, 1e-6);
  EXPECT_NEAR(activate(Activation::kGeluErf, -2.0f), -0.04550026389635842, 1e-7);
  EXPECT_NEAR(activate(Activation::kGeluTanh, 1.0f), 0.8411919906082768, 1e-6);
  EXPECT_NEAR(activate(Activation::kGeluTanh, -2.0f), -0.04540230591222637, 1e-7);
  EXPECT_NEAR(activate(Activation::kSilu, 1.0f), 0.7310585786300049, 1e-6);
  EXPECT_NEAR(activate(Activation::kSilu, -30.0f), -30.0 / (1.0 + 1.0686474581524463e13), 1e-15);
  EXPECT_EQ(activate(Activation::kRelu, -1.0f), 0.0f);
  EXPECT_EQ(activate(Activation::kRelu, 2.5f), 2.5f);
}

TEST(Activation, GatedMultipliesByUp) {
  float gate[2] = {1.0f, -1.0f};
  const float up[2] = {2.0f, 3.0f};
  apply_gated_activation(Activation::kRelu, gate, up, 2);
  EXPECT_EQ(gate[0], 2.0f);
  EXPECT_EQ(gate[1], 0.0f);
}

TEST(Activation, HuggingFaceNames) {
  Activation a;
  ASSERT_TRUE(activation_from_hf_name("gelu_new", &a));
  EXPECT_EQ(a, Activation::kGeluTanh);
  ASSERT_TRUE(activation_from_hf_name("gelu_pytorch_tanh", &a));
  EXPECT_EQ(a, Activation::kGeluTanh);
  ASSERT_TRUE(activation_from_hf_name("gelu", &a));
  EXPECT_EQ(a, Activation::kGeluErf);
  ASSERT_TRUE(activation_from_hf_name("silu", &a));
  EXPECT_EQ(a, Activation::kSilu);
  EXPECT_FALSE(activation_from_hf_name("quick_gelu_typo", &a));
}

}  // namespace
}  // namespace attnscope::ops
