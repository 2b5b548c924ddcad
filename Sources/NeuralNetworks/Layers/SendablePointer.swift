/// A raw pointer handed to `Parallel.forEach` bodies that read shared data or write disjoint ranges.
///
/// Raw pointers are not `Sendable`; this wrapper asserts what the callers guarantee: no two
/// pieces of work write the same element, and nothing writes what another piece reads.
struct SendablePointer<Pointee>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Pointee>
  init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
  init(_ pointer: UnsafePointer<Pointee>) { self.pointer = UnsafeMutablePointer(mutating: pointer) }
  subscript(index: Int) -> Pointee {
    get { pointer[index] }
    nonmutating set { pointer[index] = newValue }
  }
  static func + (lhs: SendablePointer, rhs: Int) -> UnsafeMutablePointer<Pointee> { lhs.pointer + rhs }
}
