/// The fixed binary tree in which the pieces of training images are reduced.
///
/// Floating-point merging is not associative, so the order of merges decides the last bits. The
/// tree's shape depends only on the number of pieces — node `lo ..< hi` splits where its left
/// child holds the largest power of two below its size — never on threads or shards: a shard of
/// consecutive pieces folds the tree's nodes that lie inside it (at most about `2 log₂ n` of
/// them), and `evaluate` finishes the same tree from every shard's nodes. Any split of the
/// pieces therefore gives the bits of one process with one thread.
///
/// ```
/// 6 pieces:        (0 1 2 3 | 4 5)        shard 1 of 2 = pieces 3 ..< 6
///                 /              \        folds nodes 3 ..< 4 and 4 ..< 6
///          (0 1 | 2 3)          (4 | 5)
/// ```
struct PieceTree: Sendable {
  /// How many pieces the tree reduces.
  let count: Int

  /// Where node `range` (at least two pieces) splits: its left child holds the largest power of
  /// two strictly below its size.
  static func split(_ range: Range<Int>) -> Int {
    precondition(range.count >= 2, "a single piece does not split")
    let below = range.count - 1
    return range.lowerBound + 1 << (Int.bitWidth - 1 - below.leadingZeroBitCount)
  }

  /// The largest nodes of the tree inside `pieces`, left to right; together they cover `pieces`.
  func nodes(covering pieces: Range<Int>) -> [Range<Int>] {
    var found: [Range<Int>] = []
    func descend(_ node: Range<Int>) {
      guard node.overlaps(pieces) else { return }
      if pieces.contains(node.lowerBound) && node.upperBound <= pieces.upperBound {
        found.append(node)
        return
      }
      let middle = Self.split(node)
      descend(node.lowerBound ..< middle)
      descend(middle ..< node.upperBound)
    }
    if count > 0 { descend(0 ..< count) }
    return found
  }

  /// The root's value from values of nodes that tile the pieces, merging `merge(&left, right)`
  /// down the tree. Returns nil when the nodes do not tile `0 ..< count` with nodes of this tree.
  func evaluate<Value>(_ values: [Range<Int>: Value], merge: (inout Value, Value) -> Void) -> Value? {
    func value(of node: Range<Int>) -> Value? {
      if let known = values[node] { return known }
      guard node.count >= 2 else { return nil }
      let middle = Self.split(node)
      guard var left = value(of: node.lowerBound ..< middle), let right = value(of: middle ..< node.upperBound) else { return nil }
      merge(&left, right)
      return left
    }
    return count > 0 ? value(of: 0 ..< count) : nil
  }
}

/// Folds pieces handed in order into the values of consecutive tree nodes, holding at most
/// `log₂` of a node's size partial values: a binary counter whose carries are the tree's merges
/// (children of equal size merge as soon as both are done; a node's unequal rest merges right
/// to left when its last piece arrives, as `PieceTree.evaluate` would).
struct TreeFolder<Value> {
  private let nodes: [Range<Int>]
  private let merge: (inout Value, Value) -> Void
  private var stack: [(size: Int, value: Value)] = []
  private var current = 0, filled = 0
  /// The finished nodes and their values, in order.
  private(set) var finished: [(node: Range<Int>, value: Value)] = []

  init(nodes: [Range<Int>], merge: @escaping (inout Value, Value) -> Void) {
    self.nodes = nodes
    self.merge = merge
  }

  /// Adds the next piece in order.
  mutating func add(_ value: Value) {
    precondition(current < nodes.count, "more pieces than the nodes hold")
    stack.append((1, value))
    filled += 1
    while stack.count >= 2, stack[stack.count - 1].size == stack[stack.count - 2].size { mergeTop() }
    guard filled == nodes[current].count else { return }
    while stack.count >= 2 { mergeTop() }
    finished.append((nodes[current], stack.removeLast().value))
    current += 1
    filled = 0
  }

  private mutating func mergeTop() {
    let right = stack.removeLast()
    merge(&stack[stack.count - 1].value, right.value)
    stack[stack.count - 1].size += right.size
  }
}
