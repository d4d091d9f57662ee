#!/usr/bin/env python3
"""Distinct outputs of one temperature-0 prompt repeated under varying batch load (docs/naive.md).

Runs a workload of the probe prompt shuffled among other prompts of varied lengths (seeded, so every run sends the
same workload) with `./invariant generate --prompts-file` (one continuously batched workload) under seven batch
limits (--max-batch 1, 2, 4, ..., 64), REPEATS copies of the probe in all, and prints, per profile: distinct output
hashes among the probe's repeats, how many repeats got each, and the first token positions where outputs part.

    bench/naive/measure.py MODEL [REPEATS] [MAX_TOKENS] [PROFILE...]
    NAIVE_BATCHES=1,8,64 bench/naive/measure.py ...     (fewer batch limits, for large models)
"""
import collections, json, os, random, subprocess, sys, tempfile

PROBE = "Once upon a time, there was a little dog named Max"
OTHERS = ["Once upon a time", "The little girl saw a big red ball", "Tom and his mom went to the park",
          "The cat was very hungry", "One day, a bird flew into the garden", "Lily wanted to bake a cake",
          "The sun was shining and", "Ben found a shiny key under his bed"]

BATCHES = [int(b) for b in os.environ.get("NAIVE_BATCHES", "1,2,4,8,16,32,64").split(",")]

def workload(repeats, max_tokens):
    rnd = random.Random(2026)
    lines = [{"request_id": f"probe-{i}", "prompt": PROBE, "max_tokens": max_tokens} for i in range(repeats)]
    for i in range(repeats * 3):
        words = " ".join(rnd.choice(OTHERS) for _ in range(rnd.randint(1, 6)))
        lines.append({"request_id": f"load-{i}", "prompt": words, "max_tokens": rnd.randint(4, max_tokens * 2)})
    rnd.shuffle(lines)
    return lines

def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))

def main():
    model = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    max_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 48
    profiles = sys.argv[4:] or ["portable", "naive"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    per_run = -(-repeats // len(BATCHES))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for line in workload(per_run, max_tokens):
            f.write(json.dumps(line) + "\n")
    for profile in profiles:
        probes = []
        for batch in BATCHES:
            out = subprocess.run([os.path.join(root, "invariant"), "generate", "--model", model, "--prompts-file",
                                  f.name, "--profile", profile, "--temperature", "0", "--format", "jsonl",
                                  "--max-batch", str(batch)], check=True, capture_output=True, text=True).stdout
            probes += [json.loads(l) for l in out.splitlines() if l.startswith("{") and '"probe-' in l]
        by_hash = collections.Counter(p["output_hash"] for p in probes)
        ids = {}
        for p in probes:
            ids.setdefault(p["output_hash"], p["token_ids"])
        outputs = list(ids.values())
        parts = sorted({first_difference(outputs[0], o) for o in outputs[1:]})
        print(f"{model} {profile}: {len(probes)} repeats, {len(by_hash)} distinct output(s) "
              f"{sorted(by_hash.values(), reverse=True)}; first difference at token {parts if parts else '-'}")

if __name__ == "__main__":
    main()
