
// AnalyticMMSE: the closed-form estimators of SPEC.md §4 — MMSE, L-MMSE, E-MMSE and
// LE-MMSE — that predict what a CNN trained with the squared loss outputs.
//
// Every estimator is a weighted average of clean training pixels. The weights are the
// posterior probabilities of candidates given the query patch `z = Π_p u`:
//
//     w_{i,q} ∝ 𝒩(z ; Π_q m_i , Σ_q),   m_i = B A x_i,   Σ_q = σ² · (patch of B Bᵀ at q)
//
// and only candidates whose pattern of noise-free entries equals the query's are mixed.
// `ReferenceEstimator` computes this literally (the oracle of the tests);
// `AnalyticEstimator` computes the same thing fast.
