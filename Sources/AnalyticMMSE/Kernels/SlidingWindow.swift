/// Sums of the last `P` vectors pushed, held in registers: a box sum along a line at `P − 1`
/// additions per output and no memory traffic (a 512-bit load or store costs about a cycle
/// here; an addition a quarter of one). Spelled out per `P` so the history is plain values the
/// compiler keeps in registers; beyond `P = 11` it would not fit, and `NoWindow` sends the
/// kernel to buffered van Herk / Gil-Werman sums.
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
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes { element }
}

struct Window3: SlidingWindow {
  private var h0 = Lanes()
  private var h1 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes {
    let sum = h0 + (h1 + element)
    h0 = h1; h1 = element
    return sum
  }
}

struct Window5: SlidingWindow {
  private var h0 = Lanes()
  private var h1 = Lanes()
  private var h2 = Lanes()
  private var h3 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes {
    let sum = (h0 + h1) + (h2 + (h3 + element))
    h0 = h1; h1 = h2; h2 = h3; h3 = element
    return sum
  }
}

struct Window7: SlidingWindow {
  private var h0 = Lanes()
  private var h1 = Lanes()
  private var h2 = Lanes()
  private var h3 = Lanes()
  private var h4 = Lanes()
  private var h5 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes {
    let sum = (h0 + (h1 + h2)) + ((h3 + h4) + (h5 + element))
    h0 = h1; h1 = h2; h2 = h3; h3 = h4; h4 = h5; h5 = element
    return sum
  }
}

struct Window9: SlidingWindow {
  private var h0 = Lanes()
  private var h1 = Lanes()
  private var h2 = Lanes()
  private var h3 = Lanes()
  private var h4 = Lanes()
  private var h5 = Lanes()
  private var h6 = Lanes()
  private var h7 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes {
    let sum = ((h0 + h1) + (h2 + h3)) + ((h4 + h5) + (h6 + (h7 + element)))
    h0 = h1; h1 = h2; h2 = h3; h3 = h4; h4 = h5; h5 = h6; h6 = h7; h7 = element
    return sum
  }
}

struct Window11: SlidingWindow {
  private var h0 = Lanes()
  private var h1 = Lanes()
  private var h2 = Lanes()
  private var h3 = Lanes()
  private var h4 = Lanes()
  private var h5 = Lanes()
  private var h6 = Lanes()
  private var h7 = Lanes()
  private var h8 = Lanes()
  private var h9 = Lanes()
  @inline(__always) init() {}
  @inline(__always) mutating func push(_ element: Lanes) -> Lanes {
    let sum = ((h0 + h1) + (h2 + (h3 + h4))) + ((h5 + (h6 + h7)) + (h8 + (h9 + element)))
    h0 = h1; h1 = h2; h2 = h3; h3 = h4; h4 = h5; h5 = h6; h6 = h7; h7 = h8; h8 = h9; h9 = element
    return sum
  }
}
