// Shape rules and the errors op builders raise for bad shapes and axes.
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "core/shape.h"
#include "helpers.h"
#include "ops/ops.h"

namespace ember {
namespace {

// Runs `f`, expects a ValueError whose message starts with "[tag]".
template <typename F>
void expect_value_error(F&& f, const std::string& tag) {
  try {
    f();
    ADD_FAILURE() << "expected ValueError [" << tag << "]";
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[" + tag + "]", 0), 0u) << e.what();
  }
}

TEST(BroadcastShapes, Compatible) {
  EXPECT_EQ(broadcast_shapes({2, 3}, {3}, "t"), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({3}, {2, 3}, "t"), (Shape{2, 3}));
  EXPECT_EQ(broadcast_shapes({2, 1}, {1, 4}, "t"), (Shape{2, 4}));
  EXPECT_EQ(broadcast_shapes({}, {5}, "t"), (Shape{5}));
  EXPECT_EQ(broadcast_shapes({}, {}, "t"), Shape{});
  EXPECT_EQ(broadcast_shapes({4, 1, 3}, {5, 1}, "t"), (Shape{4, 5, 3}));
  EXPECT_EQ(broadcast_shapes({0, 3}, {1, 3}, "t"), (Shape{0, 3}));
  EXPECT_EQ(broadcast_shapes({1}, {0}, "t"), (Shape{0}));
}

TEST(BroadcastShapes, IncompatibleThrowsValueError) {
  EXPECT_THROW(broadcast_shapes({2, 3}, {4}, "add"), ValueError);
  EXPECT_THROW(broadcast_shapes({2}, {3}, "add"), ValueError);
  EXPECT_THROW(broadcast_shapes({0}, {2}, "add"), ValueError);
  EXPECT_THROW(broadcast_shapes({2, 3, 4}, {3, 3, 4}, "add"), ValueError);
  expect_value_error([] { broadcast_shapes({2, 3}, {4}, "add"); }, "add");
  // ValueError is an std::invalid_argument for generic handlers.
  EXPECT_THROW(broadcast_shapes({2}, {3}, "add"), std::invalid_argument);
}

TEST(BroadcastShapes, LargeDimensionsAre64Bit) {
  int64_t big = int64_t(1) << 40;
  EXPECT_EQ(broadcast_shapes({big, 1}, {1, 3}, "t"), (Shape{big, 3}));
}

TEST(Axes, Normalize) {
  EXPECT_EQ(normalize_axis(-1, 3, "t"), 2);
  EXPECT_EQ(normalize_axis(0, 3, "t"), 0);
  EXPECT_EQ(normalize_axis(-3, 3, "t"), 0);
  EXPECT_THROW(normalize_axis(3, 3, "t"), ValueError);
  EXPECT_THROW(normalize_axis(-4, 3, "t"), ValueError);
  EXPECT_THROW(normalize_axis(0, 0, "t"), ValueError);
  EXPECT_EQ(normalize_axes({2, -3}, 3, "t"), (std::vector<int>{0, 2}));
  EXPECT_THROW(normalize_axes({1, -2}, 3, "t"), ValueError);
}

TEST(ShapeSize, CountsAndOverflow) {
  EXPECT_EQ(shape_size({}), 1);
  EXPECT_EQ(shape_size({2, 3, 4}), 24);
  EXPECT_EQ(shape_size({5, 0, 7}), 0);
  EXPECT_THROW(shape_size({2, -1}), ValueError);
  int64_t big = int64_t(1) << 32;
  EXPECT_THROW(shape_size({big, big, big}), ValueError);
}

TEST(ShapeSize, RowStrides) {
  EXPECT_EQ(row_strides({2, 3, 4}), (Strides{12, 4, 1}));
  EXPECT_EQ(row_strides({}), Strides{});
  EXPECT_EQ(shape_str({2, 3}), "(2,3)");
  EXPECT_EQ(shape_str({5}), "(5,)");
}

TEST(OpErrors, ShapesAndAxes) {
  array x = zeros({2, 3}, float32);
  expect_value_error([&] { reshape(x, {4}); }, "reshape");
  expect_value_error([&] { add(x, zeros({4}, float32)); }, "add");
  expect_value_error([&] { matmul(x, x); }, "matmul");
  expect_value_error([&] { sum(x, {2}, false); }, "sum");
  expect_value_error([&] { transpose(x, {0, 0}); }, "transpose");
  expect_value_error([&] { concatenate({x, zeros({3, 3}, float32)}, 1); },
                     "concatenate");
  EXPECT_THROW(broadcast_to(x, {3, 3}), ValueError);
  EXPECT_THROW(squeeze(x, Axes{0}), ValueError);
  EXPECT_THROW(expand_dims(x, {3}), ValueError);
  EXPECT_THROW(split(x, 4, 1), ValueError);
  EXPECT_THROW(argmax(x, 2, false), ValueError);
}

TEST(OpShapes, ResultShapesWithoutEval) {
  array x = zeros({2, 3, 4}, float32);
  EXPECT_EQ(reshape(x, {-1, 4}).shape(), (Shape{6, 4}));
  EXPECT_EQ(transpose(x).shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(sum(x, {1}, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(sum(x, {0, 2}, false).shape(), (Shape{3}));
  EXPECT_EQ(matmul(x, zeros({4, 5}, float32)).shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(add(x, zeros({3, 1}, float32)).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(flatten(x, 1, 2).shape(), (Shape{2, 12}));
  EXPECT_EQ(expand_dims(x, {0, 4}).shape(), (Shape{1, 2, 3, 4, 1}));
  EXPECT_EQ(stack({x, x}, 1).shape(), (Shape{2, 2, 3, 4}));
  EXPECT_EQ(split(x, Shape{1, 3}, 2).size(), 3u);
}

TEST(OpValues, SmallComputations) {
  array a = make_floats({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(to_floats(transpose(a)), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(to_floats(sum(a, {0}, false)), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(to_floats(max(a, {1}, false)), (std::vector<float>{3, 6}));
  EXPECT_EQ(to_floats(matmul(a, transpose(a))),
            (std::vector<float>{14, 32, 32, 77}));
  EXPECT_EQ(to_floats(add(a, make_floats({10, 20, 30}, {3}))),
            (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_FLOAT_EQ(sum(ones({1 << 25}, float32), {0}, false).item<float>(),
                  33554432.0f);
}

}  // namespace
}  // namespace ember
