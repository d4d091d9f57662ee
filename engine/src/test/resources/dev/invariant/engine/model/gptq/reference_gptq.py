#!/usr/bin/env python3
"""An independent reading of a GPTQ checkpoint folder, from the AutoGPTQ layout and docs/numerics.md alone.

Usage: reference_gptq.py FOLDER
Checks every quantised module against the layout rules (dtypes, shapes, g_idx groups, symmetric zeros) and prints,
per module, `name sha256` where the digest is over the dequantised weight W[out][in] as little-endian float32, row by
row: w = float32((q - z) * s + 0.0) (a zero weight is +0), q unpacked from qweight along the input, z from qzeros along the output (+1 in the
default v1 format), s the float16 scale. Exits 1 with a message on the first violated rule. Standard library only.
"""
import hashlib
import json
import os
import struct
import sys

DTYPES = {"I32": ("i", 4), "F16": ("e", 2), "BF16": (None, 2), "F32": ("f", 4)}


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = (e["dtype"], e["shape"], data[begin:end])
    return out


def values(t):
    dtype, shape, raw = t
    fmt, size = DTYPES[dtype]
    count = len(raw) // size
    if dtype == "BF16":
        return [struct.unpack("<f", b"\0\0" + raw[2 * i:2 * i + 2])[0] for i in range(count)]
    return list(struct.unpack("<%d%s" % (count, fmt), raw))


def main(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    q = cfg.get("quantization_config") or json.load(open(os.path.join(folder, "quantize_config.json")))
    bits, gs, sym = q["bits"], q["group_size"], q.get("sym", True)
    v2 = q.get("checkpoint_format", "gptq") == "gptq_v2"
    per = 32 // bits
    mask = (1 << bits) - 1
    tensors = read_safetensors(os.path.join(folder, "model.safetensors"))
    modules = sorted(n[:-len(".qweight")] for n in tensors if n.endswith(".qweight"))
    if not modules:
        fail("no .qweight tensors")
    for m in modules:
        qw, qz, sc, gi = (tensors.get(m + s) for s in (".qweight", ".qzeros", ".scales", ".g_idx"))
        if None in (qw, qz, sc, gi):
            fail(m + ": a GPTQ tensor is missing")
        if m + ".weight" in tensors:
            fail(m + ": a dense .weight beside .qweight")
        if (qw[0], qz[0], sc[0], gi[0]) != ("I32", "I32", "F16", "I32"):
            fail(m + ": dtypes %s" % [qw[0], qz[0], sc[0], gi[0]])
        n_in = qw[1][0] * per
        n_out = qw[1][1]
        groups = 1 if gs == -1 else -(-n_in // gs)
        if qz[1] != [groups, n_out // per] or sc[1] != [groups, n_out] or gi[1] != [n_in]:
            fail(m + ": shapes qweight %s qzeros %s scales %s g_idx %s" % (qw[1], qz[1], sc[1], gi[1]))
        words, zwords, scales, g_idx = values(qw), values(qz), values(sc), values(gi)
        counts = [0] * groups
        for g in g_idx:
            if not 0 <= g < groups:
                fail(m + ": g_idx value %d outside %d groups" % (g, groups))
            counts[g] += 1
        if gs != -1 and n_in % gs == 0 and any(c != gs for c in counts):
            fail(m + ": g_idx groups do not hold group_size inputs each: %s" % counts)
        if not q.get("desc_act", False) and g_idx != [0 if gs == -1 else k // gs for k in range(n_in)]:
            fail(m + ": without desc_act g_idx must be k // group_size")

        def zero(g, n):
            stored = ((zwords[g * (n_out // per) + n // per] & 0xFFFFFFFF) >> (bits * (n % per))) & mask
            return stored if v2 else stored + 1

        if sym and any(zero(g, n) != 1 << (bits - 1) for g in range(groups) for n in range(n_out)):
            fail(m + ": sym but a zero is not 2^(bits-1)")
        h = hashlib.sha256()
        for n in range(n_out):
            row = []
            for k in range(n_in):
                word = words[(k // per) * n_out + n] & 0xFFFFFFFF
                qv = (word >> (bits * (k % per))) & mask
                g = g_idx[k]
                row.append((qv - zero(g, n)) * scales[g * n_out + n] + 0.0)
            h.update(struct.pack("<%df" % n_in, *row))
        print(m + " " + h.hexdigest())


if __name__ == "__main__":
    main(sys.argv[1])
