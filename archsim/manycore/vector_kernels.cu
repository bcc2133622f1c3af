// The per-element loops of PyTorch's CUDA vector kernels, written anew for counting their instructions
// (archsim/manycore/instructions.py; `python -m archsim.manycore.sass_counts` compiles this file for sm_80
// and counts the SASS of each main loop). Each kernel mirrors the structure of the PyTorch kernel named
// beside it (aten/src/ATen/native/cuda/, read via the code search, not copied): fp16 in and out,
// arithmetic in fp32, the same vector width of loads, the same CUDA math-library calls, no fast math.
#include <cuda_fp16.h>
struct alignas(16) v8 { __half v[8]; };
struct alignas(8) v4 { __half v[4]; };
// softmax pass 1 (cunn_SoftMaxForward, SoftMax.cu: ilpReduce of MaxFloat, ILP 8 fp16 = one 16-byte load)
extern "C" __global__ void sm_max(const v8* x, int n, float* out) {
  float m = -3.4e38f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) { v8 d = x[i];
#pragma unroll
    for (int j = 0; j < 8; ++j) m = fmaxf(m, __half2float(d.v[j])); }
  out[threadIdx.x] = m; }
// softmax pass 2 (ilpReduce of SumExpFloat): sum of exp(x - max)
extern "C" __global__ void sm_sum(const v8* x, int n, float mx, float* out) {
  float s = 0.f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) { v8 d = x[i];
#pragma unroll
    for (int j = 0; j < 8; ++j) s = s + expf(__half2float(d.v[j]) - mx); }
  out[threadIdx.x] = s; }
// softmax pass 3 (SoftMaxForwardEpilogue): exp(x - max) / sum, written as fp16
extern "C" __global__ void sm_out(const v8* x, v8* y, int n, float mx, float sum) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) { v8 d = x[i]; v8 o;
#pragma unroll
    for (int j = 0; j < 8; ++j) o.v[j] = __float2half(expf(__half2float(d.v[j]) - mx) / sum);
    y[i] = o; } }
// layernorm pass 1 (compute_stats / cuWelfordOnlineSum, layer_norm_kernel.cu, vec_size 4): Welford update
extern "C" __global__ void ln_stats(const v4* x, int n, float* out) {
  float mean = 0.f, m2 = 0.f, c = 0.f;
  for (int i = threadIdx.x; i < n; i += blockDim.x) { v4 d = x[i];
#pragma unroll
    for (int j = 0; j < 4; ++j) { float v = __half2float(d.v[j]); float delta = v - mean; float nc = c + 1.f;
      float nm = mean + delta * (1.f / nc); m2 = m2 + delta * (v - nm); mean = nm; c = nc; } }
  out[threadIdx.x] = mean; out[threadIdx.x + 1024] = m2; out[threadIdx.x + 2048] = c; }
// layernorm pass 2 (vectorized_layer_norm_kernel_impl): gamma * (rstd * (x - mean)) + beta
extern "C" __global__ void ln_out(const v4* x, const v4* g, const v4* b, v4* y, int n, float mean, float rstd) {
  for (int i = threadIdx.x; i < n; i += blockDim.x) { v4 d = x[i]; v4 gg = g[i]; v4 bb = b[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) o.v[j] = __float2half(__half2float(gg.v[j]) * (rstd * (__half2float(d.v[j]) - mean)) + __half2float(bb.v[j]));
    y[i] = o; } }
// GELU, erf form (GeluCUDAKernelImpl, approximate="none", ActivationGeluKernel.cu): x * 0.5 * (1 + erf(x / sqrt(2)))
extern "C" __global__ void gelu(const v4* x, v4* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { v4 d = x[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) { float v = __half2float(d.v[j]); o.v[j] = __float2half(v * 0.5f * (1.f + erff(v * 0.70710678118654752f))); }
    y[i] = o; } }
// GELU, tanh form (approximate="tanh", the form LLMCompass timed through torch.compile): counted for its
// comparison (tests/support/llmcompass.py GELU_TANH); the IR's GELU is the erf form above
extern "C" __global__ void gelu_tanh(const v4* x, v4* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { v4 d = x[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) { float v = __half2float(d.v[j]); float in = 0.7978845608f * (v + 0.044715f * v * v * v);
      o.v[j] = __float2half(0.5f * v * (1.f + tanhf(in))); }
    y[i] = o; } }
// SiLU (ActivationSiluKernel.cu): x / (1 + exp(-x))
extern "C" __global__ void silu(const v4* x, v4* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { v4 d = x[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) { float v = __half2float(d.v[j]); o.v[j] = __float2half(v / (1.f + expf(-v))); }
    y[i] = o; } }
// elementwise add (add_kernel, BinaryAddSubKernel.cu: a + alpha * b in fp32), vectorized by 4
extern "C" __global__ void add(const v4* a, const v4* b, v4* y, int n, float alpha) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { v4 p = a[i]; v4 q = b[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) o.v[j] = __float2half(__half2float(p.v[j]) + alpha * __half2float(q.v[j]));
    y[i] = o; } }
// elementwise mul (BinaryMulKernel.cu), vectorized by 4
extern "C" __global__ void mul(const v4* a, const v4* b, v4* y, int n) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { v4 p = a[i]; v4 q = b[i]; v4 o;
#pragma unroll
    for (int j = 0; j < 4; ++j) o.v[j] = __float2half(__half2float(p.v[j]) * __half2float(q.v[j]));
    y[i] = o; } }
