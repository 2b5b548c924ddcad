// The DataFiles module: reading and writing the files of the project.
//
// Conventions, stated once for every reader here and repeated where they matter:
// - an image is `C × H × W` (channels first), a set of images `N × C × H × W`, PyTorch's layout;
// - image values are `Float` in `[0, 1]` (8-bit pixels are divided by 255, 16-bit by 65535);
// - `.npy` is the interchange format: values are kept as stored (a `|u1` array reads as 0…255).
//
// Errors from files, folders and text are thrown as `DataFileError`; the module never prints
// or exits.
import Tensors
