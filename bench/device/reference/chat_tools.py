#!/usr/bin/env python3
"""Chat templates rendered with tools by Hugging Face transformers, for the engine's ChatToolsReferenceTest.

Renders every conversation of CASES.json with its tools through the chat template of the tokenizer in MODEL_DIR
(`tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=False)`), each with and
without the tools. As vLLM does before it renders (its chat utilities' message parsing and post-processing), the
arguments of assistant tool calls, JSON text in OpenAI's format, are handed to the template as objects, and a message
without content has content "".

usage: chat_tools.py CASES.json MODEL_DIR OUT.json
  (the cases: engine/src/test/resources/hf-reference/chat-tools/cases.json; the model: ../shared/models/qwen2-tokenizer)
"""
import copy
import json

import reference_io


def for_template(messages):
    out = copy.deepcopy(messages)
    for m in out:
        if m.get("content") is None:  # vLLM hands a message without content to the template as ""
            m["content"] = ""
        for call in m.get("tool_calls") or []:
            if isinstance(call["function"].get("arguments"), str):
                call["function"]["arguments"] = json.loads(call["function"]["arguments"])
    return out


def main():
    cases, tok, out = reference_io.cases_and_tokenizer(__doc__)
    rendered = []
    for i, messages in enumerate(cases["conversations"]):
        for with_tools in (True, False):
            text = tok.apply_chat_template(for_template(messages), tools=cases["tools"] if with_tools else None,
                                           add_generation_prompt=True, tokenize=False)
            rendered.append({"conversation": i, "tools": with_tools, "rendered": text})
    meta = reference_io.meta("tokenizer.apply_chat_template(messages, tools=tools, add_generation_prompt=True,"
                             " tokenize=False), tool call arguments as objects (vLLM's post-processing)")
    reference_io.write(out, meta, rendered)


if __name__ == "__main__":
    main()
