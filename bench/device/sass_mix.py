#!/usr/bin/env python3
"""Instruction mix of a kernel's inner loop, from its SASS: how many machine instructions one weight costs.

usage: sass_mix.py FILE.sass KERNEL [KERNEL ...] [--weights-per-block N]

FILE.sass is the disassembly of a cubin or fatbin (`cuobjdump -sass x.fatbin > x.sass` on a machine with the CUDA
toolkit's cuobjdump, or `nvdisasm -c x.cubin`). For each named kernel the script finds its basic blocks, takes the
ones with the most FFMA (the dot's inner loop: every weight is one FFMA into a partial), and prints each block's
instruction count by opcode. With --weights-per-block N (the weights one pass of that block computes per lane, e.g.
16 values of a 16-byte int8 word x 2 rows = 32) it also prints instructions per weight, and what that allows:
an SM issues 4 warp instructions per cycle, so a stream of `bytes_per_weight` bytes per weight is issue-bound
below the copy bandwidth when instructions per weight exceed 4 x 32 x clock x SMs / (bandwidth / bytes_per_weight).
"""
import re
import sys
from collections import Counter


INSN = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(?:@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_]*)([^;]*);")
LABEL = re.compile(r"^(\.L_x_\d+):")
ENDS = ("BRA", "BRX", "JMP", "JMX", "RET", "EXIT", "CALL")


def blocks_of(sass, kernel):
    """The kernel's basic blocks as (first address, Counter of opcodes), or None when the kernel is not there.
    A block starts at the kernel's first instruction, at a branch target and after a branch."""
    # cuobjdump: "Function : NAME"; nvdisasm: "//----- .text.NAME -----"
    parts = re.split(r"\n\s*(?:Function : (\S+)|//-+ \.text\.(\S+) -+)", sass)
    for i in range(1, len(parts), 3):
        if (parts[i] or parts[i + 1]) != kernel:
            continue
        insns, labels = [], {}
        pending = []
        for line in parts[i + 2].split("\n"):
            m = LABEL.match(line.strip())
            if m:
                pending.append(m.group(1))
                continue
            m = INSN.search(line)
            if m:
                addr = int(m.group(1), 16)
                for name in pending:
                    labels[name] = addr
                pending = []
                insns.append((addr, m.group(2), m.group(3)))
        leaders = {insns[0][0]} if insns else set()
        for k, (addr, op, args) in enumerate(insns):
            if op in ENDS:
                t = re.search(r"0x([0-9a-f]+)|`\((\.L_x_\d+)\)", args)
                if t:
                    leaders.add(int(t.group(1), 16) if t.group(1) else labels.get(t.group(2), -1))
                if k + 1 < len(insns):
                    leaders.add(insns[k + 1][0])
        out = []
        for addr, op, _ in insns:
            if addr in leaders or not out:
                out.append((f"0x{addr:04x}", Counter()))
            out[-1][1][op] += 1
        return out
    return None


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    per = None
    if "--weights-per-block" in argv:
        i = argv.index("--weights-per-block")
        per = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    sass = open(argv[1]).read()
    for kernel in argv[2:]:
        blocks = blocks_of(sass, kernel)
        if blocks is None:
            print(f"{kernel}: not in {argv[1]} (the kernel names are the extern \"C\" names of the .cu files)")
            continue
        best = max(c["FFMA"] for _, c in blocks) if blocks else 0
        for label, c in blocks:
            if best == 0 or c["FFMA"] < best:
                continue
            total = sum(c.values())
            line = f"{kernel} {label}: {total} instructions, " + ", ".join(f"{op} {n}" for op, n in c.most_common(10))
            if per:
                line += f"; {total / per:.2f} per weight"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
