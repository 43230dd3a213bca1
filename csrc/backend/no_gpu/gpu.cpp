// Linked in place of a GPU backend when none is built: every device is the
// CPU, and asking for the GPU raises a ValueError (core/backend.cpp).
#include "core/backend.h"

namespace ember {

Backend* gpu_backend() { return nullptr; }

}  // namespace ember
