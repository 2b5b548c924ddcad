
// Physics: the forward operators `A` of SPEC.md §2, their noise, and the estimator inputs
// `u = B y` of §3.
//
// Conventions, stated once here and repeated where they matter:
// - images are `N × C × H × W` (or one `C × H × W`), `Float`, values in `[0, 1]`;
// - every operator acts on each channel alike;
// - deconvolution is a circular (periodic) *true convolution* — not PyTorch's correlation —
//   whose kernel centre is `k[Kh/2, Kw/2]`.
