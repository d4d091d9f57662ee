#!/usr/bin/env python3
"""Small seeded checkpoints of architectures whose tensors stories260K's cannot stand in for, and their greedy
references from Hugging Face transformers: Gemma 3, Gemma 2, OLMo 2, Phi-3 (Llama's layer with q|k|v and gate|up
stored fused; also with Phi-3.5's longrope RoPE), and three multimodal checkpoints decoded from text alone: Gemma 3
as google's 4B, 12B and 27B are stored (Gemma3ForConditionalGeneration), Mistral Small 3.1's form
(Mistral3ForConditionalGeneration) and Qwen2.5-VL's (Qwen2_5_VLForConditionalGeneration).

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

gemma3mm: the Gemma 3 model above as google/gemma-3-4b-it is stored: `config.json` with the text model's keys under
`text_config` (the ones a hub config leaves out, here rms_norm_eps, take Gemma3TextConfig's defaults), a tiny SigLIP
`vision_config`; the weights under the hub's names (`language_model.model.*`, `vision_tower.*`,
`multi_modal_projector.*`; transformers 5 saves them as `model.language_model.*`, ...: a test renames them back);
the references from Gemma3ForConditionalGeneration given token ids only. mistral3mm: the same for a Mistral text
model under a Pixtral tower (`language_model.model.*`, `language_model.lm_head.*`, `vision_tower.*`). qwen25vlmm:
Qwen2.5-VL's (the text model's keys and tensors where a Qwen2 model has them, RoPE "mrope", `visual.*`).

mistral-window, phi3-window, qwen2-window, smollm3-window, olmo3-window, exaone4-window: sliding windows of 24
positions that every case reaches past (Mistral-7B-v0.1's and Phi-3-mini-4k's every layer; Qwen2's layers from
max_window_layers on; SmolLM3's NoPE layers; OLMo 3's three of every four, with its YaRN RoPE; EXAONE 4's three of
four, its full layer without RoPE), so the references show attention through the window rather than over the whole
sequence. exaone4: EXAONE-4.0-1.2B's form, no window, RoPE on every layer. gemma: Gemma 1 (google/gemma-2b's keys,
hidden_act gelu: the exact GELU). ernie45: ERNIE-4.5-0.3B's (RoPE on interleaved pairs of the whole head). hunyuan:
Hunyuan-0.5B's (q/k norms after RoPE, its RoPE's NTK alpha). granite4: Granite 4.0's dense form
(GraniteMoeHybridForCausalLM, every layer attention, the MLP fused under shared_mlp). gptneox: Pythia's
(GPTNeoXForCausalLM: LayerNorm, biases, q|k|v fused per head, a quarter of each head rotated, an ungated exact-GELU MLP
in parallel with the attention); gptneox-seq: the same in sequence. phi: Phi-2's (PhiForCausalLM: that parallel
layer with one norm for both, RoPE on 0.4 of each head, the tanh GELU, lm_head's bias). gpt2: GPT-2's (learned
positions, Conv1D projections, in sequence). starcoder2-window: StarCoder2's (that layer in sequence with RoPE, a window
of 24 on every layer). stablelm: StableLM 2's (Llama's gated MLP under LayerNorms, q/k/v biases, RoPE on a quarter
of each head). These run on any machine with
torch and transformers (no GPU needed). phi4mini:
Phi-4-mini's partial RoPE (3/4 of each head) with longrope and tied embeddings. glm: GLM-4's interleaved RoPE on half
of each head, q/k/v biases, gate|up fused. glm4: GLM-4-0414's layer, GLM's with norms of the attention's and the MLP's
outputs. qwen3moe, qwen2moe, mixtral, olmoe: mixtures of experts (Qwen3-30B-A3B's, Qwen1.5-MoE-A2.7B's with its shared
expert, Mixtral's, OLMoE's), stored under the hub's names, one tensor per expert and projection, whatever form transformers
saves; each case records which of its layers' MLPs transformers built sparse.

usage: hf_seeded.py STORIES260K_DIR OUT_DIR [gemma3|gemma2|olmo2|phi3|phi3-longrope|gemma3mm|mistral3mm|qwen25vlmm|
                                             mistral-window|phi3-window|qwen2-window|smollm3-window|phi4mini|glm|glm4|
                                             qwen3moe|qwen2moe|mixtral|olmoe|olmo3-window|exaone4-window|
                                             exaone4|gemma|ernie45|hunyuan|granite4|gptneox|
                                             gptneox-seq|phi|gpt2|starcoder2-window|
                                             stablelm ...]
  (writes OUT_DIR/tiny-NAME/ and OUT_DIR/NAME.json for each, all by default)
"""
import json
import os
import re
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
    # Phi-3-mini-4k-instruct's keys at the tiny shape: q|k|v and gate|up stored fused (qkv_proj, gate_up_proj), a
    # sliding window below max_position_embeddings (Phi-3-mini-4k's is 2047 of 4096) that the cases stay within
    "phi3": {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "attention_bias": False,
             "attention_dropout": 0.0, "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 2, "pad_token_id": 0,
             "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 172,
             "max_position_embeddings": 512, "original_max_position_embeddings": 512, "num_attention_heads": 8,
             "num_hidden_layers": 4, "num_key_value_heads": 2, "resid_pdrop": 0.0, "rms_norm_eps": 1e-05,
             "rope_scaling": None, "rope_theta": 10000.0, "sliding_window": 127, "tie_word_embeddings": False,
             "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512},
}
# google/gemma-2b's keys at the tiny shape (GemmaForCausalLM, Gemma 1): one norm before the attention and one before
# the MLP ((1 + w) norms), the embedding scale, one key/value head, tied embeddings, no softcaps, no window; its hub
# config says hidden_act "gelu" and names no hidden_activation (what transformers makes of that is in the reference)
HUB_CONFIGS["gemma"] = {
    "architectures": ["GemmaForCausalLM"], "model_type": "gemma", "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "head_dim": 16, "hidden_act": "gelu", "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 172, "max_position_embeddings": 512, "num_attention_heads": 8,
    "num_hidden_layers": 4, "num_key_value_heads": 1, "rms_norm_eps": 1e-06, "rope_scaling": None,
    "rope_theta": 10000.0, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
# baidu/ERNIE-4.5-0.3B-PT's keys at the tiny shape (Ernie4_5ForCausalLM): Llama's layer with RoPE on interleaved
# pairs (2i, 2i + 1) of the whole head, tied embeddings, no biases
HUB_CONFIGS["ernie45"] = {
    "architectures": ["Ernie4_5ForCausalLM"], "model_type": "ernie4_5", "bos_token_id": 1, "eos_token_id": 2,
    "pad_token_id": 0, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64, "intermediate_size": 172,
    "max_position_embeddings": 512, "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
    "use_bias": False, "use_cache": False, "vocab_size": 512,
}
# tencent/Hunyuan-0.5B-Instruct's keys at the tiny shape (HunYuanDenseV1ForCausalLM): Llama's layer with q/k norms
# per head applied after RoPE, RoPE "dynamic" with an NTK alpha (base theta * alpha^(d / (d - 2))), tied embeddings
HUB_CONFIGS["hunyuan"] = {
    "architectures": ["HunYuanDenseV1ForCausalLM"], "model_type": "hunyuan_v1_dense", "attention_bias": False,
    "attention_dropout": 0.0, "attention_head_dim": 16, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
    "eod_token_id": 3, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 172, "max_position_embeddings": 512, "mlp_bias": False, "num_attention_heads": 8,
    "num_hidden_layers": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-05,
    "rope_scaling": {"alpha": 1000.0, "beta_fast": 32, "beta_slow": 1, "factor": 1.0, "mscale": 1.0,
                     "mscale_all_dim": 1.0, "type": "dynamic"},
    "rope_theta": 10000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True,
    "use_cla": False, "use_qk_norm": True, "vocab_size": 512,
}
# ibm-granite/granite-4.0-1b's form at the tiny shape (GraniteMoeHybridForCausalLM with attention on every layer, no
# experts, RoPE): Granite's four multipliers, the MLP stored fused as shared_mlp.input_linear (gate|up) and
# output_linear, its width shared_intermediate_size (intermediate_size, here other, is unused)
HUB_CONFIGS["granite4"] = {
    "architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid", "attention_bias": False,
    "attention_dropout": 0.0, "attention_multiplier": 0.2, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
    "embedding_multiplier": 2.0, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 256, "layer_types": ["attention"] * 4, "logits_scaling": 2.0, "max_position_embeddings": 512,
    "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2, "num_local_experts": 0,
    "num_experts_per_tok": 0, "position_embedding_type": "rope", "residual_multiplier": 0.5, "rms_norm_eps": 1e-05,
    "rope_scaling": None, "rope_theta": 10000.0, "shared_intermediate_size": 172, "tie_word_embeddings": True,
    "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
# Phi-3.5-mini's RoPE at the tiny shape: longrope with a context 4x its original one (attention factor
# sqrt(1 + ln 4 / ln 512)), no window; every case stays within the original context, where the short factors apply
HUB_CONFIGS["phi3-longrope"] = {
    **HUB_CONFIGS["phi3"], "max_position_embeddings": 2048, "original_max_position_embeddings": 512,
    "sliding_window": None,
    "rope_scaling": {"type": "longrope", "short_factor": [1.0, 1.3, 2.1, 3.7], "long_factor": [1.0, 2.0, 4.0, 8.0]},
}
# Windows the cases reach past (every case is longer than 24 positions): Mistral-7B-v0.1's form (every layer slides),
# Phi-3-mini-4k's (every layer), Qwen2's with use_sliding_window (the layers from max_window_layers on slide) and
# SmolLM3's (its NoPE layers slide)
HUB_CONFIGS["mistral-window"] = {
    "architectures": ["MistralForCausalLM"], "model_type": "mistral", "attention_dropout": 0.0, "bos_token_id": 1,
    "eos_token_id": 2, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 172, "max_position_embeddings": 512, "num_attention_heads": 8, "num_hidden_layers": 4,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 24,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
HUB_CONFIGS["phi3-window"] = {**HUB_CONFIGS["phi3"], "sliding_window": 24}
HUB_CONFIGS["qwen2-window"] = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0, "bos_token_id": 1,
    "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 172,
    "max_position_embeddings": 512, "max_window_layers": 2, "num_attention_heads": 8, "num_hidden_layers": 4,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 24,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "use_sliding_window": True,
    "vocab_size": 512,
}
HUB_CONFIGS["smollm3-window"] = {
    "architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", "attention_bias": False,
    "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 172, "max_position_embeddings": 512, "mlp_bias": False,
    "no_rope_layer_interval": 2, "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06, "rope_theta": 2000000.0, "sliding_window": 24, "tie_word_embeddings": True,
    "torch_dtype": "bfloat16", "use_cache": True, "use_sliding_window": True, "vocab_size": 512, "pad_token_id": 0,
}
# allenai/Olmo-3-7B's form: OLMo 2's layer, its layer_types left out (Olmo3Config: every layer but each fourth
# slides), YaRN RoPE as the hub's checkpoints have it (here factor 4 over 128 original positions)
HUB_CONFIGS["olmo3-window"] = {
    **HUB_CONFIGS["olmo2"], "architectures": ["Olmo3ForCausalLM"], "model_type": "olmo3", "sliding_window": 24,
    "rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 128, "beta_fast": 32,
                     "beta_slow": 1},
}
# LGAI-EXAONE/EXAONE-4.0-32B's form: OLMo 2's norms after the attention and the MLP, q/k norms per head (as Qwen3's),
# a window on the layers layer_types marks (LLLG), no RoPE on the full layers (EXAONE 4's global NoPE where a window
# is set), llama3 RoPE as the hub's checkpoint has it (here factor 4 over 128 original positions)
HUB_CONFIGS["exaone4-window"] = {
    "architectures": ["Exaone4ForCausalLM"], "model_type": "exaone4", "attention_dropout": 0.0, "bos_token_id": 1,
    "eos_token_id": 2, "pad_token_id": 0, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 172, "max_position_embeddings": 512, "num_attention_heads": 8, "num_hidden_layers": 4,
    "num_key_value_heads": 2, "rms_norm_eps": 1e-05,
    "rope_scaling": {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                     "original_max_position_embeddings": 128},
    "rope_theta": 1000000.0, "sliding_window": 24, "sliding_window_pattern": "LLLG",
    "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "full_attention"],
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
# EXAONE-4.0-1.2B's form: no window (sliding_window null), so every layer full and every layer rotating
HUB_CONFIGS["exaone4"] = {**HUB_CONFIGS["exaone4-window"], "sliding_window": None, "sliding_window_pattern": None,
                          "layer_types": ["full_attention"] * 4}
# the same checkpoints with full attention: a window variant's references record where its tokens leave these, so a
# test knows the window decided them (EXAONE 4's: a window longer than every case, its full layer still without RoPE)
FULL_ATTENTION = {"mistral-window": {"sliding_window": None}, "phi3-window": {"sliding_window": None},
                  "qwen2-window": {"use_sliding_window": False}, "smollm3-window": {"use_sliding_window": False},
                  "olmo3-window": {"layer_types": ["full_attention"] * 4}, "exaone4-window": {"sliding_window": 4096}}
# microsoft/Phi-4-mini-instruct's form: RoPE on the first 3/4 of each head (partial_rotary_factor 0.75: 6 of 8
# dims, rotate-half within them, the last 2 passed through), longrope (short factors for the 3 rotated pairs) within
# its original context, tied embeddings, a window longer than the context
HUB_CONFIGS["phi4mini"] = {
    **HUB_CONFIGS["phi3-longrope"], "partial_rotary_factor": 0.75, "sliding_window": 4096, "tie_word_embeddings": True,
    "rope_scaling": {"type": "longrope", "short_factor": [1.0, 1.9, 3.3], "long_factor": [1.0, 4.0, 16.0]},
}
# THUDM/glm-4-9b-chat-hf's form: q/k/v biases, gate|up fused, RoPE on interleaved pairs (2i, 2i + 1) of the first half
# of each head (partial_rotary_factor 0.5: 8 of 16 dims), the rest passed through
HUB_CONFIGS["glm"] = {
    "architectures": ["GlmForCausalLM"], "model_type": "glm", "attention_bias": True, "attention_dropout": 0.0,
    "bos_token_id": 1, "eos_token_id": [2], "head_dim": 16, "hidden_act": "silu", "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 172, "max_position_embeddings": 512, "num_attention_heads": 8,
    "num_hidden_layers": 4, "num_key_value_heads": 2, "pad_token_id": 0, "partial_rotary_factor": 0.5,
    "rms_norm_eps": 1.5625e-07, "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "use_cache": True, "vocab_size": 512,
}
# THUDM/GLM-4-9B-0414's form (Glm4ForCausalLM): GLM's layer with four norms, one on the attention's output
# (post_self_attn_layernorm) and one on the MLP's (post_mlp_layernorm) before each residual add
HUB_CONFIGS["glm4"] = {**HUB_CONFIGS["glm"], "architectures": ["Glm4ForCausalLM"], "model_type": "glm4",
                       "rms_norm_eps": 1e-05}
# EleutherAI/pythia-*'s form (GPTNeoXForCausalLM): LayerNorm with bias, q|k|v fused per head, biases on every
# projection, RoPE on the first quarter of each head (rotary_pct 0.25: 4 of 16 dims), an ungated MLP with the exact
# GELU, attention and MLP in parallel from the layer's input, an untied embed_out; gptneox-seq: the same layer in
# sequence (use_parallel_residual false), its MLP reading the attention's sum
HUB_CONFIGS["gptneox"] = {
    "architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "attention_dropout": 0.0, "bos_token_id": 0,
    "classifier_dropout": 0.1, "eos_token_id": 0, "hidden_act": "gelu", "hidden_dropout": 0.0, "hidden_size": 64,
    "initializer_range": 0.02, "intermediate_size": 256, "layer_norm_eps": 1e-05, "max_position_embeddings": 512,
    "num_attention_heads": 4, "num_hidden_layers": 4, "rotary_emb_base": 10000, "rotary_pct": 0.25,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "use_parallel_residual": True,
    "vocab_size": 512,
}
HUB_CONFIGS["gptneox-seq"] = {**HUB_CONFIGS["gptneox"], "use_parallel_residual": False}
# microsoft/phi-2's form (PhiForCausalLM): GPT-NeoX's parallel layer with one LayerNorm for both halves, q/k/v
# separate, RoPE on the first 0.4 of each head (partial_rotary_factor: 6 of 16 dims), the tanh GELU (gelu_new), a
# bias on lm_head; here with grouped keys and values (2 heads of 8)
HUB_CONFIGS["phi"] = {
    "architectures": ["PhiForCausalLM"], "model_type": "phi", "attention_dropout": 0.0, "bos_token_id": 1,
    "embd_pdrop": 0.0, "eos_token_id": 2, "hidden_act": "gelu_new", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 256, "layer_norm_eps": 1e-05, "max_position_embeddings": 512, "num_attention_heads": 4,
    "num_hidden_layers": 4, "num_key_value_heads": 2, "partial_rotary_factor": 0.4, "qk_layernorm": False,
    "resid_pdrop": 0.0, "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
    "use_cache": True, "vocab_size": 512,
}
# openai-community/gpt2's form (GPT2LMHeadModel): learned positions added to the embeddings, no RoPE, LayerNorms, the
# projections stored as Conv1D ([in, out]) with c_attn holding q|k|v by columns, the tanh GELU (gelu_new), in sequence,
# tied embeddings
HUB_CONFIGS["gpt2"] = {
    "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new", "attn_pdrop": 0.0,
    "bos_token_id": 1, "embd_pdrop": 0.0, "eos_token_id": 2, "initializer_range": 0.02, "layer_norm_epsilon": 1e-05,
    "n_ctx": 512, "n_embd": 64, "n_head": 4, "n_inner": None, "n_layer": 4, "n_positions": 512, "resid_pdrop": 0.0,
    "scale_attn_weights": True, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
}
# bigcode/starcoder2-3b's form (Starcoder2ForCausalLM): the GPT layer in sequence with RoPE over the whole head,
# grouped keys and values (2 heads of 8), c_fc / c_proj, the tanh GELU (gelu_pytorch_tanh), tied embeddings, and a
# sliding window of 24 on every layer that every case reaches past
HUB_CONFIGS["starcoder2-window"] = {
    "architectures": ["Starcoder2ForCausalLM"], "model_type": "starcoder2", "attention_dropout": 0.0,
    "bos_token_id": 1, "embedding_dropout": 0.0, "eos_token_id": 2, "hidden_act": "gelu_pytorch_tanh",
    "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 256, "max_position_embeddings": 512,
    "norm_epsilon": 1e-05, "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2,
    "residual_dropout": 0.0, "rope_theta": 10000.0, "sliding_window": 24, "torch_dtype": "bfloat16",
    "use_bias": True, "use_cache": True, "vocab_size": 512,
}
FULL_ATTENTION["starcoder2-window"] = {"sliding_window": None}
# stabilityai/stablelm-2-1_6b's form (StableLmForCausalLM): Llama's gated SiLU MLP and o_proj without biases under
# LayerNorms with biases, q/k/v biases (use_qkv_bias), RoPE on the first quarter of each head, grouped keys and values
HUB_CONFIGS["stablelm"] = {
    "architectures": ["StableLmForCausalLM"], "model_type": "stablelm", "attention_dropout": 0.0, "bos_token_id": 1,
    "eos_token_id": 2, "hidden_act": "silu", "hidden_dropout": 0.0, "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 172, "layer_norm_eps": 1e-05, "max_position_embeddings": 512, "num_attention_heads": 4,
    "num_hidden_layers": 4, "num_key_value_heads": 2, "partial_rotary_factor": 0.25, "qk_layernorm": False,
    "rope_theta": 10000, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True,
    "use_parallel_residual": False, "use_qkv_bias": True, "vocab_size": 512,
}
# Mixture-of-experts forms at the tiny shape, 8 experts of 48, 2 chosen per token: Qwen/Qwen3-30B-A3B's
# (Qwen3MoeForCausalLM: q/k norms, the chosen weights renormalised; layer 2 dense through mlp_only_layers),
# Qwen/Qwen1.5-MoE-A2.7B's (Qwen2MoeForCausalLM: q/k/v biases, weights not renormalised, a shared expert gated by a
# sigmoid) and mistralai/Mixtral-8x7B's (MixtralForCausalLM: block_sparse_moe, experts w1|w3|w2, renormalised)
MOE = {"bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
       "max_position_embeddings": 512, "num_attention_heads": 8, "num_hidden_layers": 4, "num_key_value_heads": 2,
       "num_experts_per_tok": 2, "output_router_logits": False, "rope_theta": 1000000.0, "sliding_window": None,
       "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 512,
       "attention_dropout": 0.0}
HUB_CONFIGS["qwen3moe"] = {
    **MOE, "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "attention_bias": False,
    "decoder_sparse_step": 1, "head_dim": 16, "intermediate_size": 172, "max_window_layers": 4, "mlp_only_layers": [2],
    "moe_intermediate_size": 48, "norm_topk_prob": True, "num_experts": 8, "rms_norm_eps": 1e-06,
    "router_aux_loss_coef": 0.001, "use_sliding_window": False, "rope_scaling": None,
}
HUB_CONFIGS["qwen2moe"] = {
    **MOE, "architectures": ["Qwen2MoeForCausalLM"], "model_type": "qwen2_moe", "decoder_sparse_step": 1,
    "intermediate_size": 172, "max_window_layers": 4, "mlp_only_layers": [], "moe_intermediate_size": 48,
    "norm_topk_prob": False, "num_experts": 8, "rms_norm_eps": 1e-06, "router_aux_loss_coef": 0.001,
    "shared_expert_intermediate_size": 96, "use_sliding_window": False,
}
HUB_CONFIGS["mixtral"] = {
    **MOE, "architectures": ["MixtralForCausalLM"], "model_type": "mixtral", "head_dim": 16, "intermediate_size": 48,
    "num_local_experts": 8, "rms_norm_eps": 1e-05, "router_aux_loss_coef": 0.02, "router_jitter_noise": 0.0,
}
# allenai/OLMoE-1B-7B-0924's form: Llama's pre-norm layer, q/k norms over the whole projection, 8 experts of 48 (its
# intermediate_size), 2 a token, not renormalised
HUB_CONFIGS["olmoe"] = {
    **MOE, "architectures": ["OlmoeForCausalLM"], "model_type": "olmoe", "attention_bias": False, "clip_qkv": None,
    "intermediate_size": 48, "norm_topk_prob": False, "num_experts": 8, "rms_norm_eps": 1e-05,
    "router_aux_loss_coef": 0.01, "rope_scaling": None, "pad_token_id": 0,
}
# gemma-3-4b-it's config.json at the tiny shape: the text keys of "gemma3" but those the hub's leave to the defaults
MM_TEXT_DROPPED = ("architectures", "torch_dtype", "bos_token_id", "eos_token_id", "pad_token_id", "rms_norm_eps",
                   "tie_word_embeddings", "use_cache")
MULTIMODAL = {}
MULTIMODAL["gemma3mm"] = {
    "architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "boi_token_index": 255999,
    "eoi_token_index": 256000, "eos_token_id": [1, 2], "image_token_index": 262144, "initializer_range": 0.02,
    "mm_tokens_per_image": 4, "torch_dtype": "bfloat16",
    "text_config": {k: v for k, v in HUB_CONFIGS["gemma3"].items() if k not in MM_TEXT_DROPPED},
    "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 16, "intermediate_size": 32,
                      "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 28, "patch_size": 14,
                      "vision_use_head": False},
}
# mistralai/Mistral-Small-3.1-24B-Instruct-2503's form at the tiny shape: Mistral3ForConditionalGeneration, a Mistral
# text model (no window, as there) under text_config, a one-layer Pixtral tower; lm_head tied to the embeddings by the
# top level's tie_word_embeddings (Mistral3Config's default, which the references were made with; Mistral Small's own
# lm_head is stored apart)
MULTIMODAL["mistral3mm"] = {
    "architectures": ["Mistral3ForConditionalGeneration"], "model_type": "mistral3", "image_token_index": 10,
    "multimodal_projector_bias": False, "projector_hidden_act": "gelu", "spatial_merge_size": 2,
    "vision_feature_layer": -1, "torch_dtype": "bfloat16", "tie_word_embeddings": True,
    "text_config": {"model_type": "mistral", "bos_token_id": 1, "eos_token_id": 2, "head_dim": 16, "hidden_size": 64,
                    "intermediate_size": 172,
                    "max_position_embeddings": 512, "num_attention_heads": 8, "num_hidden_layers": 4,
                    "num_key_value_heads": 2, "rms_norm_eps": 1e-05, "rope_theta": 1000000000.0,
                    "sliding_window": None, "vocab_size": 512},
    "vision_config": {"model_type": "pixtral", "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                      "num_attention_heads": 2, "head_dim": 8, "image_size": 28, "patch_size": 14,
                      "rope_theta": 10000.0},
}
# Qwen/Qwen2.5-VL-3B-Instruct's form at the tiny shape: the text model's keys at the top level, RoPE "mrope" in three
# sections (one position for all three when the input is text), tied embeddings, a one-block vision tower; the special
# token ids outside the vocabulary, as they are in the real one's order of things (no text token is an image token)
MULTIMODAL["qwen25vlmm"] = {
    "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl", "attention_dropout": 0.0,
    "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
    "intermediate_size": 172, "max_position_embeddings": 512, "max_window_layers": 4, "num_attention_heads": 8,
    "num_hidden_layers": 4, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
    "sliding_window": 512, "tie_word_embeddings": True, "torch_dtype": "bfloat16", "use_cache": True,
    "use_sliding_window": False, "vocab_size": 512, "image_token_id": 151655, "video_token_id": 151656,
    "vision_start_token_id": 151652, "vision_end_token_id": 151653, "vision_token_id": 151654,
    "rope_scaling": {"type": "mrope", "mrope_section": [2, 1, 1]},
    "vision_config": {"depth": 1, "hidden_size": 16, "intermediate_size": 32, "num_heads": 2, "out_hidden_size": 64,
                      "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112,
                      "fullatt_block_indexes": [0], "in_chans": 3},
}
# transformers 5's names of a multimodal model's tensors -> the names the hub's checkpoints carry: google's and
# Mistral's, and Qwen's VL models' (the language model where a text model has it)
HUB_NAMES = {"gemma3mm": (("model.language_model.", "language_model.model."), ("model.vision_tower.", "vision_tower."),
                          ("model.multi_modal_projector.", "multi_modal_projector."),
                          ("lm_head.", "language_model.lm_head."))}
HUB_NAMES["mistral3mm"] = HUB_NAMES["gemma3mm"]
HUB_NAMES["qwen25vlmm"] = (("model.language_model.", "model."), ("model.visual.", "visual."))


def seed_weights(model, gemma, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            # Gemma's norms hold w of (1 + w): drawn around 0 so that a missing "1 +" or a missing norm shows; others
            # around 1
            # (a norm's bias, LayerNorm's, around 0 as any bias)
            norm = "norm" in name and not name.endswith(".bias")
            scale = 0.3 if norm else 0.12
            p.copy_(torch.randn_like(p) * scale + (1.0 if norm and not gemma else 0.0))


def build_multimodal(folder, name, tokenizer_dir, seed):
    """A tiny multimodal checkpoint, its tensors renamed to the hub's names and checked."""
    hub_config, names = MULTIMODAL[name], HUB_NAMES[name]

    def hub_name(n):
        for new, hub in names:
            if n.startswith(new):
                return hub + n[len(new):]
        return n
    cls = getattr(transformers, hub_config["architectures"][0])
    from safetensors.torch import load_file, save_file
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    config = transformers.AutoConfig.from_pretrained(folder)
    model = cls(config)
    seed_weights(model, "gemma" in hub_config["model_type"], seed)
    model.to(torch.bfloat16).save_pretrained(folder)
    path = os.path.join(folder, "model.safetensors")
    saved = load_file(path)
    renamed = {hub_name(n): t.contiguous() for n, t in saved.items()}
    save_file(renamed, path, metadata={"format": "pt"})
    print("tensors:", sorted({n.split(".layers.")[0] for n in renamed}), flush=True)
    os.replace(os.path.join(folder, "config.json"), os.path.join(folder, "config-v5.json"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tokenizer_dir, name), folder)
    # transformers must read the hub's names back into the same values, or the references would be of other weights
    loaded = cls.from_pretrained(folder, dtype=torch.bfloat16)
    equal = 0
    for n, p in loaded.state_dict().items():
        n = hub_name(n)
        if n in renamed:
            if not torch.equal(renamed[n], p):
                raise SystemExit("transformers read " + n + " back with other values")
            equal += 1
    print(f"{equal} of {len(renamed)} stored tensors read back equal", flush=True)


def build(folder, hub_config, tokenizer_dir, seed):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    config = transformers.AutoConfig.from_pretrained(folder)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    seed_weights(model, "gemma" in hub_config["model_type"], seed)
    model = model.to(torch.bfloat16)
    model.save_pretrained(folder)
    if "experts" in json.dumps(hub_config):
        hub_experts(folder, hub_config, model)
    os.replace(os.path.join(folder, "config.json"), os.path.join(folder, "config-v5.json"))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(hub_config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tokenizer_dir, name), folder)


def hub_experts(folder, hub_config, model):
    """Stores a mixture of experts under the hub's names, one tensor per expert and projection (as Qwen's and
    Mistral's checkpoints are), whatever form this transformers saves, and checks transformers reads it back equal."""
    from safetensors.torch import load_file, save_file
    path = os.path.join(folder, "model.safetensors")
    saved = load_file(path)
    hidden = hub_config["hidden_size"]
    mixtral = hub_config["model_type"] == "mixtral"
    names = {"gate_proj": "w1", "down_proj": "w2", "up_proj": "w3"} if mixtral else {}
    block = "block_sparse_moe." if mixtral else "mlp."
    out = {}
    for n, t in saved.items():
        m = re.match(r"(.*\.)(?:mlp|block_sparse_moe)\.experts\.(gate_up_proj|down_proj)$", n)
        if m:
            for e in range(t.shape[0]):
                x = t[e] if (t.shape[2] == hidden) == (m.group(2) == "gate_up_proj") else t[e].T
                parts = {"gate_proj": x[:x.shape[0] // 2], "up_proj": x[x.shape[0] // 2:]} \
                    if m.group(2) == "gate_up_proj" else {"down_proj": x}
                for proj, w in parts.items():
                    out[f"{m.group(1)}{block}experts.{e}.{names.get(proj, proj)}.weight"] = w.contiguous()
            continue
        m = re.match(r"(.*\.)(?:mlp|block_sparse_moe)\.(gate\.weight|experts\.\d+\.)(\w+)?(.*)$", n)
        if m and mixtral:
            n = m.group(1) + block + m.group(2) + names.get(m.group(3) or "", m.group(3) or "") + m.group(4)
        out[n] = t.contiguous()
    print("saved as:", sorted({re.sub(r"\d+", "N", n) for n in saved if ".layers.0." in n}), flush=True)
    print("stored as:", sorted({re.sub(r"\d+", "N", n) for n in out if ".layers.0." in n}), flush=True)
    save_file(out, path, metadata={"format": "pt"})
    loaded = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).state_dict()
    mine = model.state_dict()
    if loaded.keys() != mine.keys() or any(not torch.equal(loaded[k], mine[k]) for k in mine):
        raise SystemExit("transformers read the experts stored under the hub's names back as other values")
    print(f"{len(mine)} tensors read back equal from the hub's names", flush=True)


def references(folder, multimodal=None):
    tok = AutoTokenizer.from_pretrained(folder)
    cls = getattr(transformers, multimodal["architectures"][0]) if multimodal else AutoModelForCausalLM
    model = cls.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    cases = []
    layer_mlp = [type(getattr(l, "mlp", None) or getattr(l, "block_sparse_moe", None)).__name__
                 for l in model.model.layers] if hasattr(model, "model") and hasattr(model.model, "layers") else None
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
                      "generated_text": tok.decode(gen), "top5_first8": top, "min_top1_margin": margin,
                      "layer_mlp": layer_mlp})
        print(f"{prompt!r:28} margin {margin:.5f} {tok.decode(gen)[:60]!r}", flush=True)
    return type(model).__name__, cases


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    src, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    for name in sys.argv[3:] or [*HUB_CONFIGS, *MULTIMODAL]:
        folder = os.path.join(out, "tiny-" + name)
        multimodal = MULTIMODAL.get(name)
        if multimodal:
            build_multimodal(folder, name, src, 20261206)
        else:
            build(folder, HUB_CONFIGS[name], src, 20261206)
        model_class, cases = references(folder, multimodal)
        meta = {"transformers": transformers.__version__, "torch": torch.__version__,
                "dtype": "float32 (bf16 weights)", "device": "cpu", "attn_implementation": "eager", "threads": 1,
                "new_tokens": NEW, "model_class": model_class,
                "config": multimodal or HUB_CONFIGS[name],
                "method": "greedy, argmax of each full forward (no KV cache), no stop on EOS"}
        if name in FULL_ATTENTION:
            full = folder + "-full"
            shutil.copytree(folder, full, dirs_exist_ok=True)
            with open(os.path.join(full, "config.json"), "w") as f:
                json.dump({**HUB_CONFIGS[name], **FULL_ATTENTION[name]}, f, indent=2)
            _, full_cases = references(full)
            for case, other in zip(cases, full_cases):
                a, b = case["generated_ids"], other["generated_ids"]
                case["first_step_unlike_full_attention"] = next((i for i in range(len(a)) if a[i] != b[i]), None)
            shutil.rmtree(full)
            meta["full_attention"] = FULL_ATTENTION[name]
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"meta": meta, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
