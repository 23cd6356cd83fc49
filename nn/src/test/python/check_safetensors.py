#!/usr/bin/env python3
"""Interop check between mofa4j's safetensors code and Python (torch).

    check_safetensors.py read FILE        print every tensor's name, dtype, shape and float64 sum, the metadata,
                                          and whether the "mofa4j.sha256" checksum (if any) matches the data
    check_safetensors.py write FILE       write the fixture tensors below (the Java TorchFixtureTest checks them)
    check_safetensors.py rewrite IN OUT   read IN and write its tensors and metadata to OUT

It uses the `safetensors` package when it is installed (safetensors.torch.load_file / save_file). Otherwise it
falls back to a small reader and writer built from the format's public description (8-byte little-endian header
length, UTF-8 JSON header padded with spaces to a multiple of 8, raw little-endian data; tensors laid out by
descending dtype rank, then by name, as the library does) and torch.frombuffer. The first output line says which.

Not part of the default Maven run; the Java PythonInteropTest runs it when -Dmofa4j.python=/usr/bin/python3.
"""

import hashlib
import json
import math
import struct
import sys

import torch

try:
    import safetensors.torch as st  # noqa: F401

    HAVE_SAFETENSORS = True
except ImportError:
    HAVE_SAFETENSORS = False

DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
}
NAMES = {v: k for k, v in DTYPES.items()}
# The library's layout order: larger rank first (U64, I64, F64, F32, U32, I32, BF16, F16, ...).
RANK = {"I64": 13, "F64": 12, "F32": 11, "I32": 9, "BF16": 8, "F16": 7}


def fixture():
    """Small tensors with exactly representable values; TorchFixtureTest.java checks the same numbers."""
    return {
        "f32": (torch.arange(6, dtype=torch.float32) / 4 - 0.5).reshape(2, 3),
        "f64": torch.tensor([1.0 / 3.0, -2.5, 1e-300], dtype=torch.float64),
        "f16": torch.tensor([1.0, -2.0, 65504.0, 2.0 ** -24, math.inf, math.nan], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -2.0, 0.15625, -math.inf], dtype=torch.bfloat16),
        "i64": torch.tensor([[0, 1, -7], [50256, 2 ** 31 - 1, -(2 ** 31)]], dtype=torch.int64),
        "i32": torch.tensor([3, -4], dtype=torch.int32),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }


FIXTURE_METADATA = {"format": "pt", "written_by": "check_safetensors.py"}


def raw_bytes(t):
    """The tensor's elements, row-major, little-endian (x86 and ARM hosts are little-endian)."""
    assert sys.byteorder == "little"
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def save(tensors, path, metadata):
    if HAVE_SAFETENSORS:
        st.save_file(tensors, path, metadata=metadata)
        return
    order = sorted(tensors, key=lambda n: (-RANK[NAMES[tensors[n].dtype]], n))
    header = {}
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    blobs, offset = [], 0
    for name in order:
        t = tensors[name]
        b = raw_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """Returns (tensors in data order, metadata, data section bytes)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    metadata = header.pop("__metadata__", {}) or {}
    if HAVE_SAFETENSORS:
        tensors = st.load_file(path)
    else:
        tensors = {}
        for name, info in header.items():
            begin, end = info["data_offsets"]
            dtype = DTYPES[info["dtype"]]
            if end > begin:
                t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
            else:
                t = torch.zeros(0, dtype=dtype)
            tensors[name] = t.reshape(info["shape"])
    order = sorted(header, key=lambda k: tuple(header[k]["data_offsets"]))
    return {k: tensors[k] for k in order}, metadata, data


def cmd_read(path):
    tensors, metadata, data = load(path)
    for name, t in tensors.items():
        shape = "[" + ", ".join(str(d) for d in t.shape) + "]"
        print(f"tensor {name} {NAMES[t.dtype]} {shape} sum={t.double().sum().item()!r}")
    for k in sorted(metadata):
        print(f"metadata {k}={metadata[k]}")
    stored = metadata.get("mofa4j.sha256")
    if stored is not None:
        computed = hashlib.sha256(data).hexdigest()
        print("sha256 " + ("OK" if computed == stored else f"MISMATCH stored={stored} computed={computed}"))


def main(argv):
    print("reader: " + ("safetensors " + __import__("safetensors").__version__ if HAVE_SAFETENSORS
                        else "built-in (safetensors package not installed)") + f", torch {torch.__version__}")
    if len(argv) == 3 and argv[1] == "read":
        cmd_read(argv[2])
    elif len(argv) == 3 and argv[1] == "write":
        save(fixture(), argv[2], FIXTURE_METADATA)
        print(f"wrote {argv[2]}")
    elif len(argv) == 4 and argv[1] == "rewrite":
        tensors, metadata, _ = load(argv[2])
        save(tensors, argv[3], metadata)
        print(f"wrote {argv[3]}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
