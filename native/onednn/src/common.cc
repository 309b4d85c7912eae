#include "common.h"

#include <omp.h>

#include <cstdlib>
#include <vector>

namespace pw {

dnnl::engine &engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream &stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

int threads() { return omp_get_max_threads(); }

void unsupported(const std::string &why) { throw Failure{why, true}; }

Args::Args(napi_env env, napi_callback_info info) : env_(env) {
  napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
  if (argc_ > 32) argc_ = 32;
  void *data = nullptr;
  bool isBuffer = false;
  if (argc_ < 1 || napi_is_arraybuffer(env, argv_[0], &isBuffer) != napi_ok || !isBuffer ||
      napi_get_arraybuffer_info(env, argv_[0], &data, &heapBytes_) != napi_ok) {
    throw Failure{"the first argument must be the WASM heap (an ArrayBuffer)", false};
  }
  heap_ = static_cast<uint8_t *>(data);
}

int64_t Args::i(size_t k) const {
  int64_t v = 0;
  if (k >= argc_ || napi_get_value_int64(env_, argv_[k], &v) != napi_ok) {
    throw Failure{"argument " + std::to_string(k) + " must be a number", false};
  }
  return v;
}

double Args::f(size_t k) const {
  double v = 0;
  if (k >= argc_ || napi_get_value_double(env_, argv_[k], &v) != napi_ok) {
    throw Failure{"argument " + std::to_string(k) + " must be a number", false};
  }
  return v;
}

float *Args::floats(size_t k, int64_t count) const {
  const int64_t offset = i(k);
  if (offset < 0 || count < 0 || (offset & 3) != 0 ||
      static_cast<uint64_t>(offset) + static_cast<uint64_t>(count) * 4 > heapBytes_) {
    throw Failure{"argument " + std::to_string(k) + ": tensor of " + std::to_string(count) +
                      " floats at byte " + std::to_string(offset) + " lies outside the WASM heap",
                  false};
  }
  return reinterpret_cast<float *>(heap_ + offset);
}

std::string key(const char *name, std::initializer_list<int64_t> parts) {
  std::string k(name);
  k += ':';
  for (int64_t p : parts) {
    k += std::to_string(p);
    k += ',';
  }
  k += '|';
  k += std::to_string(threads());
  return k;
}

memory scratchpad(const memory::desc &desc) {
  thread_local std::vector<uint8_t> bytes;
  const size_t size = desc.get_size();
  // 64 spare bytes so the handle can be aligned to a cache line.
  if (bytes.size() < size + 64) bytes.resize(size + 64);
  auto base = reinterpret_cast<uintptr_t>(bytes.data());
  void *aligned = reinterpret_cast<void *>((base + 63) & ~uintptr_t(63));
  return memory(desc, engine(), aligned);
}

dnnl::primitive_attr userScratchpad(dnnl::post_ops ops) {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  attr.set_post_ops(ops);
  return attr;
}

dnnl::post_ops activationPostOps(int64_t code, float alpha) {
  dnnl::post_ops ops;
  using a = dnnl::algorithm;
  switch (code) {
    case 0:
      break;
    case 1:
      ops.append_eltwise(1.f, a::eltwise_relu, 0.f, 0.f);
      break;
    case 2:
      ops.append_eltwise(1.f, a::eltwise_clip, 0.f, 6.f);
      break;
    case 3:
      ops.append_eltwise(1.f, a::eltwise_elu, 1.f, 0.f);
      break;
    case 4:
      ops.append_eltwise(1.f, a::eltwise_logistic, 0.f, 0.f);
      break;
    case 5:
      ops.append_eltwise(1.f, a::eltwise_relu, alpha, 0.f);
      break;
    default:
      unsupported("activation " + std::to_string(code));
  }
  return ops;
}

}  // namespace pw
