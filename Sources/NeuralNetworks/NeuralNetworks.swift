// # NeuralNetworks
//
// The convolutional networks that LE-MMSE explains (SPEC §5) — `PatchMLP`, `ResNet`, a local
// `UNet` with an exact receptive field `P`, and a classic down-sampling `UNet` — with explicit,
// testable backward passes, optimisers behind one `Optimizer` protocol (Adam, and AdamW as Adam
// with decoupled weight decay), a cosine schedule, gradient clipping, an exponential moving
// average of the weights, and a seeded training loop.
//
// Conventions, repeated where they matter:
// - Tensors are `N × C × H × W`, row-major, `Float`.
// - Convolutions are **cross-correlations**, as in PyTorch's `Conv2d` (not the true
//   convolution of the physics module):
//   `out[n, o, i, j] = b[o] + Σ_{c,a,b} W[o, c, a, b] · x[n, c, i + a − r, j + b − r]`, `r = K/2`.
// - Padding is `circular` (exact translation equivariance on the torus) or `zeros`.
// - Every layer caches in `forward` what its `backward` needs; `backward` returns the input
//   gradient and *accumulates* (`+=`) parameter gradients, so call `zeroGradients()` between
//   steps. A layer's `backward` refers to its most recent `forward`.
// - Results do not depend on the thread count: work is split by image or channel and every
//   reduction runs in a fixed order.
// - The library never prints; the training loop reports progress through a closure.
