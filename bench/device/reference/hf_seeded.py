#!/usr/bin/env python3
"""Small seeded checkpoints of architectures whose tensors stories260K's cannot stand in for, and their greedy
references from Hugging Face transformers: Gemma 3, Gemma 2, OLMo 2.

Builds Gemma3ForCausalLM (text only, as google/gemma-3-270m and -1b are), Gemma2ForCausalLM (gemma-2-2b's
architecture) and Olmo2ForCausalLM (allenai/OLMo-2: norms after the attention and the MLP instead of before, q/k
norms over the whole projection) at stories260K's vocabulary and a tiny shape, with seeded weights that make every
feature count. Gemma:
(1 + w) norms drawn away from zero, the four norms of a layer, the embedding scale, a sliding window of 16 positions
shorter than every case, query_pre_attn_scalar other than head_dim, the final logit softcap; Gemma 3 also its q/k
norms and two RoPE bases (sliding and full layers), Gemma 2 its attention-score softcap. The weights are stored as
bf16 (`model.safetensors`), `config.json` is written in the hub's form (the keys google's checkpoints carry) and
`config-v5.json` in the form this transformers saves.

The references reload each folder in float32 (eager attention, one thread, CPU) and record per prompt: the prompt
ids (stories260K's tokenizer), 48 greedy new tokens from full forwards (no cache, no stop on EOS), the top-5
logits of the first 8 steps and the smallest top-1 margin seen, so a test knows how far apart the choices were.

usage: hf_seeded.py STORIES260K_DIR OUT_DIR [gemma3|gemma2|olmo2 ...]
  (writes OUT_DIR/tiny-NAME/ and OUT_DIR/NAME.json for each, all by default)
"""
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = ["Once upon a time", "The cat sat on the", "Max had a red ball. He"]
NEW = 48
COMMON = {
    "attention_bias": False, "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
    "final_logit_softcapping": 30.0, "head_dim": 16, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 172, "max_position_embeddings": 512, "num_attention_heads": 8,
    "num_key_value_heads": 2, "query_pre_attn_scalar": 24, "rms_norm_eps": 1e-06, "sliding_window": 16,
    "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
HUB_CONFIGS = {
    "gemma3": {**COMMON, "architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
               "attn_logit_softcapping": None, "num_hidden_layers": 6,
               "layer_types": ["sliding_attention", "sliding_attention", "full_attention",
                               "sliding_attention", "sliding_attention", "full_attention"],
               "rope_local_base_freq": 10000.0, "rope_scaling": None, "rope_theta": 1000000.0,
               "use_bidirectional_attention": False},
    # gemma-2-2b's keys: no layer_types (even layers slide), one RoPE base, the scores capped at 50
    "gemma2": {**COMMON, "architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2",
               "attn_logit_softcapping": 50.0, "num_hidden_layers": 4, "rope_theta": 10000.0,
               "hidden_act": "gelu_pytorch_tanh"},
    # OLMo-2-0425-1B's keys at the tiny shape (its own keys only: no Gemma ones)
    "olmo2": {"architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2", "attention_bias": False,
              "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "hidden_act": "silu",
              "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 172, "max_position_embeddings": 512,
              "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
              "rope_scaling": None, "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
              "use_cache": True, "vocab_size": 512},
}


def build(folder, hub_config, tokenizer_dir, seed):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    config = transformers.AutoConfig.from_pretrained(folder)
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():
        for name, p in model.named_parameters():
            # Gemma's norms hold w of (1 + w): drawn around 0 so that a missing "1 +" or a missing norm shows; others
            # around 1
            scale = 0.3 if "norm" in name else 0.12
            p.copy_(torch.randn_like(p) * scale + (1.0 if "norm" in name and "gemma" not in hub_config["model_type"]
                                                   else 0.0))
    model.to(torch.bfloat16).save_pretrained(folder)
    os.replace(os.path.join(folder, "config.json"), os.path.join(folder, "config-v5.json"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tokenizer_dir, name), folder)


def references(folder):
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    cases = []
    for prompt in PROMPTS:
        ids = tok(prompt, return_tensors="pt").input_ids
        seq, top, margin = ids, [], float("inf")
        with torch.no_grad():
            for step in range(NEW):
                logits = model(seq).logits[0, -1]
                v, i = torch.topk(logits, 5)
                margin = min(margin, float(v[0] - v[1]))
                if step < 8:
                    top.append([{"id": int(a), "logit": float(b)} for a, b in zip(i, v)])
                seq = torch.cat([seq, i[:1].view(1, 1)], dim=1)
        gen = seq[0, ids.shape[1]:].tolist()
        cases.append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "generated_ids": gen,
                      "generated_text": tok.decode(gen), "top5_first8": top, "min_top1_margin": margin})
        print(f"{prompt!r:28} margin {margin:.5f} {tok.decode(gen)[:60]!r}", flush=True)
    return type(model).__name__, cases


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    src, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    for name in sys.argv[3:] or list(HUB_CONFIGS):
        folder = os.path.join(out, "tiny-" + name)
        build(folder, HUB_CONFIGS[name], src, 20261206)
        model_class, cases = references(folder)
        meta = {"transformers": transformers.__version__, "torch": torch.__version__,
                "dtype": "float32 (bf16 weights)", "device": "cpu", "attn_implementation": "eager", "threads": 1,
                "new_tokens": NEW, "model_class": model_class, "config": HUB_CONFIGS[name],
                "method": "greedy, argmax of each full forward (no KV cache), no stop on EOS"}
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"meta": meta, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
