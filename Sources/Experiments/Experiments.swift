@_exported import AnalyticMMSE
@_exported import DataFiles
@_exported import ImageQuality
@_exported import NeuralNetworks
@_exported import Physics
@_exported import Tensors

// Experiments: the glue between the modules — loading what a command or a config names,
// running estimators against measurements, and writing results, tables and figures.
