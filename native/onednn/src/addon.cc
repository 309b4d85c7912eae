// N-API entry points. Kernels run synchronously on the calling thread, the
// one that owns the tfjs backend: oneDNN's OpenMP team is then the only pool
// working, where running on libuv's threads would give each of them a team
// of its own and oversubscribe the cores.
#include <omp.h>

#include "kernels.h"

namespace {

using Kernel = void (*)(const pw::Args &);

// Turns a Failure or a oneDNN error into a JS exception. An "unsupported"
// one carries code PW_UNSUPPORTED, so lib/backend/onednn falls back to the
// WASM kernel for that call.
napi_value call(napi_env env, napi_callback_info info, Kernel kernel) {
  const char *code = "PW_ONEDNN";
  std::string message;
  try {
    kernel(pw::Args(env, info));
    return nullptr;
  } catch (const pw::Failure &f) {
    message = f.message;
    if (f.unsupported) code = "PW_UNSUPPORTED";
  } catch (const dnnl::error &e) {
    // An unimplemented primitive is a shape oneDNN cannot do: use WASM.
    message = std::string("oneDNN: ") + e.what();
    if (e.status == dnnl_unimplemented) code = "PW_UNSUPPORTED";
  } catch (const std::exception &e) {
    message = e.what();
  }
  napi_throw_error(env, code, message.c_str());
  return nullptr;
}

template <Kernel K>
napi_value entry(napi_env env, napi_callback_info info) {
  return call(env, info, K);
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

napi_value string(napi_env env, const std::string &s) {
  napi_value out;
  napi_create_string_utf8(env, s.c_str(), s.size(), &out);
  return out;
}

const char *isaName(dnnl::cpu_isa isa) {
  using i = dnnl::cpu_isa;
  switch (isa) {
    case i::avx512_core_amx: return "avx512_core_amx";
    case i::avx512_core_bf16: return "avx512_core_bf16";
    case i::avx512_core_vnni: return "avx512_core_vnni";
    case i::avx512_core: return "avx512_core";
    case i::avx2_vnni: return "avx2_vnni";
    case i::avx2: return "avx2";
    case i::avx: return "avx";
    case i::sse41: return "sse41";
    default: return "other";
  }
}

// init(threads): fixes the OpenMP team size and returns what runs.
napi_value init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t threads = 0;
  if (argc >= 1) napi_get_value_int64(env, argv[0], &threads);
  if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
  // Primitives are cached per thread count in common.h; oneDNN's own cache is not.
  dnnl::set_primitive_cache_capacity(0);
  const dnnl_version_t *v = dnnl_version();
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "version",
                          string(env, std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                          std::to_string(v->patch)));
  napi_set_named_property(env, out, "isa", string(env, isaName(dnnl::get_effective_cpu_isa())));
  napi_set_named_property(env, out, "threads", number(env, pw::threads()));
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  // One property per kernel, named as in lib/backend/onednn/addon.ts.
#define PW_KERNEL(name) {#name, nullptr, entry<pw::name>, nullptr, nullptr, nullptr, napi_default, nullptr}
  const napi_property_descriptor props[] = {
      {"init", nullptr, init, nullptr, nullptr, nullptr, napi_default, nullptr},
      PW_KERNEL(conv2d),
      PW_KERNEL(conv2dBackpropInput),
      PW_KERNEL(conv2dBackpropFilter),
      PW_KERNEL(batchMatMul),
      PW_KERNEL(pool),
      PW_KERNEL(poolGrad),
      PW_KERNEL(binary),
      PW_KERNEL(unary),
      PW_KERNEL(sum),
      PW_KERNEL(adam),
      PW_KERNEL(tile),
      PW_KERNEL(transpose),
      PW_KERNEL(batchNorm),
      PW_KERNEL(dropoutMask),
      PW_KERNEL(batchNormTrain),
      PW_KERNEL(batchNormTrainGrad),
      PW_KERNEL(layerNorm),
      PW_KERNEL(layerNormGrad),
      PW_KERNEL(softmax),
      PW_KERNEL(softmaxGrad),
      PW_KERNEL(attention),
      PW_KERNEL(attentionGrad),
  };
#undef PW_KERNEL

  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
