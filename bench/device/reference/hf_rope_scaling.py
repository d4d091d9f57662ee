#!/usr/bin/env python3
"""Greedy references from Hugging Face transformers for RoPE scaling and architectures computed as Llama's layer.

Copies a Llama model folder (stories260K) once per variant below, edits its config.json (rope scaling, or the
architecture's name), and records per variant and prompt: the prompt ids, 48 greedy new tokens (no stop on EOS)
and the top-5 logits of the first 8 steps (fp32, CPU, eager attention, one thread). The engine's tests build the
same variants from the same folder and compare token for token.

usage: hf_rope_scaling.py MODEL_DIR OUT.json
"""
import json
import os
import shutil
import sys
import tempfile

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = ["Once upon a time", "The cat sat on the", "Max had a red ball. He"]
NEW = 48
# name -> edit of config.json (stories260K: head_dim 8, max_position_embeddings 512)
VARIANTS = {
    "llama3": {"rope_parameters": {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0,
                                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                   "original_max_position_embeddings": 16}},
    "linear": {"rope_parameters": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}},
    "llama3-legacy": {"rope_theta": 10000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
                                                              "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                              "original_max_position_embeddings": 16}},
    "mistral": {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "sliding_window": None},
    # YaRN (Qwen2.5's and Qwen3's long-context setting): frequencies blended between interpolation and extrapolation
    # by a ramp over the pairs, cos and sin times the attention factor; original context 128 puts the ramp inside
    # stories260K's four pairs
    "yarn": {"rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                 "original_max_position_embeddings": 128}},
    "yarn-legacy": {"rope_theta": 10000.0, "rope_scaling": {"type": "yarn", "factor": 4.0,
                                                            "original_max_position_embeddings": 128}},
    "yarn-params": {"rope_parameters": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 8.0,
                                        "original_max_position_embeddings": 64, "beta_fast": 16.0, "beta_slow": 2.0,
                                        "attention_factor": 1.25}},
    # SmolLM3: by default every 4th layer has no RoPE (layer 3 of 5); then an explicit no_rope_layers
    "smollm3": {"architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3"},
    "smollm3-nope": {"architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", "no_rope_layers": [1, 0, 1, 0, 0]},
    # Granite's four multipliers, away from 1 so that each shows
    "granite": {"architectures": ["GraniteForCausalLM"], "model_type": "granite", "embedding_multiplier": 1.5,
                "residual_multiplier": 0.8, "attention_multiplier": 0.3, "logits_scaling": 1.25},
}


def variant(src, edit, dst):
    for f in os.listdir(src):
        if os.path.isfile(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), dst)
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    if "rope_scaling" in edit:
        cfg.pop("rope_parameters", None)
    cfg.update(edit)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    return cfg


def main():
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    src, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    result = {"meta": {"transformers": transformers.__version__, "torch": torch.__version__, "dtype": "float32",
                       "device": "cpu", "attn_implementation": "eager", "threads": 1, "new_tokens": NEW,
                       "method": "greedy, argmax of each full forward (no KV cache), no stop on EOS"},
              "variants": {}}
    for name, edit in VARIANTS.items():
        try:
            result["variants"][name] = run_variant(src, edit)
        except Exception as e:  # recorded: a variant this transformers refuses
            result["variants"][name] = {"config_edit": edit, "error": repr(e)}
            print(f"{name:14} error {e!r}", flush=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


def run_variant(src, edit):
    with tempfile.TemporaryDirectory() as d:
        cfg = variant(src, edit, d)
        tok = AutoTokenizer.from_pretrained(d)
        model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager")
        model.eval()
        rot = model.model.rotary_emb
        inv_freq = [float(x) for x in rot.inv_freq.tolist()]
        cases = []
        for prompt in PROMPTS:
            ids = tok(prompt, return_tensors="pt").input_ids
            seq = ids
            top = []
            with torch.no_grad():
                for step in range(NEW):
                    logits = model(seq).logits[0, -1]
                    nxt = int(torch.argmax(logits))
                    if step < 8:
                        v, i = torch.topk(logits, 5)
                        top.append([{"id": int(a), "logit": float(b)} for a, b in zip(i, v)])
                    seq = torch.cat([seq, torch.tensor([[nxt]])], dim=1)
            gen = seq[0, ids.shape[1]:].tolist()
            cases.append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "generated_ids": gen,
                          "generated_text": tok.decode(gen), "top5_first8": top})
            print(f"{cfg['architectures'][0]:20} {prompt!r:28} {tok.decode(gen)[:60]!r}", flush=True)
        return {"config_edit": edit, "model_class": type(model).__name__, "inv_freq": inv_freq,
                "attention_scaling": float(getattr(rot, "attention_scaling", 1.0)), "cases": cases}


if __name__ == "__main__":
    main()
