// Dtype, DtypeCategory, finfo, iinfo, issubdtype and the type-rule helpers.
#include <cmath>
#include <limits>

#include "bindings/common.h"
#include "core/dispatch.h"
#include "core/errors.h"

namespace ember::py {

namespace {

constexpr Dtype all_dtypes[] = {bool_,  uint8,   uint16,  uint32,   uint64,
                                int8,   int16,   int32,   int64,    float16,
                                float32, float64, bfloat16, complex64};

struct FInfo {
  Dtype dtype;
  double min, max, eps;
};
struct IInfo {
  Dtype dtype;
  nb::object min, max;
};

FInfo finfo(Dtype d) {
  if (!is_inexact(d)) {
    throw ValueError(std::string("[finfo] dtype ") + dtype_name(d) +
                     " is not inexact.");
  }
  // eps is 2^-(mantissa bits).
  Dtype t = d == complex64 ? float32 : d;
  double eps = t == float16 ? std::ldexp(1.0, -10)
               : t == bfloat16 ? std::ldexp(1.0, -7)
               : t == float64 ? std::numeric_limits<double>::epsilon()
                              : std::numeric_limits<float>::epsilon();
  return {t, -float_max(t), float_max(t), eps};
}

IInfo iinfo(Dtype d) {
  if (!is_integral(d)) {
    throw ValueError(std::string("[iinfo] dtype ") + dtype_name(d) +
                     " is not integral.");
  }
  return dispatch_all(d, [&](auto tag) -> IInfo {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      return {d, nb::int_(std::numeric_limits<T>::min()),
              nb::int_(std::numeric_limits<T>::max())};
    } else {
      return {d, nb::int_(0), nb::int_(0)};
    }
  });
}

}  // namespace

std::optional<Dtype> to_dtype(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return nb::cast<Dtype>(h);
}

void init_dtype(nb::module_& m) {
  nb::class_<Dtype>(m, "Dtype", "An object holding the type of an array's elements.")
      .def_prop_ro("size", &Dtype::size, "Size of the type in bytes.")
      .def("__repr__",
           [](const Dtype& d) { return std::string("mlx.core.") + dtype_name(d); })
      .def("__eq__", [](const Dtype& a, nb::handle b) {
        return nb::isinstance<Dtype>(b) && a == nb::cast<Dtype>(b);
      })
      .def("__hash__", [](const Dtype& d) { return d.index(); })
      .def("__reduce__", [](const Dtype& d) {
        // Unpickles through a module function, so equal dtypes compare equal.
        return nb::make_tuple(
            nb::module_::import_("mlx").attr("_dtype_from_name"),
            nb::make_tuple(dtype_name(d)));
      });

  for (Dtype d : all_dtypes) {
    std::string name = dtype_name(d);
    m.attr((name == "bool" ? "bool_" : name).c_str()) = nb::cast(d);
  }

  nb::enum_<DtypeCategory>(m, "DtypeCategory",
                           "Categories of dtypes for issubdtype.")
      .value("complexfloating", DtypeCategory::complexfloating)
      .value("floating", DtypeCategory::floating)
      .value("inexact", DtypeCategory::inexact)
      .value("signedinteger", DtypeCategory::signedinteger)
      .value("unsignedinteger", DtypeCategory::unsignedinteger)
      .value("integer", DtypeCategory::integer)
      .value("number", DtypeCategory::number)
      .value("generic", DtypeCategory::generic);
  for (auto c : {DtypeCategory::complexfloating, DtypeCategory::floating,
                 DtypeCategory::inexact, DtypeCategory::signedinteger,
                 DtypeCategory::unsignedinteger, DtypeCategory::integer,
                 DtypeCategory::number, DtypeCategory::generic}) {
    m.attr(category_name(c)) = nb::cast(c);
  }

  def_op(m, 
      "issubdtype",
      [](nb::handle a, nb::handle b) {
        bool ad = nb::isinstance<Dtype>(a), bd = nb::isinstance<Dtype>(b);
        if (ad && bd) return issubdtype(nb::cast<Dtype>(a), nb::cast<Dtype>(b));
        if (ad) return issubdtype(nb::cast<Dtype>(a), nb::cast<DtypeCategory>(b));
        if (bd) return false;
        return issubdtype(nb::cast<DtypeCategory>(a), nb::cast<DtypeCategory>(b));
      },
      "arg1"_a, "arg2"_a,
      "Whether a dtype or category falls under another in the type "
      "hierarchy.\n\n"
      "The categories nest as ``generic`` > ``number`` > ``integer`` "
      "(``signedinteger``, ``unsignedinteger``) and ``inexact`` "
      "(``floating``, ``complexfloating``); booleans are only "
      "``generic``. A dtype is a sub-type of itself and of the categories "
      "that contain it; a category is never a sub-type of a dtype.\n\n"
      "Args:\n"
      "    arg1 (Dtype or DtypeCategory): The type to test.\n"
      "    arg2 (Dtype or DtypeCategory): The dtype or category to test "
      "against.\n\n"
      "Returns:\n"
      "    bool: Whether ``arg1`` is ``arg2`` or falls under it.");

  def_op(m, "can_cast",
        [](nb::handle from, Dtype to) {
          Dtype f = nb::isinstance<Dtype>(from) ? nb::cast<Dtype>(from)
                                                : to_array(from).dtype();
          return promote_types(f, to) == to;
        },
        "from_"_a, "to"_a,
        "Whether a dtype converts to another safely.\n\n"
        "The conversion is safe when promoting the two dtypes together "
        "gives the target, so no value of the source is out of the "
        "target's range.\n\n"
        "Args:\n"
        "    from_ (Dtype or array): The source dtype, or an array (or "
        "scalar) whose dtype is used.\n"
        "    to (Dtype): The target dtype.\n\n"
        "Returns:\n"
        "    bool: Whether the conversion is safe.");
  def_op(m, "isdtype",
        [](Dtype d, nb::handle kind) {
          auto matches = [&](nb::handle k) {
            if (nb::isinstance<Dtype>(k)) return d == nb::cast<Dtype>(k);
            std::string s = nb::cast<std::string>(k);
            using C = DtypeCategory;
            if (s == "bool") return d == bool_;
            if (s == "signed integer") return issubdtype(d, C::signedinteger);
            if (s == "unsigned integer") return issubdtype(d, C::unsignedinteger);
            if (s == "integral") return issubdtype(d, C::integer);
            if (s == "real floating") return issubdtype(d, C::floating);
            if (s == "complex floating") return issubdtype(d, C::complexfloating);
            if (s == "numeric") return d != bool_;
            throw ValueError("[isdtype] Unknown kind '" + s + "'.");
          };
          if (PyTuple_Check(kind.ptr())) {
            for (nb::handle k : nb::borrow<nb::tuple>(kind)) {
              if (matches(k)) return true;
            }
            return false;
          }
          return matches(kind);
        },
        "dtype"_a, "kind"_a,
        "Whether a dtype is of a given kind, as the array API defines it.\n\n"
        "Args:\n"
        "    dtype (Dtype): The dtype to test.\n"
        "    kind (Dtype, str or tuple): A dtype (exact match), a kind name "
        "(``\"bool\"``, ``\"signed integer\"``, ``\"unsigned integer\"``, "
        "``\"integral\"``, ``\"real floating\"``, ``\"complex "
        "floating\"`` or ``\"numeric\"``), or a tuple of these (any may "
        "match).\n\n"
        "Returns:\n"
        "    bool: Whether ``dtype`` is of the kind.");

  nb::class_<FInfo>(m, "finfo",
                    "Limits of a floating point type.\n\n"
                    "The attributes are ``min`` and ``max`` (the finite "
                    "extremes), ``eps`` (the gap between 1 and the next "
                    "value), ``smallest_normal``, ``bits`` and ``dtype``.\n\n"
                    "Args:\n"
                    "    dtype (Dtype): A floating point dtype.")
      .def("__init__", [](FInfo* self, Dtype d) { new (self) FInfo(finfo(d)); })
      .def_ro("min", &FInfo::min)
      .def_ro("max", &FInfo::max)
      .def_ro("eps", &FInfo::eps)
      .def_prop_ro("bits", [](const FInfo& f) { return f.dtype.size() * 8; })
      .def_prop_ro("smallest_normal", [](const FInfo& f) {
        int min_exp = f.dtype == float16 ? -14 : f.dtype == float64 ? -1022 : -126;
        return std::ldexp(1.0, min_exp);
      })
      .def_ro("dtype", &FInfo::dtype)
      .def("__repr__", [](const FInfo& f) {
        return "finfo(min=" + std::to_string(f.min) +
               ", max=" + std::to_string(f.max) +
               ", dtype=" + dtype_name(f.dtype) + ")";
      });
  nb::class_<IInfo>(m, "iinfo",
                    "Limits of an integer type.\n\n"
                    "The attributes are ``min``, ``max`` and ``dtype``.\n\n"
                    "Args:\n"
                    "    dtype (Dtype): An integer dtype.")
      .def("__init__", [](IInfo* self, Dtype d) { new (self) IInfo(iinfo(d)); })
      .def_ro("min", &IInfo::min)
      .def_ro("max", &IInfo::max)
      .def_ro("dtype", &IInfo::dtype)
      .def("__repr__", [](const IInfo& i) {
        return "iinfo(min=" + nb::cast<std::string>(nb::str(i.min)) +
               ", max=" + nb::cast<std::string>(nb::str(i.max)) +
               ", dtype=" + dtype_name(i.dtype) + ")";
      });
}

}  // namespace ember::py
