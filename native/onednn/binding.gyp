{
  "targets": [
    {
      "target_name": "pixelwise_onednn",
      "sources": ["src/addon.cc", "src/common.cc", "src/conv.cc", "src/matmul.cc", "src/pool.cc", "src/elementwise.cc", "src/norm.cc", "src/attention.cc", "src/winograd.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fopenmp", "-fexceptions", "-ffp-contract=off", "-fno-math-errno"],
      "ldflags": ["-fopenmp"],
      "libraries": ["-ldnnl"]
    }
  ]
}
