#!/usr/bin/env python3
"""A checkpoint of a published model's shape with seeded random weights, for GPU throughput runs of architectures
that have no synthetic preset (the engine's presets are Llama and Qwen layouts): Gemma 3 1B and 270M, Gemma 2 2B,
OLMo 2 1B. The shapes are those of the models' config.json on the hub (hidden size, layers, heads, window, vocabulary);
the weights are transformers' own initialisation under a fixed seed, stored as bf16, with stories260K's tokenizer
beside them (its ids are a subset of every vocabulary here). Speed is all such a checkpoint measures: its outputs mean
nothing.

usage: hf_shape.py STORIES260K_DIR OUT_DIR NAME [NAME ...]   (writes OUT_DIR/NAME/, NAME one of the keys of SHAPES)
"""
import os
import shutil
import sys

import torch
from transformers import AutoConfig, AutoModelForCausalLM

GEMMA3 = {"model_type": "gemma3_text", "architectures": ["Gemma3ForCausalLM"], "head_dim": 256,
          "num_attention_heads": 4, "num_key_value_heads": 1, "query_pre_attn_scalar": 256, "sliding_window": 512,
          "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0, "vocab_size": 262144,
          "max_position_embeddings": 32768, "hidden_activation": "gelu_pytorch_tanh", "tie_word_embeddings": True}
SHAPES = {
    "gemma-3-1b": dict(GEMMA3, hidden_size=1152, intermediate_size=6912, num_hidden_layers=26),
    "gemma-3-270m": dict(GEMMA3, hidden_size=640, intermediate_size=2048, num_hidden_layers=18),
    "gemma-2-2b": {"model_type": "gemma2", "architectures": ["Gemma2ForCausalLM"], "hidden_size": 2304,
                   "intermediate_size": 9216, "num_hidden_layers": 26, "num_attention_heads": 8,
                   "num_key_value_heads": 4, "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 4096,
                   "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "vocab_size": 256000,
                   "max_position_embeddings": 8192, "hidden_activation": "gelu_pytorch_tanh",
                   "tie_word_embeddings": True},
    "olmo-2-1b": {"model_type": "olmo2", "architectures": ["Olmo2ForCausalLM"], "hidden_size": 2048,
                  "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 16,
                  "num_key_value_heads": 16, "vocab_size": 100352, "max_position_embeddings": 4096,
                  "rope_theta": 500000.0, "tie_word_embeddings": False},
}


def main():
    if len(sys.argv) < 4 or sys.argv[3] not in SHAPES:
        print(__doc__)
        sys.exit(2)
    stories, out = sys.argv[1], sys.argv[2]
    for name in sys.argv[3:]:
        values = dict(SHAPES[name])
        config = AutoConfig.for_model(values.pop("model_type"), **values)
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(config).to(torch.bfloat16)
        folder = os.path.join(out, name)
        model.save_pretrained(folder, safe_serialization=True)
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(os.path.join(stories, f), os.path.join(folder, f))
        print(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters in {folder}")


if __name__ == "__main__":
    main()
