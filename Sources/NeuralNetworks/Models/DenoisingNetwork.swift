import Tensors

/// A fully convolutional network mapping an estimator input `u` (`N × C × H × W`) to an
/// estimate of the clean image (`N × C × H × W`), optionally conditioned on the noise level σ.
///
/// A noise-conditional network appends σ as an extra constant input channel
/// (`NoiseConditioning`) before its `body`, so its first convolution takes `C + 1` channels.
///
/// ```swift
/// let network = try PatchMLP(channels: 1, patchSize: 5, width: 64, depth: 3, seed: 0)
/// let estimate = try network.predict(u)        // inference mode, batched
/// let state = network.checkpointTensors()       // names → tensors, for safetensors
/// let copy = try network.modelDescription.makeNetwork(seed: 0); try copy.load(from: state)
/// ```
public protocol DenoisingNetwork: Layer {
  /// The layers after the optional σ channel.
  var body: any Layer { get }
  /// The image channels `C` of input and output.
  var channels: Int { get }
  /// Whether σ enters as an extra input channel.
  var isNoiseConditional: Bool { get }
  /// A fixed factor `s` the network multiplies its input by before anything else, `f(u) =
  /// body(s u)`: input normalisation. An input whose scale is far from the images' (the
  /// inverse filter amplifies the noise a hundredfold and more) otherwise leaves the first
  /// layer's weights a hundred times smaller than their initial scale and than Adam's steps,
  /// and the network does not learn. 1 for none; not a trained parameter.
  var inputScale: Float { get set }
  /// The receptive field `P` (the output at a pixel depends on exactly the `P × P` window around
  /// it, ignoring the image-wide statistics of GroupNorm or of BatchNorm in training mode), or
  /// `nil` when it is not a fixed window (the classic U-Net).
  var receptiveField: Int? { get }
  /// The hyper-parameters that recreate the network.
  var modelDescription: ModelDescription { get }
  /// Throws if the network cannot run on `height × width` images.
  func validate(height: Int, width: Int) throws
}

extension DenoisingNetwork {
  /// `[("body", body)]`: checkpoint names start with `"body."`.
  public var children: [(name: String, layer: any Layer)] { [("body", body)] }

  /// The network output; `sigma` holds one noise level per image and is required exactly when
  /// the network is noise-conditional.
  public func forward(_ x: Tensor, sigma: [Float]?) -> Tensor {
    let shape = x.imageBatchShape
    precondition(shape.channels == channels, "\(modelDescription.architecture) takes \(channels) channels, got input \(shape)")
    let x = inputScale == 1 ? x : x * inputScale
    if isNoiseConditional {
      guard let sigma else { preconditionFailure("a noise-conditional \(modelDescription.architecture) needs σ for every image") }
      return body.forward(NoiseConditioning.forward(x, sigma: sigma))
    }
    return body.forward(x)
  }

  /// `forward(x, sigma: nil)`, for networks that are not noise-conditional.
  public func forward(_ x: Tensor) -> Tensor { forward(x, sigma: nil) }

  /// `∂loss/∂u` of the latest `forward`; the σ channel's gradient is dropped.
  public func backward(_ gradOutput: Tensor) -> Tensor {
    let gradient = body.backward(gradOutput)
    let input = isNoiseConditional ? NoiseConditioning.backward(gradient) : gradient
    return inputScale == 1 ? input : input * inputScale
  }

  /// Checks that the network can run on `height × width` images: at least 1 × 1, and the
  /// `P × P` receptive field fits in them (`P ≤ min(H, W)`; wider kernels would wrap around more
  /// than once). Networks with more rules (the classic U-Net) add theirs.
  ///
  /// - Throws: `NetworkError.invalidConfiguration` for an empty image, `invalidPatchSize` for a
  ///   window that does not fit (with the largest `P` that would).
  public func validate(height: Int, width: Int) throws {
    try validateImageSize(height: height, width: width)
  }

  /// The checks every network makes of the image size: at least 1 × 1, and `P ≤ min(H, W)`;
  /// an override of `validate(height:width:)` calls it first.
  ///
  /// - Throws: As `validate(height:width:)`.
  public func validateImageSize(height: Int, width: Int) throws {
    guard height > 0, width > 0 else {
      throw NetworkError.invalidConfiguration("the images are \(height)×\(width); a network needs images of at least 1×1")
    }
    if let field = receptiveField, field > Swift.min(height, width) {
      let largest = Swift.min(height, width) % 2 == 1 ? Swift.min(height, width) : Swift.min(height, width) - 1
      throw NetworkError.invalidPatchSize(
        architecture: "\(modelDescription.architecture)", patchSize: field,
        reason: "the P × P window must fit in the \(height)×\(width) images; use P ≤ \(largest)")
    }
  }

  /// Runs the network in inference mode (BatchNorm uses its running statistics) on `batchSize`
  /// images at a time; the network stays in inference mode.
  ///
  /// - Parameters:
  ///   - inputs: `N × C × H × W` (or one `C × H × W` image).
  ///   - sigma: The noise level of every image; required for noise-conditional networks.
  /// - Throws: `NetworkError` if the channels or the image size do not fit the network.
  public func predict(_ inputs: Tensor, sigma: Float? = nil, batchSize: Int = 32) throws -> Tensor {
    let batch = inputs.asImageBatch, shape = batch.imageBatchShape
    guard shape.channels == channels else { throw NetworkError.channelMismatch(expected: channels, got: shape.channels) }
    try validate(height: shape.height, width: shape.width)
    if isNoiseConditional && sigma == nil {
      throw NetworkError.invalidConfiguration("a noise-conditional \(modelDescription.architecture) needs σ")
    }
    precondition(batchSize > 0, "predict needs a positive batch size, got \(batchSize)")
    setTraining(false)
    var parts: [Tensor] = []
    var start = 0
    while start < shape.count {
      let end = Swift.min(shape.count, start + batchSize)
      let sigmas = sigma.map { [Float](repeating: $0, count: end - start) }
      parts.append(forward(batch.images(start..<end), sigma: isNoiseConditional ? sigmas : nil))
      start = end
    }
    let result = parts.isEmpty ? Tensor(zeros: shape.dimensions) : Tensor.concatenate(parts)
    return inputs.rank == 3 ? result.reshaped(Array(result.shape.dropFirst())) : result
  }

  /// Every parameter and running statistic, by dotted path name (`"body.2.body.1.weight"`).
  public func checkpointTensors() -> [String: Tensor] {
    var result: [String: Tensor] = [:]
    for (name, parameter, buffer) in namedState() { result[name] = parameter?.value ?? buffer?.value }
    return result
  }

  /// Loads the tensors written by `checkpointTensors()` of a network with the same description.
  ///
  /// - Throws: `NetworkError` if a tensor is missing, has another shape, or is unknown; the
  ///   network is unchanged then.
  public func load(from tensors: [String: Tensor]) throws {
    let state = namedState()
    for (name, parameter, buffer) in state {
      guard let tensor = tensors[name] else { throw NetworkError.missingTensor(name: name) }
      let expected = parameter?.value.shape ?? buffer!.value.shape
      guard tensor.shape == expected else { throw NetworkError.shapeMismatch(name: name, expected: expected, got: tensor.shape) }
    }
    let known = Set(state.map(\.name))
    if let unknown = tensors.keys.sorted().first(where: { !known.contains($0) }) {
      throw NetworkError.unexpectedTensor(name: unknown)
    }
    for (name, parameter, buffer) in state {
      parameter?.value = tensors[name]!
      buffer?.value = tensors[name]!
    }
  }
}
