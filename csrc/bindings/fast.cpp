// mx.fast bindings. Custom kernels are made and called as in MLX; a call
// records a CustomKernel node (fast/custom_kernel.h), which raises when
// evaluated: this build has neither Metal nor CUDA.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include "bindings/sequence_caster.h"

#include "bindings/args.h"
#include "core/errors.h"
#include "fast/custom_kernel.h"
#include "fast/fast.h"

namespace ember::py {

namespace {

[[noreturn]] void no_backend(const std::string& tag, const char* backend) {
  throw std::runtime_error("[" + tag + "] No " + backend + " back-end: this " +
                           "build cannot run custom " + backend + " kernels.");
}

// What a custom kernel was made with; calls add their launch arguments.
using KernelSpec = fast::KernelSource;

using Dims3 = std::tuple<int, int, int>;
using TemplateArgs =
    std::optional<std::vector<std::pair<std::string, nb::object>>>;

// The launch arguments of one call of a kernel.
struct KernelCall {
  const std::vector<ArrayArg>& inputs;
  const std::vector<Shape>& output_shapes;
  const std::vector<Dtype>& output_dtypes;
  const Dims3& grid;
  const Dims3& threadgroup;
  const TemplateArgs& templ;
  std::optional<float> init_value;
  int shared_memory;
  StreamArg stream;
};

void expect_count(const KernelSpec& k, const char* what, size_t want,
                  size_t got) {
  if (want != got) {
    throw ValueError("[" + k.tag + "] Expected `" + what + "` to have size " +
                     std::to_string(want) + " but got size " +
                     std::to_string(got) + ".");
  }
}

void check_dims(const KernelSpec& k, const char* what, const Dims3& d,
                int least) {
  auto [x, y, z] = d;
  if (x < least || y < least || z < least) {
    throw ValueError("[" + k.tag + "] `" + what + "` sizes must be at least " +
                     std::to_string(least) + ".");
  }
}

// Checks a call as MLX does, then records the launch. The kernel is meant
// for a GPU back-end, so a GPU stream is accepted while building the graph
// (the node raises at evaluation on any stream).
std::vector<array> call_kernel(KernelSpec k, const KernelCall& c) {
  auto fail = [&](const std::string& what) {
    throw ValueError("[" + k.tag + "] " + what);
  };
  if (k.output_names.empty()) fail("Must specify at least one output.");
  expect_count(k, "inputs", k.input_names.size(), c.inputs.size());
  std::vector<array> inputs;
  for (auto& x : c.inputs) inputs.push_back(to_array(x));
  expect_count(k, "output_shapes", k.output_names.size(), c.output_shapes.size());
  expect_count(k, "output_dtypes", k.output_names.size(), c.output_dtypes.size());
  for (auto& shape : c.output_shapes) {
    for (auto d : shape) {
      if (d < 0) fail("Negative dimension in output_shapes.");
    }
  }
  check_dims(k, "grid", c.grid, 0);
  check_dims(k, "threadgroup", c.threadgroup, 1);
  for (auto& [name, value] : c.templ.value_or(TemplateArgs::value_type{})) {
    if (!PyBool_Check(value.ptr()) && !PyLong_Check(value.ptr()) &&
        !nb::isinstance<Dtype>(value)) {
      fail("Invalid template argument. Must be `mlx.core.Dtype`, `int` or "
           "`bool`.");
    }
    k.template_args.push_back(name + "=" + nb::cast<std::string>(nb::str(value)));
  }
  if (c.shared_memory < 0) fail("shared_memory must be >= 0.");
  auto [gx, gy, gz] = c.grid;
  auto [tx, ty, tz] = c.threadgroup;
  k.grid = {gx, gy, gz};
  k.threadgroup = {tx, ty, tz};
  k.shared_memory = c.shared_memory;
  if (c.init_value) k.init_value = *c.init_value;
  StreamOrDevice sod = to_sod(c.stream);
  bool gpu = false;
  if (auto d = std::get_if<Device>(&sod)) gpu = d->type == Device::Type::gpu;
  if (auto st = std::get_if<Stream>(&sod)) gpu = st->device.type == Device::Type::gpu;
  if (gpu) sod = std::monostate{};
  return fast::custom_kernel(k, inputs, c.output_shapes, c.output_dtypes, sod);
}

// The math mode of a Metal kernel's compile options ("" when none given).
std::string check_compile_options(nb::handle options) {
  std::string math_mode;
  if (options.is_none()) return math_mode;
  if (!nb::isinstance<nb::dict>(options)) {
    throw ValueError("[metal_kernel] Expected `compile_options` to be a dict.");
  }
  for (auto [key, value] : nb::borrow<nb::dict>(options)) {
    std::string name = nb::cast<std::string>(nb::str(key));
    if (name != "math_mode") {
      throw ValueError("[metal_kernel] Unknown compile option `" + name + "`.");
    }
    std::string mode =
        nb::isinstance<nb::str>(value) ? nb::cast<std::string>(value) : "";
    if (mode != "safe" && mode != "relaxed" && mode != "fast") {
      throw ValueError("[metal_kernel] Expected math_mode to be 'safe', "
                       "'relaxed', or 'fast'.");
    }
    math_mode = mode;
  }
  return math_mode;
}

// The docstring of a kernel's call; `extra` documents more arguments.
#define EMBER_KERNEL_CALL_DOC(extra)                                         \
  "Launch the kernel: checks the arguments and returns its outputs, which " \
  "raise RuntimeError when evaluated (no GPU back-end here).\n\n"           \
  "Args:\n"                                                                  \
  "    inputs (list(array | scalar)): One per input name.\n"                 \
  "    output_shapes (list(Sequence[int])): One per output name.\n"          \
  "    output_dtypes (list(Dtype)): One per output name.\n"                  \
  "    grid (tuple(int, int, int)): The launch grid.\n"                      \
  "    threadgroup (tuple(int, int, int)): The threadgroup (block) size.\n"  \
  "    template (list(tuple(str, Dtype | int | bool)), optional): Template\n" \
  "      arguments of the kernel.\n"                                         \
  "    init_value (float, optional): Value to fill the outputs with first.\n" \
  "    verbose (bool): Print the generated source.\n" extra                  \
  "    stream (Stream, optional): Stream or device.\n\n"                     \
  "Returns:\n"                                                               \
  "    list(array): The outputs, lazily (their evaluation raises here)."

// The Args both kernel constructors share.
#define EMBER_KERNEL_ARGS                                                    \
  "    name (str): Name of the kernel.\n"                                    \
  "    input_names (list(str)): Parameter names of the inputs.\n"            \
  "    output_names (list(str)): Parameter names of the outputs.\n"          \
  "    source (str): Body of the kernel function.\n"                         \
  "    header (str): Source placed before the kernel function.\n"            \
  "    ensure_row_contiguous (bool): Copy inputs to row-major order first.\n"

// The callable a custom kernel is: (inputs, output_shapes, output_dtypes,
// grid, threadgroup, ...) -> list of arrays, as in MLX.
nb::object metal_callable(KernelSpec k) {
  return nb::cpp_function(
      [k](std::vector<ArrayArg> inputs, std::vector<Shape> output_shapes,
          std::vector<Dtype> output_dtypes, Dims3 grid, Dims3 threadgroup,
          TemplateArgs templ, std::optional<float> init_value, bool,
          StreamArg stream) {
        return call_kernel(k, {inputs, output_shapes, output_dtypes, grid,
                               threadgroup, templ, init_value, 0, stream});
      },
      nb::name("__call__"), nb::kw_only(), "inputs"_a, "output_shapes"_a,
      "output_dtypes"_a, "grid"_a, "threadgroup"_a,
      "template"_a.none() = nb::none(), "init_value"_a.none() = nb::none(),
      "verbose"_a = false, "stream"_a.none() = nb::none(),
      EMBER_KERNEL_CALL_DOC(""));
}

// As metal_callable, with the dynamic shared memory (the kernel's by
// default) that CUDA launches take.
nb::object cuda_callable(KernelSpec k) {
  return nb::cpp_function(
      [k](std::vector<ArrayArg> inputs, std::vector<Shape> output_shapes,
          std::vector<Dtype> output_dtypes, Dims3 grid, Dims3 threadgroup,
          TemplateArgs templ, std::optional<float> init_value, bool,
          int shared_memory, StreamArg stream) {
        return call_kernel(k, {inputs, output_shapes, output_dtypes, grid,
                               threadgroup, templ, init_value, shared_memory,
                               stream});
      },
      nb::name("__call__"), nb::kw_only(), "inputs"_a, "output_shapes"_a,
      "output_dtypes"_a, "grid"_a, "threadgroup"_a,
      "template"_a.none() = nb::none(), "init_value"_a.none() = nb::none(),
      "verbose"_a = false, "shared_memory"_a = k.shared_memory,
      "stream"_a.none() = nb::none(),
      EMBER_KERNEL_CALL_DOC(
          "    shared_memory (int): Dynamic shared memory in bytes.\n"));
}

}  // namespace

void init_fast(nb::module_& parent) {
  auto m = parent.def_submodule("fast", "Fused kernels for common ML building blocks.");
  def_op(m, "rms_norm",
        [](ArrayArg x, ArrayArg w, float eps, StreamArg s) {
          return fast::rms_norm(to_array(x), opt_array(w), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "eps"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Root-mean-square normalization over the last axis.\n\n"
        "Computes ``x / sqrt(mean(x**2, axis=-1) + eps) * weight`` in one "
        "fused pass (half precision inputs are accumulated in float32).\n\n"
        "Args:\n"
        "    x (array): Input array.\n"
        "    weight (array, optional): A 1-D scale with the size of the last "
        "axis of ``x``, or ``None`` for no scaling.\n"
        "    eps (float): A small constant added for numerical stability.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The normalized array, with the shape and dtype of "
        "``x``.");
  def_op(m, "layer_norm",
        [](ArrayArg x, ArrayArg w, ArrayArg b, float eps, StreamArg s) {
          return fast::layer_norm(to_array(x), opt_array(w), opt_array(b), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "bias"_a.none(), "eps"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Layer normalization over the last axis.\n\n"
        "Subtracts the mean and divides by ``sqrt(var + eps)`` along the "
        "last axis, then applies ``weight`` and ``bias``, in one fused "
        "pass.\n\n"
        "Args:\n"
        "    x (array): Input array.\n"
        "    weight (array, optional): A 1-D scale with the size of the last "
        "axis, or ``None`` for none.\n"
        "    bias (array, optional): A 1-D offset with the size of the last "
        "axis, or ``None`` for none.\n"
        "    eps (float): A small constant added for numerical stability.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The normalized array, with the shape and dtype of "
        "``x``.");
  def_op(m, "rope",
        [](ArrayArg a, int dims, bool traditional, std::optional<float> base, float scale,
           nb::handle offset, nb::handle freqs, StreamArg s) {
          array off = PyLong_Check(offset.ptr()) ? array(nb::cast<int64_t>(offset))
                                                 : to_array(offset);
          return fast::rope(to_array(a), dims, traditional, base, scale, off,
                            opt_array(freqs), to_sod(s));
        },
        "a"_a, "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a,
        "offset"_a, "freqs"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Apply rotary position embeddings (RoPE).\n\n"
        "The input has shape ``(B, *, T, D)``: the second to last axis is "
        "the position and the last the features. Pairs of features are "
        "rotated by angles proportional to the position, with one "
        "frequency per pair.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    dims (int): How many leading features to rotate; the rest are "
        "left unchanged.\n"
        "    traditional (bool): Rotate consecutive pairs of features "
        "(``x[2i]``, ``x[2i+1]``) instead of the two halves (``x[i]``, "
        "``x[i + dims/2]``).\n"
        "    base (float, optional): The base of the frequencies, "
        "``base ** (-2i / dims)``. Exactly one of ``base`` and ``freqs`` "
        "is given.\n"
        "    scale (float): Factor applied to the positions.\n"
        "    offset (int or array): The position of the first element; an "
        "array may give one offset per batch entry.\n"
        "    freqs (array, optional): Explicit frequencies, one per pair "
        "(``dims // 2`` values), instead of ``base``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The rotated array, with the shape of ``a``.");
  def_op(m, "gated_delta_update",
        [](ArrayArg q, nb::handle k, nb::handle v, nb::handle gamma, nb::handle beta,
           nb::handle initial_state, ArrayArg mask, StreamArg s) {
          return fast::gated_delta_update(to_array(q), to_array(k), to_array(v),
                                          to_array(gamma), to_array(beta),
                                          opt_array(initial_state), opt_array(mask), to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, "gamma"_a, "beta"_a, "initial_state"_a.none() = nb::none(),
        "mask"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Run the gated delta rule (a linear-attention recurrence) over "
        "time.\n\n"
        "For each step ``t`` the state ``S`` is decayed and updated, then "
        "read with the query: ``S = gamma * S``, ``S = S + beta * (v - S "
        "k) k^T``, ``y = S q``. When there are fewer key heads than value "
        "heads, each key (and query) head serves a group of value heads."
        "\n\n"
        "Args:\n"
        "    q (array): Queries, of shape ``(B, T, Hk, Dk)``.\n"
        "    k (array): Keys, of shape ``(B, T, Hk, Dk)``.\n"
        "    v (array): Values, of shape ``(B, T, Hv, Dv)``; ``Hv`` is a "
        "multiple of ``Hk``.\n"
        "    gamma (array): Decay factors, of shape ``(B, T, Hv)``.\n"
        "    beta (array): Update rates, of shape ``(B, T, Hv)``.\n"
        "    initial_state (array, optional): The starting state, of shape "
        "``(B, Hv, Dv, Dk)``. Default: zeros.\n"
        "    mask (array, optional): A boolean ``(B, T)`` array; at masked "
        "steps the state is left unchanged and the output is zero.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The outputs, of shape ``(B, T, Hv, Dv)``, "
        "and the final state, of shape ``(B, Hv, Dv, Dk)``.");
  def_op(m, "scaled_dot_product_attention",
        [](ArrayArg q, nb::handle k, nb::handle v, float scale, ArrayArg mask,
           nb::handle sinks, bool force_fused, StreamArg s) {
          fast::AttentionMask m;
          if (PyUnicode_Check(mask.ptr())) m = nb::cast<std::string>(mask);
          else if (!mask.is_none()) m = to_array(mask);
          return fast::scaled_dot_product_attention(to_array(q), to_array(k), to_array(v),
                                                    scale, m, opt_array(sinks), to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, nb::kw_only(), "scale"_a, "mask"_a.none() = nb::none(),
        "sinks"_a.none() = nb::none(), "force_fused"_a = false,
        "stream"_a.none() = nb::none(),
        "Multi-head attention, ``softmax(scale * q @ k.T + mask) @ v``, in "
        "one fused operation.\n\n"
        "Grouped-query and multi-query attention are supported: with fewer "
        "key/value heads than query heads, each key/value head serves a "
        "group of query heads (do not repeat ``k`` and ``v`` yourself). "
        "The softmax is computed in float32.\n\n"
        "Args:\n"
        "    q (array): Queries, of shape ``(B, N_q, T_q, D)``.\n"
        "    k (array): Keys, of shape ``(B, N_kv, T_kv, D)``.\n"
        "    v (array): Values, of shape ``(B, N_kv, T_kv, D_v)``.\n"
        "    scale (float): Factor applied to the scores, usually "
        "``1 / sqrt(D)``.\n"
        "    mask (str or array, optional): ``\"causal\"`` (each query sees "
        "the keys up to its own position, aligned so that the last query "
        "sees the last key), a boolean mask (false hides a score) or an "
        "additive mask, broadcastable to ``(B, N_q, T_q, T_kv)``.\n"
        "    sinks (array, optional): One attention-sink logit per query "
        "head, an extra score that takes part in the softmax but "
        "contributes no value.\n"
        "    force_fused (bool, optional): Accepted for compatibility; it "
        "does not change the result. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The attention output, of shape ``(B, N_q, T_q, D_v)``.");
  def_op(m, "cross_entropy",
        [](nb::handle logits, nb::handle targets, StreamArg s) {
          return fast::cross_entropy(to_array(logits), to_array(targets), to_sod(s));
        },
        "logits"_a, "targets"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Cross entropy of logits against class indices, in one fused pass.\n\n"
        "Computes ``logsumexp(logits, -1) - logits[..., targets]`` for "
        "each position, without materialising the log-softmax.\n\n"
        "Args:\n"
        "    logits (array): Unnormalized scores, with the classes on the "
        "last axis.\n"
        "    targets (array): Integer class indices, of shape "
        "``logits.shape[:-1]``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The losses (float32), of shape ``logits.shape[:-1]``.");
  def_op(m, "metal_kernel",
        [](const std::string& name, const std::vector<std::string>& input_names,
           const std::vector<std::string>& output_names, const std::string& source,
           const std::string& header, bool ensure_row_contiguous,
           bool atomic_outputs, nb::handle compile_options) {
          KernelSpec k{"metal_kernel", "Metal", name, source, header,
                       check_compile_options(compile_options)};
          k.input_names = input_names;
          k.output_names = output_names;
          k.ensure_row_contiguous = ensure_row_contiguous;
          k.atomic_outputs = atomic_outputs;
          return metal_callable(std::move(k));
        },
        "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
        "ensure_row_contiguous"_a = true, "atomic_outputs"_a = false,
        "compile_options"_a.none() = nb::none(),
        "A custom Metal kernel from the body of its source.\n\n"
        "It is made and called as in MLX, so code that builds, traces or "
        "exports kernels works; evaluating its outputs raises RuntimeError, "
        "as this build has no Metal back-end.\n\n"
        "Args:\n" EMBER_KERNEL_ARGS
        "    atomic_outputs (bool): Declare the outputs as atomics.\n"
        "    compile_options (dict, optional): ``{\"math_mode\": \"safe\" | "
        "\"relaxed\" | \"fast\"}``.\n\n"
        "Returns:\n"
        "    Callable: The kernel, called with keyword arguments ``inputs``, "
        "``output_shapes``, ``output_dtypes``, ``grid``, ``threadgroup``, "
        "``template``, ``init_value``, ``verbose`` and ``stream``.");
  def_op(m, "cuda_kernel",
        [](const std::string& name, const std::vector<std::string>& input_names,
           const std::vector<std::string>& output_names, const std::string& source,
           const std::string& header, bool ensure_row_contiguous,
           int shared_memory) {
          if (shared_memory < 0) {
            throw ValueError("[cuda_kernel] shared_memory must be >= 0.");
          }
          KernelSpec k{"cuda_kernel", "CUDA", name, source, header, ""};
          k.input_names = input_names;
          k.output_names = output_names;
          k.ensure_row_contiguous = ensure_row_contiguous;
          k.shared_memory = shared_memory;
          return cuda_callable(std::move(k));
        },
        "name"_a, "input_names"_a, "output_names"_a, "source"_a, "header"_a = "",
        "ensure_row_contiguous"_a = true, "shared_memory"_a = 0,
        "A custom CUDA kernel from the body of its source.\n\n"
        "It is made and called as in MLX, so code that builds, traces or "
        "exports kernels works; evaluating its outputs raises RuntimeError, "
        "as this build has no CUDA back-end.\n\n"
        "Args:\n" EMBER_KERNEL_ARGS
        "    shared_memory (int): Dynamic shared memory in bytes (0: none).\n\n"
        "Returns:\n"
        "    Callable: The kernel, called with the keyword arguments of a "
        "Metal kernel and ``shared_memory``.");
  def_op(m, "precompiled_cuda_kernel",
        [](const std::string&, nb::bytes, const std::vector<ArrayArg>& inputs,
           const std::vector<Shape>&, const std::vector<Dtype>&,
           const std::vector<nb::object>&, Dims3, Dims3, int,
           std::optional<float>, bool, StreamArg) -> std::vector<array> {
          for (auto& x : inputs) to_array(x);
          no_backend("precompiled_cuda_kernel", "CUDA");
        },
        nb::kw_only(), "name"_a, "compiled_source"_a, "inputs"_a,
        "output_shapes"_a, "output_dtypes"_a, "scalars"_a, "grid"_a,
        "threadgroup"_a, "shared_memory"_a = 0,
        "init_value"_a.none() = nb::none(), "ensure_row_contiguous"_a = false,
        "stream"_a.none() = nb::none(),
        "Runs a precompiled CUDA kernel: raises RuntimeError, as this build "
        "has no CUDA back-end.\n\n"
        "Args:\n"
        "    name (str): Name of the kernel function.\n"
        "    compiled_source (bytes): The compiled kernel (PTX or cubin).\n"
        "    inputs (list(array | scalar)): The array arguments.\n"
        "    output_shapes (list(Sequence[int])): Shapes of the outputs.\n"
        "    output_dtypes (list(Dtype)): Dtypes of the outputs.\n"
        "    scalars (list): Scalar arguments, after the arrays.\n"
        "    grid (tuple(int, int, int)): The launch grid.\n"
        "    threadgroup (tuple(int, int, int)): The block size.\n"
        "    shared_memory (int): Dynamic shared memory in bytes.\n"
        "    init_value (float, optional): Value to fill the outputs with first.\n"
        "    ensure_row_contiguous (bool): Copy inputs to row-major order first.\n"
        "    stream (Stream, optional): Stream or device.\n\n"
        "Returns:\n"
        "    list(array): The outputs (never, here: the call raises).");
}

}  // namespace ember::py
