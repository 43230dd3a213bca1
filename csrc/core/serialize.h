// Byte streams for exported graphs: a primitive writes its parameters with
// Writer and its loader reads them back with Reader. Every read checks the
// bytes left, so a truncated or corrupt file raises ValueError instead of
// reading past the end.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/errors.h"
#include "core/shape.h"

namespace ember {

class Writer {
 public:
  void u8(uint8_t v) { buf_.push_back(static_cast<char>(v)); }
  void flag(bool b) { u8(b ? 1 : 0); }
  void i64(int64_t v) { append(&v, sizeof v); }
  void f64(double v) { append(&v, sizeof v); }
  void dtype(Dtype d) { u8(static_cast<uint8_t>(d.index())); }
  void str(const std::string& s) {
    i64(static_cast<int64_t>(s.size()));
    append(s.data(), s.size());
  }
  template <class T>
  void ints(const std::vector<T>& v) {
    i64(static_cast<int64_t>(v.size()));
    for (auto x : v) i64(static_cast<int64_t>(x));
  }
  const std::string& bytes() const { return buf_; }

 private:
  void append(const void* p, size_t n) {
    buf_.append(static_cast<const char*>(p), n);
  }
  std::string buf_;
};

class Reader {
 public:
  Reader(const char* data, size_t size) : p_(data), end_(data + size) {}

  uint8_t u8() {
    need(1);
    return static_cast<uint8_t>(*p_++);
  }
  bool flag() {
    uint8_t v = u8();
    if (v > 1) corrupt();
    return v == 1;
  }
  int64_t i64() {
    int64_t v;
    take(&v, sizeof v);
    return v;
  }
  double f64() {
    double v;
    take(&v, sizeof v);
    return v;
  }
  // An integer that must lie in [lo, hi].
  int64_t bounded(int64_t lo, int64_t hi) {
    int64_t v = i64();
    if (v < lo || v > hi) corrupt();
    return v;
  }
  Dtype dtype() {
    uint8_t v = u8();
    if (v >= Dtype::count) corrupt();
    return Dtype{static_cast<Dtype::Val>(v)};
  }
  std::string str() {
    size_t n = length(1);
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  template <class T = int64_t>
  std::vector<T> ints() {
    size_t n = length(sizeof(int64_t));
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(i64());
    return v;
  }
  bool done() const { return p_ == end_; }

  [[noreturn]] static void corrupt() {
    throw ValueError("[import_function] The exported function is truncated or corrupt.");
  }

 private:
  // A count of items of `unit` bytes that must fit in what is left.
  size_t length(size_t unit) {
    int64_t n = i64();
    if (n < 0 || static_cast<uint64_t>(n) > static_cast<uint64_t>(end_ - p_) / unit) {
      corrupt();
    }
    return static_cast<size_t>(n);
  }
  void need(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) corrupt();
  }
  void take(void* out, size_t n) {
    need(n);
    std::memcpy(out, p_, n);
    p_ += n;
  }
  const char* p_;
  const char* end_;
};

}  // namespace ember
