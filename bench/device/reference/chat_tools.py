#!/usr/bin/env python3
"""Chat templates rendered with tools by Hugging Face transformers, for the engine's ChatToolsReferenceTest.

Renders every conversation of CASES.json with its tools through the chat template of the tokenizer in MODEL_DIR
(`tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False)`), each with and
without the tools. As vLLM does before it renders (its chat utilities' message post-processing), the arguments of
assistant tool calls, JSON text in OpenAI's format, are handed to the template as objects.

usage: chat_tools.py CASES.json MODEL_DIR OUT.json
  (the cases: engine/src/test/resources/hf-reference/chat-tools/cases.json; the model: ../shared/models/qwen2-tokenizer)
"""
import copy
import json
import sys

import jinja2
import transformers
from transformers import AutoTokenizer


def for_template(messages):
    out = copy.deepcopy(messages)
    for m in out:
        for call in m.get("tool_calls") or []:
            if isinstance(call["function"].get("arguments"), str):
                call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return out


def main():
    if len(sys.argv) != 4 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    cases_path, model_dir, out = sys.argv[1:]
    tok = AutoTokenizer.from_pretrained(model_dir)
    with open(cases_path) as f:
        cases = json.load(f)
    rendered = []
    for i, messages in enumerate(cases["conversations"]):
        for with_tools in (True, False):
            text = tok.apply_chat_template(for_template(messages), tools=cases["tools"] if with_tools else None,
                                           add_generation_prompt=True, tokenize=False)
            rendered.append({"conversation": i, "tools": with_tools, "rendered": text})
    meta = {"transformers": transformers.__version__, "jinja2": jinja2.__version__,
            "method": "tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False),"
                      " tool call arguments as objects (vLLM's post-processing)"}
    with open(out, "w") as f:
        json.dump({"meta": meta, "cases": rendered}, f, indent=1, ensure_ascii=False)
    print(f"{len(rendered)} renderings written to {out}")


if __name__ == "__main__":
    main()
