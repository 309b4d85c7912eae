// Shared plumbing of the addon: the oneDNN engine and stream, the primitive
// cache, the scratchpad, and N-API argument reading.
//
// Every tensor lives on the tfjs WASM heap, one ArrayBuffer. Each call gets
// that buffer and byte offsets into it, so oneDNN reads and writes the tfjs
// tensors in place: no copies in or out. The heap can be replaced when it
// grows, which is why the buffer is passed on every call, never kept.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "dnnl.hpp"

namespace pw {

dnnl::engine &engine();
dnnl::stream &stream();

// Threads of every parallel region (OpenMP), set once by init().
int threads();

// Below this many elements a parallel region of a memory-bound loop costs
// more than it saves.
constexpr int64_t PARALLEL_MIN = 1 << 15;

// A call failed: thrown by the kernels, turned into a JS exception at the
// N-API boundary. `unsupported` asks the caller to use the WASM kernel.
struct Failure {
  std::string message;
  bool unsupported;
};
[[noreturn]] void unsupported(const std::string &why);

// Arguments of one call: argv[0] is the heap, the rest are numbers.
class Args {
 public:
  Args(napi_env env, napi_callback_info info);
  uint8_t *heap() const { return heap_; }
  size_t heapBytes() const { return heapBytes_; }
  int64_t i(size_t k) const;
  double f(size_t k) const;
  // A float tensor at the byte offset in argument k holding `count` floats
  // (bounds-checked against the heap: a wrong offset must not scribble).
  float *floats(size_t k, int64_t count) const;
  size_t count() const { return argc_; }

 private:
  napi_env env_;
  size_t argc_ = 32;
  napi_value argv_[32];
  uint8_t *heap_ = nullptr;
  size_t heapBytes_ = 0;
};

// oneDNN's own primitive cache keys primitives by shape but not by thread
// count, and a JIT primitive is partitioned for the threads it was made with;
// so it is switched off and primitives are cached here, keyed by everything
// that shaped them, threads included. One cache per JS thread (the tuner
// trains in worker threads, each with its own tfjs backend and thread count):
// cached primitives own buffers, so threads must not share them.
struct Cached {
  virtual ~Cached() = default;
};
template <typename T, typename Make>
T &cached(const std::string &key, Make make) {
  thread_local std::unordered_map<std::string, std::unique_ptr<Cached>> cache;
  auto found = cache.find(key);
  if (found == cache.end()) {
    found = cache.emplace(key, std::unique_ptr<Cached>(make())).first;
  }
  return *static_cast<T *>(found->second.get());
}

// A key from the numbers that shape a primitive: "name:a,b,c,...|threads".
std::string key(const char *name, std::initializer_list<int64_t> parts);

// One scratchpad for all primitives of a JS thread (attr scratchpad_mode::user):
// its calls are sequential, so the largest size any primitive asked for is enough.
dnnl::memory scratchpad(const dnnl::memory::desc &desc);
dnnl::primitive_attr userScratchpad(dnnl::post_ops ops = dnnl::post_ops());

// tfjs activation codes, as passed by lib/backend/onednn: 0 linear, 1 relu,
// 2 relu6, 3 elu, 4 sigmoid, 5 leakyrelu (alpha in the next argument).
dnnl::post_ops activationPostOps(int64_t code, float alpha);

using memory = dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

}  // namespace pw
