// Binary kernels for the arithmetic rows of ops/binary.def.
#include "backend/cpu/binary.h"

#define EMBER_KEEP_Arith(x) x
#define EMBER_KEEP_Float(x) x
#define EMBER_KEEP_Compare(x)
#define EMBER_KEEP_Logical(x)
#define EMBER_KEEP_Bitwise(x)

namespace ember {

#define BINARY(Class, name, rule, cplx, ...) \
  EMBER_KEEP_##rule(EMBER_BINARY_KERNEL(Class, name, rule, cplx))
#include "ops/binary.def"
#undef BINARY

}  // namespace ember
