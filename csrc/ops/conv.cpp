// Convolution builders and transform rules. Everything but the zero-padded,
// strided, dilated, grouped correlation is composed from other ops, so the
// gradients of cropping, input dilation and flipping come for free.
#include "ops/conv.h"

#include "core/errors.h"
#include "ops/arrange.h"
#include "ops/autodiff.h"
#include "ops/replay.h"

namespace ember {

namespace {

// Inserts d - 1 zeros between elements along `axis`.
array dilate(const array& x, int axis, int64_t d, StreamOrDevice s) {
  if (d == 1 || x.shape()[axis] == 0) return x;
  int64_t n = x.shape()[axis];
  array e = expand_dims(x, {axis + 1}, s);
  std::vector<std::pair<int64_t, int64_t>> widths(e.ndim(), {0, 0});
  widths[axis + 1] = {0, d - 1};
  array padded = pad(e, widths, "constant", array::scalar(0, x.dtype()), s);
  Shape shape = x.shape();
  shape[axis] = n * d;
  array merged = reshape(padded, shape, s);
  Shape start(x.ndim(), 0), stop = shape, step(x.ndim(), 1);
  stop[axis] = (n - 1) * d + 1;
  return slice(merged, start, stop, step, s);
}

// Crops -lo / -hi (both <= 0) from the ends of each spatial axis.
array crop(const array& x, const Shape& lo, const Shape& hi, StreamOrDevice s) {
  Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
  bool any = false;
  for (size_t i = 0; i < lo.size(); ++i) {
    start[i + 1] = -lo[i];
    stop[i + 1] = x.shape()[i + 1] + hi[i];
    any |= lo[i] < 0 || hi[i] < 0;
  }
  return any ? slice(x, start, stop, step, s) : x;
}

Shape spatial_axes_of(int ndim) {
  Shape ax;
  for (int i = 1; i < ndim - 1; ++i) ax.push_back(i);
  return ax;
}

// The Convolution primitive: x zero-padded by lo/hi (>= 0) on each spatial
// dimension, correlated with w.
array padded_conv(const array& x, const array& w, const Shape& stride,
                  const Shape& dilation, int groups, const Shape& lo, const Shape& hi,
                  StreamOrDevice s) {
  auto prim = std::make_shared<Convolution>(to_stream(s), stride, dilation, groups, lo, hi);
  Shape out = prim->output_shapes({x, w})[0];
  return array(out, x.dtype(), std::move(prim), {x, w});
}

Shape expand_param(Shape v, int d, const char* name) {
  if (v.size() == 1 && d > 1) v.assign(d, v[0]);
  if (static_cast<int>(v.size()) != d) {
    throw ValueError(std::string("[conv] ") + name + " must have " +
                     std::to_string(d) + " entries.");
  }
  return v;
}

}  // namespace

array conv_general(const array& input, const array& weight, Shape stride,
                   Shape pad_lo, Shape pad_hi, Shape kernel_dilation,
                   Shape input_dilation, int groups, bool flip_kernel,
                   StreamOrDevice s) {
  if (input.ndim() < 3 || input.ndim() != weight.ndim()) {
    throw ValueError("[conv] Input and weight must have the same rank, at least 3 "
                     "(batch, spatial..., channels); got " +
                     shape_str(input.shape()) + " and " + shape_str(weight.shape()) +
                     ".");
  }
  int d = input.ndim() - 2;
  stride = expand_param(stride, d, "stride");
  pad_lo = expand_param(pad_lo, d, "padding");
  pad_hi = expand_param(pad_hi, d, "padding");
  kernel_dilation = expand_param(kernel_dilation, d, "kernel_dilation");
  input_dilation = expand_param(input_dilation, d, "input_dilation");
  for (int i = 0; i < d; ++i) {
    if (stride[i] < 1 || kernel_dilation[i] < 1 || input_dilation[i] < 1) {
      throw ValueError("[conv] Strides and dilations must be positive.");
    }
  }
  int64_t cin = input.shape().back(), cout = weight.shape()[0];
  if (groups < 1 || cin % groups != 0 || cout % groups != 0 ||
      weight.shape().back() != cin / groups) {
    throw ValueError("[conv] Expected weight channels " +
                     std::to_string(groups > 0 ? cin / groups : 0) +
                     " (input channels / groups) and output channels divisible "
                     "by groups; got weight " + shape_str(weight.shape()) +
                     " for input " + shape_str(input.shape()) + " and groups " +
                     std::to_string(groups) + ".");
  }
  Dtype t = promote_types(input.dtype(), weight.dtype());
  if (!is_floating(t)) {
    throw ValueError(std::string("[conv] Only floating point types are supported; "
                                 "got ") + dtype_name(t) + ".");
  }
  Dtype ct = t == float64 ? float64 : float32;
  array x = astype(input, ct, s), w = astype(weight, ct, s);
  if (flip_kernel) w = flip(w, spatial_axes_of(w.ndim()), s);
  for (int i = 0; i < d; ++i) x = dilate(x, i + 1, input_dilation[i], s);
  // Negative padding crops here; the primitive pads in its kernel.
  Shape crop_lo(d), crop_hi(d), grow_lo(d), grow_hi(d);
  for (int i = 0; i < d; ++i) {
    crop_lo[i] = std::min<int64_t>(pad_lo[i], 0);
    crop_hi[i] = std::min<int64_t>(pad_hi[i], 0);
    grow_lo[i] = pad_lo[i] - crop_lo[i];
    grow_hi[i] = pad_hi[i] - crop_hi[i];
  }
  x = crop(x, crop_lo, crop_hi, s);
  return astype(padded_conv(x, w, stride, kernel_dilation, groups, grow_lo, grow_hi, s),
                t, s);
}

array conv_transpose(const array& input, const array& weight, Shape stride,
                     Shape padding, Shape dilation, Shape output_padding,
                     int groups, StreamOrDevice s) {
  int d = input.ndim() - 2;
  if (d < 1) throw ValueError("[conv_transpose] Input needs a spatial dimension.");
  if (weight.ndim() != input.ndim()) {
    throw ValueError("[conv_transpose] The weight must have the input's rank (" +
                     std::to_string(input.ndim()) + "); got " +
                     std::to_string(weight.ndim()) + " dimensions.");
  }
  stride = expand_param(stride, d, "stride");
  padding = expand_param(padding, d, "padding");
  dilation = expand_param(dilation, d, "dilation");
  output_padding = expand_param(output_padding, d, "output_padding");
  // The gradient of a convolution with respect to its input: dilate the
  // input by the stride and correlate with the flipped kernel.
  Shape lo(d), hi(d);
  for (int i = 0; i < d; ++i) {
    int64_t span = (weight.shape()[i + 1] - 1) * dilation[i];
    lo[i] = span - padding[i];
    hi[i] = span - padding[i] + output_padding[i];
  }
  return conv_general(input, weight, Shape(d, 1), lo, hi, dilation, stride, groups,
                      true, s);
}

array convolve(const array& a, const array& v, const std::string& mode,
               StreamOrDevice s) {
  if (a.ndim() != 1 || v.ndim() != 1) {
    throw ValueError("[convolve] Inputs must be 1-D.");
  }
  int64_t n = a.shape()[0], m = v.shape()[0];
  if (n == 0 || m == 0) throw ValueError("[convolve] Inputs must be non-empty.");
  const array& sig = n >= m ? a : v;
  const array& ker = n >= m ? v : a;
  int64_t k = ker.shape()[0];
  int64_t lo, hi;
  if (mode == "full") {
    lo = hi = k - 1;
  } else if (mode == "same") {
    // numpy centres the window at (k - 1) / 2 of the full result.
    lo = k / 2;
    hi = k - 1 - k / 2;
  } else if (mode == "valid") {
    lo = hi = 0;
  } else {
    throw ValueError("[convolve] mode must be 'full', 'same' or 'valid'.");
  }
  array x = reshape(sig, {1, -1, 1}, s);
  array w = reshape(ker, {1, -1, 1}, s);
  array out = conv_general(x, w, {1}, {lo}, {hi}, {1}, {1}, 1, true, s);
  return reshape(out, {-1}, s);
}

// ---- transform rules

std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const array& x = primals[0];
  const array& w = primals[1];
  const array& g = cotangents[0];
  Stream s = stream();
  int d = x.ndim() - 2;
  int64_t cin = x.shape().back(), cout = w.shape()[0];
  int64_t cg = cin / groups_, cog = cout / groups_;
  std::vector<array> grads;
  for (int i : argnums) {
    if (i == 0) {
      // Transposed convolution of g with the kernel: per group, swap the
      // kernel's in/out channels.
      Shape gw{groups_, cog};
      gw.insert(gw.end(), w.shape().begin() + 1, w.shape().end());
      array wt = reshape(w, gw, s);
      std::vector<int64_t> perm{0, wt.ndim() - 1};
      for (int k = 0; k < d; ++k) perm.push_back(k + 2);
      perm.push_back(1);
      wt = transpose(wt, perm, s);
      Shape ws{cin};
      ws.insert(ws.end(), w.shape().begin() + 1, w.shape().end() - 1);
      ws.push_back(cog);
      wt = reshape(wt, ws, s);
      // The gradient for the padded input, less its padding.
      Shape lo(d), hi(d);
      for (int k = 0; k < d; ++k) {
        int64_t span = (w.shape()[k + 1] - 1) * dilation_[k];
        int64_t o = g.shape()[k + 1];
        int64_t padded = x.shape()[k + 1] + pad_lo_[k] + pad_hi_[k];
        lo[k] = span - pad_lo_[k];
        hi[k] = padded - (o - 1) * stride_[k] - 1 - pad_hi_[k];
      }
      grads.push_back(conv_general(g, wt, Shape(d, 1), lo, hi, dilation_, stride_,
                                   groups_, true, s));
    } else {
      // dw[co, k, ci] = sum over n, o of x[n, o*stride + k*dil, ci] g[n, o, co]:
      // a convolution with batch and channels swapped, per group.
      std::vector<array> parts;
      for (int gi = 0; gi < groups_; ++gi) {
        Shape xs(x.ndim(), 0), xe = x.shape(), st(x.ndim(), 1);
        xs.back() = gi * cg;
        xe.back() = (gi + 1) * cg;
        Shape gs(g.ndim(), 0), ge = g.shape(), gst(g.ndim(), 1);
        gs.back() = gi * cog;
        ge.back() = (gi + 1) * cog;
        array xg = moveaxis(slice(x, xs, xe, st, s), -1, 0, s);  // (cg, I..., N)
        xg = moveaxis(xg, 1, -1, s);
        array gg = moveaxis(slice(g, gs, ge, gst, s), -1, 0, s);  // (cog, O..., N)
        gg = moveaxis(gg, 1, -1, s);
        array r = padded_conv(xg, gg, dilation_, stride_, 1, pad_lo_, pad_hi_,
                              s);  // (cg, K'..., cog)
        Shape rs(r.ndim(), 0), re = r.shape(), rst(r.ndim(), 1);
        for (int k = 0; k < d; ++k) re[k + 1] = w.shape()[k + 1];
        r = slice(r, rs, re, rst, s);
        std::vector<int64_t> perm{d + 1};
        for (int k = 1; k <= d; ++k) perm.push_back(k);
        perm.push_back(0);
        parts.push_back(transpose(r, perm, s));  // (cog, K..., cg)
      }
      grads.push_back(parts.size() == 1 ? parts[0] : concatenate(parts, 0, s));
    }
  }
  return grads;
}

std::vector<array> Convolution::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  Stream s = stream();
  array out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0
                     ? padded_conv(tangents[k], primals[1], stride_, dilation_, groups_,
                                   pad_lo_, pad_hi_, s)
                     : padded_conv(primals[0], tangents[k], stride_, dilation_, groups_,
                                   pad_lo_, pad_hi_, s);
    out = out.valid() ? add(out, term, s) : term;
  }
  return {out};
}

std::pair<std::vector<array>, std::vector<int>> Convolution::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  const array& x = inputs[0];
  const array& w = inputs[1];
  if (axes[1] < 0) {
    // Fold the batch into N.
    array xb = moveaxis(x, axes[0], 0, s);
    int64_t b = xb.shape()[0], n = xb.shape()[1];
    Shape merged(xb.shape().begin() + 1, xb.shape().end());
    merged[0] = b * n;
    array y = padded_conv(reshape(xb, merged, s), w, stride_, dilation_, groups_, pad_lo_,
                          pad_hi_, s);
    Shape split{b, n};
    split.insert(split.end(), y.shape().begin() + 1, y.shape().end());
    return {{reshape(y, split, s)}, {0}};
  }
  // Per-example kernels: one convolution per batch element.
  int64_t b = w.shape()[axes[1]];
  std::vector<array> outs;
  for (int64_t i = 0; i < b; ++i) {
    auto pick = [&](const array& a, int ax) {
      if (ax < 0) return a;
      Shape st(a.ndim(), 0), en = a.shape(), step(a.ndim(), 1);
      st[ax] = i;
      en[ax] = i + 1;
      return squeeze(slice(a, st, en, step, s), {ax}, s);
    };
    outs.push_back(padded_conv(pick(x, axes[0]), pick(w, axes[1]), stride_, dilation_,
                               groups_, pad_lo_, pad_hi_, s));
  }
  return {{stack(outs, 0, s)}, {0}};
}

}  // namespace ember

// ---- export

namespace ember {

void Convolution::save(Writer& w) const {
  w.str("Convolution");
  w.ints(stride_);
  w.ints(dilation_);
  w.i64(groups_);
  w.ints(pad_lo_);
  w.ints(pad_hi_);
}
std::vector<Shape> Convolution::output_shapes(const std::vector<array>& in) {
  const array &x = in[0], &w = in[1];
  Shape out{x.shape()[0]};
  for (int i = 0; i + 2 < x.ndim(); ++i) {
    int64_t size = x.shape()[i + 1] + pad_lo_[i] + pad_hi_[i];
    int64_t span = (w.shape()[i + 1] - 1) * dilation_[i] + 1;
    if (size < span) {
      throw ValueError("[conv] The (padded) input of size " + std::to_string(size) +
                       " is smaller than the (dilated) kernel of size " +
                       std::to_string(span) + ".");
    }
    out.push_back((size - span) / stride_[i] + 1);
  }
  out.push_back(w.shape()[0]);
  return {out};
}

bool load_conv(const std::string& tag, Reader& r, const ReplayNode& node,
               std::vector<array>& out) {
  if (tag != "Convolution") return false;
  auto stride = r.ints();
  auto dilation = r.ints();
  int64_t groups = r.bounded(1, 1 << 30);
  auto pad_lo = r.ints();
  auto pad_hi = r.ints();
  if (node.inputs.size() != 2 || node.inputs[0].ndim() < 3 ||
      stride.size() + 2 != static_cast<size_t>(node.inputs[0].ndim()) ||
      dilation.size() != stride.size() || pad_lo.size() != stride.size() ||
      pad_hi.size() != stride.size()) {
    Reader::corrupt();
  }
  for (size_t i = 0; i < stride.size(); ++i) {
    if (stride[i] < 1 || dilation[i] < 1 || pad_lo[i] < 0 || pad_hi[i] < 0) {
      Reader::corrupt();
    }
  }
  out = node.make(std::make_shared<Convolution>(node.stream, stride, dilation,
                                                static_cast<int>(groups), pad_lo, pad_hi));
  return true;
}

}  // namespace ember
