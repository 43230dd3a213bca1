// Export of the shape primitives: what each saves, its output shapes for
// shapeless replays, and the loader that rebuilds it from a file.
#include "core/errors.h"
#include "ops/ops.h"
#include "ops/shape.h"
#include "ops/replay.h"

namespace ember {

namespace {

// The shape a reshape recorded from `before` to `after` gives for an input
// now of shape `now`: groups of axes whose sizes multiply to the same
// product are matched, unit axes may appear or vanish, and merged axes
// take the product of their new sizes. Splitting an axis whose size
// changed has no single answer and raises.
Shape reshape_for(const Shape& before, const Shape& after, const Shape& now) {
  auto fail = [] {
    throw ValueError("[import_function] A reshape in the function cannot follow "
                     "the new input shape; call it with the exported shapes.");
  };
  if (before.size() != now.size()) fail();
  for (int64_t d : before) {
    if (d == 0) fail();
  }
  Shape out;
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    bool in_unit = i < before.size() && before[i] == 1;
    bool out_unit = j < after.size() && after[j] == 1;
    if (in_unit && out_unit) {
      out.push_back(now[i++]);
      j++;
    } else if (out_unit) {
      out.push_back(1);
      j++;
    } else if (in_unit) {
      if (now[i++] != 1) fail();
    } else {
      if (i >= before.size() || j >= after.size()) fail();
      size_t i0 = i, j0 = j;
      int64_t pi = before[i++], pj = after[j++];
      while (pi != pj) {
        if (pi < pj) {
          if (i >= before.size()) fail();
          pi *= before[i++];
        } else {
          if (j >= after.size()) fail();
          pj *= after[j++];
        }
      }
      if (j - j0 == 1) {
        int64_t merged = 1;
        for (size_t k = i0; k < i; ++k) merged *= now[k];
        out.push_back(merged);
      } else {
        for (size_t k = i0; k < i; ++k) {
          if (now[k] != before[k]) fail();
        }
        out.insert(out.end(), after.begin() + j0, after.begin() + j);
      }
    }
  }
  return out;
}

// Checks that a loaded parameter list has one entry per input axis.
void check_rank(const std::vector<int64_t>& v, const ReplayNode& node) {
  if (node.inputs.empty() || v.size() != static_cast<size_t>(node.inputs[0].ndim())) {
    Reader::corrupt();
  }
}

}  // namespace

void Reshape::save(Writer& w) const {
  w.str("Reshape");
  w.ints(shape_);
}
std::vector<Shape> Reshape::output_shapes(const std::vector<array>& in) {
  // Without a rule the output shape is the traced one: unknown elsewhere.
  if (!rule_) return {};
  const Shape& now = in[0].shape();
  Shape out;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < rule_->size.size(); ++i) {
    int64_t d = rule_->size[i];
    if (rule_->from[i] >= 0) {
      d = 1;
      for (int k = rule_->from[i]; k < rule_->to[i]; ++k) {
        if (k >= static_cast<int>(now.size())) return {};
        d *= now[k];
      }
    } else if (d == -1) {
      infer = static_cast<int>(i);
      d = 1;
    }
    known *= d;
    out.push_back(d);
  }
  if (infer >= 0 && known != 0 && in[0].size() % known == 0) out[infer] = in[0].size() / known;
  if ((infer >= 0 && (known == 0 || in[0].size() % known != 0)) || shape_size(out) != in[0].size()) {
    throw ValueError("[reshape] Cannot reshape an array of shape " + shape_str(now) +
                     " into shape " + shape_str(shape_) + " (a reshape traced by a "
                     "shapeless compiled function).");
  }
  return {out};
}

void Broadcast::save(Writer& w) const {
  w.str("Broadcast");
  w.ints(shape_);
}
std::vector<Shape> Broadcast::output_shapes(const std::vector<array>& in) {
  return Primitive::output_shapes(in);  // depends on the recorded shape
}

void BroadcastBatch::save(Writer& w) const { w.str("BroadcastBatch"); }
std::vector<Shape> BroadcastBatch::output_shapes(const std::vector<array>& in) {
  return {broadcast_batch_shape(in[0].shape(), in[1].shape())};
}

void Transpose::save(Writer& w) const {
  w.str("Transpose");
  w.ints(perm_);
}
std::vector<Shape> Transpose::output_shapes(const std::vector<array>& in) {
  Shape out;
  for (int64_t p : perm_) out.push_back(in[0].shape()[p]);
  return {out};
}

void Slice::save(Writer& w) const {
  w.str("Slice");
  w.ints(start_);
  w.ints(strides_);
  w.ints(shape_);
}

void SliceUpdate::save(Writer& w) const {
  w.str("SliceUpdate");
  w.ints(start_);
  w.ints(strides_);
}
std::vector<Shape> SliceUpdate::output_shapes(const std::vector<array>& in) {
  return Primitive::output_shapes(in);  // depends on the recorded shape
}

void AsStrided::save(Writer& w) const {
  w.str("AsStrided");
  w.ints(strides_);
  w.i64(offset_);
}

void Concatenate::save(Writer& w) const {
  w.str("Concatenate");
  w.i64(axis_);
}
std::vector<Shape> Concatenate::output_shapes(const std::vector<array>& in) {
  Shape out = in[0].shape();
  out[axis_] = 0;
  for (auto& x : in) {
    for (int d = 0; d < static_cast<int>(out.size()); ++d) {
      if (x.ndim() != static_cast<int>(out.size()) ||
          (d != axis_ && x.shape()[d] != out[d])) {
        throw ValueError("[concatenate] The inputs' shapes no longer match.");
      }
    }
    out[axis_] += x.shape()[axis_];
  }
  return {out};
}

void Pad::save(Writer& w) const {
  w.str("Pad");
  w.ints(lo_);
  w.ints(hi_);
}
std::vector<Shape> Pad::output_shapes(const std::vector<array>& in) {
  Shape shape = in[0].shape();
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += lo_[i] + hi_[i];
  return {shape};
}

bool load_shape_family(const std::string& tag, Reader& r, const ReplayNode& node,
                       std::vector<array>& out) {
  Stream s = node.stream;
  if (tag == "Pad") {
    auto lo = r.ints();
    auto hi = r.ints();
    check_rank(lo, node);
    check_rank(hi, node);
    for (size_t i = 0; i < lo.size(); ++i) {
      if (lo[i] < 0 || hi[i] < 0) Reader::corrupt();
    }
    if (node.inputs.size() != 2 || node.inputs[1].size() != 1) Reader::corrupt();
    out = node.make(std::make_shared<Pad>(s, lo, hi));
  } else if (tag == "Reshape") {
    auto shape = r.ints();
    if (node.inputs.size() != 1) Reader::corrupt();
    if (!node.same_shapes) shape = reshape_for(node.in_shapes[0], shape, node.inputs[0].shape());
    out = array::make_arrays({shape}, node.dtypes, std::make_shared<Reshape>(s, shape),
                             node.inputs);
    if (out[0].size() != node.inputs[0].size()) Reader::corrupt();
  } else if (tag == "BroadcastBatch") {
    if (node.inputs.size() != 2 || node.inputs[0].ndim() < 2 ||
        node.inputs[1].ndim() < 2) {
      Reader::corrupt();
    }
    out = node.make(std::make_shared<BroadcastBatch>(s));
  } else if (tag == "Broadcast") {
    out = node.make(std::make_shared<Broadcast>(s, r.ints()));
    if (node.inputs.size() != 1 ||
        broadcast_shapes(node.inputs[0].shape(), out[0].shape(), "import_function") !=
            out[0].shape()) {
      Reader::corrupt();
    }
  } else if (tag == "Transpose") {
    auto perm = r.ints();
    check_rank(perm, node);
    std::vector<bool> seen(perm.size(), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(perm.size()) || seen[p]) Reader::corrupt();
      seen[p] = true;
    }
    out = node.make(std::make_shared<Transpose>(s, perm));
  } else if (tag == "Slice") {
    auto start = r.ints();
    auto strides = r.ints();
    auto shape = r.ints();
    check_rank(start, node);
    check_rank(strides, node);
    check_rank(shape, node);
    // Every element the slice reads must lie inside the input.
    for (size_t i = 0; i < start.size(); ++i) {
      int64_t dim = node.inputs[0].shape()[i];
      if (shape[i] < 0) Reader::corrupt();
      if (shape[i] == 0) continue;
      int64_t last = start[i] + (shape[i] - 1) * strides[i];
      if (start[i] < 0 || start[i] >= dim || last < 0 || last >= dim) Reader::corrupt();
    }
    out = node.make(std::make_shared<Slice>(s, start, strides, shape));
    if (out[0].shape() != shape) Reader::corrupt();
  } else if (tag == "SliceUpdate") {
    auto start = r.ints();
    auto strides = r.ints();
    check_rank(start, node);
    check_rank(strides, node);
    out = node.make(std::make_shared<SliceUpdate>(s, start, strides));
  } else if (tag == "AsStrided") {
    auto strides = r.ints();
    int64_t offset = r.i64();
    out = node.make(std::make_shared<AsStrided>(s, strides, offset));
  } else if (tag == "Concatenate") {
    int64_t axis = r.i64();
    if (node.inputs.empty() || axis < 0 || axis >= node.inputs[0].ndim()) Reader::corrupt();
    out = node.make(std::make_shared<Concatenate>(s, static_cast<int>(axis)));
  } else {
    return false;
  }
  return true;
}

}  // namespace ember
