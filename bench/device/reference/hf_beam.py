#!/usr/bin/env python3
"""Beam search references from Hugging Face transformers, for the engine's HfBeamReferenceTest.

Runs `model.generate(num_beams=...)` (fp32, CPU, eager attention, one thread) on a model directory in Hugging Face
layout for each prompt x configuration below and writes, per case, the returned sequences' new token ids and HF's
sequence scores. The engine's beam search follows vLLM 0.4, whose beam search was written to give HF's outputs; the
test compares token ids only (scores are normalised by different lengths: see docs/sampling.md).

usage: hf_beam.py MODEL_DIR OUT.json
"""
import json
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "Once upon a time",
    "The cat sat on the",
    "Tom and his dog went to the park.",
    "Max had a red ball. He",
    "Mom said, \"Don't touch the",
    "The little bird could not fly, so",
]
# (num_beams, num_return_sequences, length_penalty, early_stopping, max_new_tokens)
CONFIGS = [
    (4, 4, 1.0, False, 24),
    (3, 2, 0.5, True, 24),
    (4, 2, 2.0, "never", 24),
    (2, 2, 1.0, False, 48),
    (4, 4, 1.0, False, 200),
    (4, 2, 0.0, True, 200),
]


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    model_dir, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    cases = []
    for prompt in PROMPTS:
        ids = tok(prompt, return_tensors="pt").input_ids
        for beams, n, lp, early, new in CONFIGS:
            with torch.no_grad():
                r = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, num_beams=beams,
                                   num_return_sequences=n, length_penalty=lp, early_stopping=early,
                                   max_new_tokens=new, output_scores=True, return_dict_in_generate=True,
                                   pad_token_id=model.config.eos_token_id)
            outs = []
            for i in range(n):
                seq = r.sequences[i, ids.shape[1]:].tolist()
                eos = model.config.eos_token_id
                # generate pads finished sequences to the longest: cut after the first EOS
                if eos in seq:
                    seq = seq[: seq.index(eos) + 1]
                outs.append({"token_ids": seq, "sequence_score": float(r.sequences_scores[i])})
            cases.append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "num_beams": beams,
                          "num_return_sequences": n, "length_penalty": lp,
                          "early_stopping": early if isinstance(early, str) else str(early).lower(),
                          "max_new_tokens": new, "outputs": outs})
            print(f"{prompt[:24]!r:28} beams {beams} n {n} lp {lp} early {early} new {new}: "
                  + " | ".join(f"{len(o['token_ids'])} tok {o['sequence_score']:.4f}" for o in outs), flush=True)
    meta = {"transformers": transformers.__version__, "torch": torch.__version__, "dtype": "float32",
            "device": "cpu", "attn_implementation": "eager", "threads": 1,
            "method": "model.generate(do_sample=False, num_beams, num_return_sequences, length_penalty, "
                      "early_stopping, max_new_tokens); new tokens of each returned sequence, cut after EOS"}
    with open(out, "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
