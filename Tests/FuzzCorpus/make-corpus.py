#!/usr/bin/env python3
"""Writes the fuzz driver's seed inputs: small valid files of every format it parses.

Run from the repository root: python3 Tests/FuzzCorpus/make-corpus.py (needs numpy and cjpeg)."""
import gzip, io, json, os, shutil, struct, subprocess, zipfile, zlib
import numpy as np

root = os.path.dirname(os.path.abspath(__file__))
def out(parser, name, data):
    os.makedirs(os.path.join(root, parser), exist_ok=True)
    with open(os.path.join(root, parser, name), "wb") as f: f.write(data)

rng = np.random.default_rng(7)
# .npy: several dtypes and all three header versions.
for dtype, shape in [("<f4", (2, 1, 4, 4)), ("|u1", (3, 4, 4)), ("<f8", (1, 3, 2, 2)), ("<f2", (2, 3)), ("<i2", (4,)), ("<i8", ()), ("|b1", (2, 2))]:
    buffer = io.BytesIO()
    np.save(buffer, (rng.random(shape) * 200).astype(dtype))
    out("npy", f"{dtype[1:]}-{'x'.join(map(str, shape)) or 'scalar'}.npy", buffer.getvalue())
for version in [(2, 0), (3, 0)]:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, rng.random((1, 1, 3, 3)).astype("<f4"), version=version)
    out("npy", f"v{version[0]}.npy", buffer.getvalue())

def png(width, height, colour_type, depth, rows, extra=b""):
    def chunk(kind, body): return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + row for row in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)) + extra
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
grey = [bytes((x * 30 + y * 7) % 256 for x in range(6)) for y in range(5)]
rgb = [bytes(v for x in range(4) for v in (x * 60, y * 60, (x + y) * 30)) for y in range(4)]
out("png", "grey-6x5.png", png(6, 5, 0, 8, grey))
out("png", "rgb-4x4.png", png(4, 4, 2, 8, rgb))
out("png", "rgba16-2x2.png", png(2, 2, 6, 16, [bytes(range(y * 16, y * 16 + 16)) for y in range(2)]))
plte = struct.pack(">I", 6) + b"PLTE" + bytes([0, 0, 0, 255, 128, 0]) + struct.pack(">I", zlib.crc32(b"PLTE" + bytes([0, 0, 0, 255, 128, 0])))
out("png", "palette1-8x2.png", png(8, 2, 3, 1, [b"\xa5", b"\x5a"], extra=plte))

# JPEG: cjpeg from libjpeg-turbo-progs, from tiny PPM/PGM pictures.
def jpeg(name, header, pixels, *flags):
    result = subprocess.run(["cjpeg", "-quality", "75", *flags], input=header + pixels, capture_output=True, check=True)
    out("jpeg", name, result.stdout)
jpeg("grey-8x8.jpg", b"P5 8 8 255\n", bytes((x * 32 + y * 4) % 256 for y in range(8) for x in range(8)))
jpeg("rgb-16x8.jpg", b"P6 16 8 255\n", bytes(v for y in range(8) for x in range(16) for v in (x * 16, y * 32, 128)))
jpeg("rgb-progressive-8x8.jpg", b"P6 8 8 255\n", bytes(v for y in range(8) for x in range(8) for v in (x * 32, 255 - y * 32, 64)), "-progressive")

# IDX: raw and gzipped, like Fashion-MNIST's image files.
idx = bytes([0, 0, 8, 3]) + struct.pack(">III", 3, 4, 4) + bytes(rng.integers(0, 256, 48, dtype=np.uint8))
out("idx", "images-3x4x4-idx3-ubyte", idx)
out("idx", "images-3x4x4-idx3-ubyte.gz", gzip.compress(idx, mtime=0))
out("idx", "labels-5-idx1-ubyte", bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + bytes([1, 2, 3, 4, 5]))

# gzip: one member, two members, stored block.
text = b"the quick brown fox jumps over the lazy dog\n" * 4
out("gzip", "text.gz", gzip.compress(text, mtime=0))
out("gzip", "two-members.gz", gzip.compress(b"first\n", mtime=0) + gzip.compress(b"second\n", mtime=0))
out("gzip", "stored.gz", gzip.compress(bytes(range(64)), compresslevel=0, mtime=0))

# zip: one stored and one deflated entry, like the CIFAR-10 JPEG archives.
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    for name, method in [("a.txt", zipfile.ZIP_STORED), ("b.txt", zipfile.ZIP_DEFLATED)]:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = method
        archive.writestr(info, b"zip entry " * 8)
out("zip", "two-entries.zip", buffer.getvalue())

# safetensors: the reference layout, F32 with metadata, and the half types.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata: header["__metadata__"] = metadata
    for name, (dtype, shape, payload) in sorted(tensors.items()):
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data
out("safetensors", "f32.safetensors", safetensors({"w": ("F32", (2, 3), np.arange(6, dtype="<f4").tobytes()), "b": ("F32", (3,), np.ones(3, "<f4").tobytes())}, {"format": "pt"}))
out("safetensors", "half.safetensors", safetensors({"h": ("F16", (2, 2), np.arange(4, dtype="<f2").tobytes()), "g": ("BF16", (2,), b"\x80\x3f\x00\x40"), "d": ("F64", (1,), np.ones(1, "<f8").tobytes())}))

# config: the smallest experiment spec and two of the committed ones.
experiments = os.path.join(root, "..", "..", "experiments")
os.makedirs(os.path.join(root, "config"), exist_ok=True)
for name in ["dataset-size.json", "patch-size.json"]:
    shutil.copy(os.path.join(experiments, name), os.path.join(root, "config", name))
