#!/usr/bin/env python3
"""Chat template renderings from Hugging Face transformers, for the engine's ChatTemplateReferenceTest.

Renders every template in TEMPLATE_DIR (*.jinja, written for this project to exercise the Jinja features that
published chat templates use) with every message list of TEMPLATE_DIR/messages.json, with and without the
generation prompt, through `tokenizer.apply_chat_template(..., chat_template=..., tokenize=False)` of the tokenizer
in MODEL_DIR (its bos/eos tokens are the templates' bos_token/eos_token). A template that raises records the error.

usage: chat_templates.py TEMPLATE_DIR MODEL_DIR OUT.json
  (the templates and messages: engine/src/test/resources/hf-reference/chat-templates)
"""
import json
import os

from transformers import AutoTokenizer

import reference_io


def main():
    tdir, model_dir, out = reference_io.arguments(__doc__, 3)
    tok = AutoTokenizer.from_pretrained(model_dir)
    with open(os.path.join(tdir, "messages.json")) as f:
        conversations = json.load(f)
    cases = []
    for name in sorted(n for n in os.listdir(tdir) if n.endswith(".jinja")):
        with open(os.path.join(tdir, name)) as f:
            template = f.read()
        for i, messages in enumerate(conversations):
            for gen in (True, False):
                case = {"template": name, "messages": i, "add_generation_prompt": gen}
                try:
                    case["rendered"] = tok.apply_chat_template(messages, chat_template=template,
                                                               add_generation_prompt=gen, tokenize=False)
                except Exception as e:  # raise_exception, or a template error: recorded
                    case["error"] = f"{type(e).__name__}: {e}"
                cases.append(case)
        print(f"{name}: {sum('error' in c for c in cases if c['template'] == name)} errors", flush=True)
    meta = reference_io.meta(bos_token=tok.bos_token, eos_token=tok.eos_token,
                             method="tokenizer.apply_chat_template(messages, chat_template=T,"
                                    " add_generation_prompt=g, tokenize=False)")
    reference_io.write(out, meta, cases)


if __name__ == "__main__":
    main()
