#include "ops/einsum.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/errors.h"
#include "ops/arrange.h"

namespace ember {

namespace {

struct Spec {
  std::vector<std::string> inputs;
  std::string output;
  std::map<char, int64_t> sizes;
};

// Letters for the dimensions an ellipsis stands for (never user letters).
constexpr char kEllipsisBase = '0';

Spec parse(std::string sub, const std::vector<array>& ops) {
  sub.erase(std::remove(sub.begin(), sub.end(), ' '), sub.end());
  Spec spec;
  auto arrow = sub.find("->");
  std::string lhs = arrow == std::string::npos ? sub : sub.substr(0, arrow);
  size_t pos = 0;
  while (true) {
    size_t comma = lhs.find(',', pos);
    spec.inputs.push_back(lhs.substr(pos, comma - pos));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (spec.inputs.size() != ops.size()) {
    throw ValueError("[einsum] " + std::to_string(spec.inputs.size()) +
                     " subscripts for " + std::to_string(ops.size()) + " operands.");
  }
  // Expand each "..." into reserved letters, right-aligned across operands.
  int ell = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    auto& in = spec.inputs[i];
    auto e = in.find("...");
    int explicit_dims = static_cast<int>(in.size()) - (e == std::string::npos ? 0 : 3);
    if (e == std::string::npos) {
      if (explicit_dims != ops[i].ndim()) {
        throw ValueError("[einsum] Operand " + std::to_string(i) + " has " +
                         std::to_string(ops[i].ndim()) + " dimensions but the "
                         "subscripts name " + std::to_string(explicit_dims) + ".");
      }
      continue;
    }
    int k = ops[i].ndim() - explicit_dims;
    if (k < 0) throw ValueError("[einsum] Too many subscripts for an operand.");
    ell = std::max(ell, k);
  }
  auto ell_letters = [&](int k) {
    std::string r;
    for (int j = ell - k; j < ell; ++j) r += static_cast<char>(kEllipsisBase + j);
    return r;
  };
  for (size_t i = 0; i < ops.size(); ++i) {
    auto& in = spec.inputs[i];
    auto e = in.find("...");
    if (e != std::string::npos) {
      int k = ops[i].ndim() - (static_cast<int>(in.size()) - 3);
      in = in.substr(0, e) + ell_letters(k) + in.substr(e + 3);
    }
    for (size_t d = 0; d < in.size(); ++d) {
      char c = in[d];
      if (!(std::isalpha(static_cast<unsigned char>(c)) ||
            (c >= kEllipsisBase && c < kEllipsisBase + 10))) {
        throw ValueError(std::string("[einsum] Invalid subscript character '") + c +
                         "'.");
      }
      int64_t n = ops[i].shape()[d];
      auto it = spec.sizes.find(c);
      if (it == spec.sizes.end() || it->second == 1) {
        spec.sizes[c] = n;
      } else if (n != 1 && n != it->second) {
        throw ValueError(std::string("[einsum] Size mismatch for subscript '") + c +
                         "': " + std::to_string(it->second) + " and " +
                         std::to_string(n) + ".");
      }
    }
  }
  if (arrow != std::string::npos) {
    std::string out = sub.substr(arrow + 2);
    auto e = out.find("...");
    if (e != std::string::npos) out = out.substr(0, e) + ell_letters(ell) + out.substr(e + 3);
    for (char c : out) {
      if (!spec.sizes.count(c)) {
        throw ValueError(std::string("[einsum] Output subscript '") + c +
                         "' does not appear in the inputs.");
      }
    }
    spec.output = out;
  } else {
    // Implicit output: the ellipsis, then letters used once, sorted.
    std::map<char, int> count;
    for (auto& in : spec.inputs) {
      for (char c : in) ++count[c];
    }
    spec.output = ell_letters(ell);
    for (auto& [c, n] : count) {
      if (n == 1 && std::isalpha(static_cast<unsigned char>(c))) spec.output += c;
    }
  }
  return spec;
}

int64_t size_of(const std::string& letters, const Spec& spec) {
  int64_t n = 1;
  for (char c : letters) n *= spec.sizes.at(c);
  return n;
}

// Letters of a pair's result: those still needed by the output or others.
std::string pair_result(const std::string& a, const std::string& b,
                        const std::vector<std::string>& others,
                        const std::string& output) {
  std::string r;
  for (const std::string* s : {&a, &b}) {
    for (char c : *s) {
      if (r.find(c) != std::string::npos) continue;
      bool needed = output.find(c) != std::string::npos;
      for (auto& o : others) needed = needed || o.find(c) != std::string::npos;
      if (needed) r += c;
    }
  }
  return r;
}

EinsumPath greedy_path(std::vector<std::string> terms, const Spec& spec) {
  EinsumPath path;
  if (terms.size() == 1) return {{0}};
  while (terms.size() > 1) {
    int best_i = 0, best_j = 1;
    int64_t best = INT64_MAX;
    for (size_t i = 0; i < terms.size(); ++i) {
      for (size_t j = i + 1; j < terms.size(); ++j) {
        std::vector<std::string> others;
        for (size_t k = 0; k < terms.size(); ++k) {
          if (k != i && k != j) others.push_back(terms[k]);
        }
        std::string r = pair_result(terms[i], terms[j], others, spec.output);
        // numpy's greedy score: growth of the intermediate over its inputs.
        int64_t cost = size_of(r, spec) - size_of(terms[i], spec) - size_of(terms[j], spec);
        if (cost < best) {
          best = cost;
          best_i = static_cast<int>(i);
          best_j = static_cast<int>(j);
        }
      }
    }
    std::vector<std::string> others;
    for (size_t k = 0; k < terms.size(); ++k) {
      if (static_cast<int>(k) != best_i && static_cast<int>(k) != best_j) {
        others.push_back(terms[k]);
      }
    }
    std::string r = pair_result(terms[best_i], terms[best_j], others, spec.output);
    path.push_back({best_i, best_j});
    others.push_back(r);
    terms = others;
  }
  return path;
}

// Removes repeated letters (taking diagonals) and sums letters nobody else
// needs.
array simplify(array x, std::string& letters, const std::vector<std::string>& others,
               const std::string& output, StreamOrDevice s) {
  for (size_t i = 0; i < letters.size(); ++i) {
    for (size_t j = i + 1; j < letters.size();) {
      if (letters[j] != letters[i]) {
        ++j;
        continue;
      }
      // diagonal puts the merged axis last.
      x = diagonal(x, 0, static_cast<int64_t>(i), static_cast<int64_t>(j), s);
      char c = letters[i];
      letters.erase(j, 1);
      letters.erase(i, 1);
      letters += c;
      j = i + 1;
    }
  }
  Axes drop;
  std::string kept;
  for (size_t d = 0; d < letters.size(); ++d) {
    char c = letters[d];
    bool needed = output.find(c) != std::string::npos;
    for (auto& o : others) needed = needed || o.find(c) != std::string::npos;
    if (needed) kept += c;
    else drop.push_back(static_cast<int64_t>(d));
  }
  if (!drop.empty()) x = sum(x, drop, false, s);
  letters = kept;
  return x;
}

array contract(const array& a, const std::string& la, const array& b,
               const std::string& lb, const std::string& result, const Spec& spec,
               std::string& out_letters, StreamOrDevice s) {
  std::string batch, fa, fb, k;
  for (char c : la) {
    bool in_b = lb.find(c) != std::string::npos;
    bool keep = result.find(c) != std::string::npos;
    if (in_b && keep) batch += c;
    else if (in_b) k += c;
    else fa += c;
  }
  for (char c : lb) {
    if (la.find(c) == std::string::npos) fb += c;
  }
  auto arrange = [&](const array& x, const std::string& lx, const std::string& order) {
    std::vector<int64_t> perm;
    Shape target;
    for (char c : order) {
      perm.push_back(static_cast<int64_t>(lx.find(c)));
      target.push_back(spec.sizes.at(c));
    }
    return broadcast_to(transpose(x, perm, s), target, s);
  };
  int64_t nb = size_of(batch, spec), m = size_of(fa, spec), n = size_of(fb, spec),
          kk = size_of(k, spec);
  array x = reshape(arrange(a, la, batch + fa + k), {nb, m, kk}, s);
  array y = reshape(arrange(b, lb, batch + k + fb), {nb, kk, n}, s);
  out_letters = batch + fa + fb;
  Shape out;
  for (char c : out_letters) out.push_back(spec.sizes.at(c));
  return reshape(matmul(x, y, s), out, s);
}

}  // namespace

std::pair<EinsumPath, std::string> einsum_path(const std::string& subscripts,
                                               const std::vector<array>& operands) {
  Spec spec = parse(subscripts, operands);
  EinsumPath path = greedy_path(spec.inputs, spec);
  std::string desc = "Complete contraction: " + subscripts + "\n";
  for (auto& step : path) {
    desc += "  contract (";
    for (size_t i = 0; i < step.size(); ++i) {
      desc += std::to_string(step[i]) + (i + 1 < step.size() ? ", " : "");
    }
    desc += ")\n";
  }
  return {path, desc};
}

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s) {
  if (operands.empty()) throw ValueError("[einsum] No operands given.");
  Spec spec = parse(subscripts, operands);
  std::vector<array> terms = operands;
  std::vector<std::string> letters = spec.inputs;
  for (size_t i = 0; i < terms.size(); ++i) {
    std::vector<std::string> others;
    for (size_t j = 0; j < letters.size(); ++j) {
      if (j != i) others.push_back(letters[j]);
    }
    terms[i] = simplify(terms[i], letters[i], others, spec.output, s);
  }
  for (auto& step : greedy_path(letters, spec)) {
    if (step.size() < 2) break;
    int i = step[0], j = step[1];
    std::vector<std::string> others;
    std::vector<array> rest;
    for (size_t k = 0; k < terms.size(); ++k) {
      if (static_cast<int>(k) != i && static_cast<int>(k) != j) {
        others.push_back(letters[k]);
        rest.push_back(terms[k]);
      }
    }
    std::string r = pair_result(letters[i], letters[j], others, spec.output);
    std::string out_letters;
    array c = contract(terms[i], letters[i], terms[j], letters[j], r, spec,
                       out_letters, s);
    rest.push_back(c);
    others.push_back(out_letters);
    terms = rest;
    letters = others;
  }
  array x = simplify(terms[0], letters[0], {}, spec.output, s);
  std::vector<int64_t> perm;
  Shape target;
  for (char c : spec.output) {
    perm.push_back(static_cast<int64_t>(letters[0].find(c)));
    target.push_back(spec.sizes.at(c));
  }
  return broadcast_to(transpose(x, perm, s), target, s);
}

}  // namespace ember
