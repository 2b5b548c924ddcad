/// Sums of the last `P` vectors pushed, held in registers: a box sum along a line with no
/// memory traffic (a 512-bit load or store costs about a cycle here; an addition a quarter of
/// one). The history is kept as sums of pairs `q[t] = e[t−1] + e[t]` and of quads
/// `Q[t] = q[t−2] + q[t]`, so a window of 5, 7, 9 or 11 costs 3, 4, 4 or 5 additions, all of
/// non-negative terms. Spelled out per `P` so the history is plain values the compiler keeps
/// in registers; beyond `P = 11` it would not fit, and `NoWindow` sends the kernel to buffered
/// van Herk / Gil-Werman sums.
protocol SlidingWindow {
  init()
  /// Pushes `element` and returns the sum of the last `P` elements.
  mutating func push(_ element: Lanes) -> Lanes
}

/// No register window: the kernel buffers the line instead.
struct NoWindow: SlidingWindow {
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes { preconditionFailure("NoWindow holds nothing") }
}

struct Window1: SlidingWindow {
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes { e }
}

/// `e[t−2] + e[t−1] + e[t]`.
struct Window3: SlidingWindow {
  private var e2 = Lanes(), e1 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes {
    let sum = e2 + (e1 + e)
    (e2, e1) = (e1, e)
    return sum
  }
}

/// `q[t−3] + q[t−1] + e[t]`.
struct Window5: SlidingWindow {
  private var e1 = Lanes(), q1 = Lanes(), q2 = Lanes(), q3 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes {
    let q0 = e1 + e
    let sum = (q3 + q1) + e
    (e1, q1, q2, q3) = (e, q0, q1, q2)
    return sum
  }
}

/// `q[t−5] + q[t−3] + q[t−1] + e[t]`.
struct Window7: SlidingWindow {
  private var e1 = Lanes(), q1 = Lanes(), q2 = Lanes(), q3 = Lanes(), q4 = Lanes(), q5 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes {
    let q0 = e1 + e
    let sum = (q5 + q3) + (q1 + e)
    (e1, q1, q2, q3, q4, q5) = (e, q0, q1, q2, q3, q4)
    return sum
  }
}

/// `Q[t−5] + Q[t−1] + e[t]`.
struct Window9: SlidingWindow {
  private var e1 = Lanes(), q1 = Lanes(), q2 = Lanes()
  private var Q1 = Lanes(), Q2 = Lanes(), Q3 = Lanes(), Q4 = Lanes(), Q5 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes {
    let q0 = e1 + e
    let Q0 = q2 + q0
    let sum = (Q5 + Q1) + e
    (e1, q1, q2) = (e, q0, q1)
    (Q1, Q2, Q3, Q4, Q5) = (Q0, Q1, Q2, Q3, Q4)
    return sum
  }
}

/// `Q[t−7] + Q[t−3] + q[t−1] + e[t]`.
struct Window11: SlidingWindow {
  private var e1 = Lanes(), q1 = Lanes(), q2 = Lanes()
  private var Q1 = Lanes(), Q2 = Lanes(), Q3 = Lanes(), Q4 = Lanes(), Q5 = Lanes(), Q6 = Lanes(), Q7 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ e: Lanes) -> Lanes {
    let q0 = e1 + e
    let Q0 = q2 + q0
    let sum = (Q7 + Q3) + (q1 + e)
    (e1, q1, q2) = (e, q0, q1)
    (Q1, Q2, Q3, Q4, Q5, Q6, Q7) = (Q0, Q1, Q2, Q3, Q4, Q5, Q6)
    return sum
  }
}

/// The sums of `P = 1, 3, 5, 7, 9, 11` of the last vectors pushed, at once, from one shared
/// history — **bit for bit** the sums of `Window1 … Window11` (the same pairs `q` and quads
/// `Q`, added in the same trees), so several patch sizes computed in one pass give exactly the
/// results of separate passes. All six cost 8 additions per push.
struct NestedWindows {
  private var e1 = Lanes(), e2 = Lanes(), q1 = Lanes(), q2 = Lanes()
  private var Q1 = Lanes(), Q2 = Lanes(), Q3 = Lanes(), Q4 = Lanes(), Q5 = Lanes(), Q6 = Lanes(), Q7 = Lanes()
  @inline(__always) init() {}

  /// Pushes `e`; `sums.r` is the sum of the last `2r + 1` vectors.
  @inline(__always)
  mutating func push(_ e: Lanes) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
    let q0 = e1 + e           // q[t] = e[t−1] + e[t]
    let Q0 = q2 + q0          // Q[t] = q[t−2] + q[t]
    let tail = q1 + e         // e[t−2] + e[t−1] + e[t], as Window7 and Window11 add it
    let sum3 = e2 + q0        // Window3: e2 + (e1 + e)
    let sum5 = Q1 + e         // Window5: (q3 + q1) + e, and q[t−3] + q[t−1] = Q[t−1]
    let sum7 = Q3 + tail      // Window7: (q5 + q3) + (q1 + e), and q[t−5] + q[t−3] = Q[t−3]
    let sum9 = (Q5 + Q1) + e  // Window9
    let sum11 = (Q7 + Q3) + tail  // Window11
    (e2, e1, q2, q1) = (e1, e, q1, q0)
    (Q7, Q6, Q5, Q4, Q3, Q2, Q1) = (Q6, Q5, Q4, Q3, Q2, Q1, Q0)
    return (e, sum3, sum5, sum7, sum9, sum11)
  }
}
