// GPU kernel of Matmul (ops/matmul.h) through cuBLASLt: float32 (TF32 off,
// as MLX), float64, complex64, and float16/bfloat16 accumulated in float32.
// Batches become strided-batched calls; plans are cached by problem.
#include <cublasLt.h>

#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "backend/cuda/utils.h"
#include "core/errors.h"
#include "ops/matmul.h"

namespace ember::cuda {

namespace {

void check_blas(cublasStatus_t st, const char* what) {
  if (st == CUBLAS_STATUS_SUCCESS) return;
  if (st == CUBLAS_STATUS_ALLOC_FAILED) {
    throw MemoryError(std::string("[") + what + "] cuBLAS could not allocate memory.");
  }
  throw std::runtime_error(std::string("[") + what + "] cuBLAS error " +
                           std::to_string(static_cast<int>(st)) + ".");
}

// How cuBLAS (column-major) sees a row-major operand: transposed or not,
// and its leading dimension.
struct Operand {
  bool transposed;
  int64_t ld;
};

bool operand_layout(const array& a, Operand& o) {
  int nd = a.ndim();
  int64_t rows = a.shape()[nd - 2], cols = a.shape()[nd - 1];
  int64_t rs = a.strides()[nd - 2], cs = a.strides()[nd - 1];
  if ((cs == 1 || cols == 1) && rs >= std::max<int64_t>(cols, 1)) {
    o = {false, std::max<int64_t>(rs, 1)};
    return true;
  }
  if ((rs == 1 || rows == 1) && cs >= std::max<int64_t>(rows, 1)) {
    o = {true, std::max<int64_t>(cs, 1)};
    return true;
  }
  return false;
}

// Largest power of two (up to 256) dividing a pointer: what cuBLASLt may
// assume about its alignment.
uint32_t alignment(const void* p) {
  auto v = reinterpret_cast<uintptr_t>(p);
  uint32_t a = 256;
  while (a > 1 && v % a) a >>= 1;
  return a;
}

struct Problem {
  int type;  // dtype code
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc, batch, sa, sb, sc;
  uint32_t align_a, align_b, align_c;
  auto key() const {
    return std::tuple(type, ta, tb, m, n, k, lda, ldb, ldc, batch, sa, sb, sc, align_a,
                      align_b, align_c);
  }
  bool operator<(const Problem& o) const { return key() < o.key(); }
};

struct Plan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo;
  ~Plan() {
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (c) cublasLtMatrixLayoutDestroy(c);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

constexpr size_t kWorkspace = size_t(32) << 20;

class Blas {
 public:
  Blas() { check_blas(cublasLtCreate(&handle_), "matmul"); }

  const Plan& plan(const Problem& p) {
    std::lock_guard lock(mutex_);
    auto it = plans_.find(p);
    if (it != plans_.end()) return *it->second;
    auto plan = make_plan(p);
    return *plans_.emplace(p, std::move(plan)).first->second;
  }
  cublasLtHandle_t handle() const { return handle_; }
  // A workspace per stream, so concurrent streams never share one.
  void* workspace(const Context& ctx) {
    std::lock_guard lock(mutex_);
    auto& w = workspaces_[ctx.stream.index];
    if (!w) {
      w = allocate(kWorkspace, ctx.stream.device);
      w->set_producer(ctx.stream.index);
    }
    return w->device_data();
  }

 private:
  std::unique_ptr<Plan> make_plan(const Problem& p) {
    cudaDataType_t dt;
    cublasComputeType_t ct;
    cudaDataType_t scale;
    switch (p.type) {
      case kFloat32: dt = CUDA_R_32F, ct = CUBLAS_COMPUTE_32F, scale = CUDA_R_32F; break;
      case kFloat64: dt = CUDA_R_64F, ct = CUBLAS_COMPUTE_64F, scale = CUDA_R_64F; break;
      case kFloat16: dt = CUDA_R_16F, ct = CUBLAS_COMPUTE_32F, scale = CUDA_R_32F; break;
      case kBFloat16: dt = CUDA_R_16BF, ct = CUBLAS_COMPUTE_32F, scale = CUDA_R_32F; break;
      default: dt = CUDA_C_32F, ct = CUBLAS_COMPUTE_32F, scale = CUDA_C_32F; break;
    }
    auto plan = std::make_unique<Plan>();
    check_blas(cublasLtMatmulDescCreate(&plan->op, ct, scale), "matmul");
    // Row-major C = A B is column-major C^T = B^T A^T: cuBLAS's first
    // operand is our b, its second our a.
    cublasOperation_t opb = p.tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opa = p.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    check_blas(cublasLtMatmulDescSetAttribute(plan->op, CUBLASLT_MATMUL_DESC_TRANSA, &opb,
                                              sizeof(opb)), "matmul");
    check_blas(cublasLtMatmulDescSetAttribute(plan->op, CUBLASLT_MATMUL_DESC_TRANSB, &opa,
                                              sizeof(opa)), "matmul");
    auto layout = [&](cublasLtMatrixLayout_t& l, bool t, int64_t rows, int64_t cols,
                      int64_t ld, int64_t stride) {
      // Stored column-major: rows x cols before the op, ld between columns.
      check_blas(cublasLtMatrixLayoutCreate(&l, dt, t ? cols : rows, t ? rows : cols, ld),
                 "matmul");
      if (p.batch > 1) {
        int32_t count = static_cast<int32_t>(p.batch);
        check_blas(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                    &count, sizeof(count)), "matmul");
        check_blas(cublasLtMatrixLayoutSetAttribute(
                       l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)),
                   "matmul");
      }
    };
    layout(plan->b, p.tb, p.n, p.k, p.ldb, p.sb);  // b^T: n x k
    layout(plan->a, p.ta, p.k, p.m, p.lda, p.sa);  // a^T: k x m
    layout(plan->c, false, p.n, p.m, p.ldc, p.sc);  // c^T: n x m
    cublasLtMatmulPreference_t pref;
    check_blas(cublasLtMatmulPreferenceCreate(&pref), "matmul");
    size_t ws = kWorkspace;
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                         sizeof(ws));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                         &p.align_b, sizeof(uint32_t));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                         &p.align_a, sizeof(uint32_t));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                         &p.align_c, sizeof(uint32_t));
    cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                         &p.align_c, sizeof(uint32_t));
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(handle_, plan->op, plan->b, plan->a,
                                                       plan->c, plan->c, pref, 1, &result,
                                                       &found);
    cublasLtMatmulPreferenceDestroy(pref);
    check_blas(st, "matmul");
    if (found == 0) {
      throw std::runtime_error("[matmul] cuBLASLt has no algorithm for this problem.");
    }
    plan->algo = result.algo;
    return plan;
  }

  cublasLtHandle_t handle_;
  std::mutex mutex_;
  std::map<Problem, std::unique_ptr<Plan>> plans_;
  std::map<int, std::shared_ptr<Buffer>> workspaces_;
};

Blas& blas() {
  static auto* b = new Blas();  // leaked: used during shutdown
  return *b;
}

void gemm(const Problem& p, const void* a, const void* b, void* c, const Context& ctx) {
  const Plan& plan = blas().plan(p);
  float one_f[2] = {1, 0}, zero_f[2] = {0, 0};
  double one_d = 1, zero_d = 0;
  const void* alpha = p.type == kFloat64 ? static_cast<const void*>(&one_d) : one_f;
  const void* beta = p.type == kFloat64 ? static_cast<const void*>(&zero_d) : zero_f;
  check_blas(cublasLtMatmul(blas().handle(), plan.op, alpha, b, plan.b, a, plan.a, beta, c,
                            plan.c, c, plan.c, &plan.algo, blas().workspace(ctx),
                            kWorkspace, ctx.cu),
             "matmul");
}

void matmul(const Matmul&, const std::vector<array>& inputs, array& out,
            const Context& ctx) {
  array a = inputs[0], b = inputs[1];
  int t = code(out.dtype());
  if (t != kFloat32 && t != kFloat64 && t != kFloat16 && t != kBFloat16 && t != kComplex64) {
    throw TypeError("[matmul] Unsupported dtype.");
  }
  Operand la, lb;
  auto copy = view_copy(ctx);
  if (!operand_layout(a, la)) a = common::row_contiguous(a, copy), operand_layout(a, la);
  if (!operand_layout(b, lb)) b = common::row_contiguous(b, copy), operand_layout(b, lb);
  alloc_out(out, ctx);
  int nd = out.ndim();
  int64_t m = out.shape()[nd - 2], n = out.shape()[nd - 1];
  int64_t k = a.shape()[a.ndim() - 1];
  if (out.size() == 0) return;
  if (k == 0) {
    Scalar zero{};
    launch_fill(mptr<char>(out), t, nullptr, t, out.size(), ctx.cu, &zero);
    return;
  }
  Problem p{t, la.transposed, lb.transposed, m, n, k, la.ld, lb.ld, n, 1, 0, 0, 0, 0, 0, 0};
  if (b.ndim() == 2 && a.ndim() > 2) {
    // One b for the whole batch: a's rows are one (batch * m) x k matrix.
    a = common::row_contiguous(a, copy);
    p.m = a.size() / k;
    p.ta = false, p.lda = k;
  } else if (nd > 2) {
    Shape batch(out.shape().begin(), out.shape().end() - 2);
    // An operand with fewer batch axes repeats over the missing ones.
    auto batch_strides = [&](const array& x) {
      Strides st(batch.size() - (x.ndim() - 2), 0);
      st.insert(st.end(), x.strides().begin(), x.strides().end() - 2);
      return st;
    };
    Strides sa = batch_strides(a), sb = batch_strides(b);
    Strides sc(out.strides().begin(), out.strides().end() - 2);
    auto l = layouts(batch, {sa, sb, sc}, "matmul");
    if (l[0].ndim != 1) {
      throw std::runtime_error("[matmul] Batch layouts that do not collapse to one "
                               "stride are not supported on the GPU yet.");
    }
    p.batch = l[0].shape[0];
    p.sa = l[0].strides[0], p.sb = l[1].strides[0], p.sc = l[2].strides[0];
  }
  for (int64_t d : {p.m, p.n, p.k, p.lda, p.ldb, p.batch}) {
    if (d > INT_MAX) {
      throw ValueError("[matmul] Matrix dimensions above 2^31 are not supported.");
    }
  }
  const void* pa = dptr<char>(a);
  const void* pb = dptr<char>(b);
  void* pc = mptr<char>(out);
  p.align_a = alignment(pa), p.align_b = alignment(pb), p.align_c = alignment(pc);
  gemm(p, pa, pb, pc, ctx);
}

}  // namespace

void register_matmul_kernels() { register_unary_output<Matmul, matmul>(); }

}  // namespace ember::cuda
