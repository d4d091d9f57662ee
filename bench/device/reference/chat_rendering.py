#!/usr/bin/env python3
"""Chat requests rendered as vLLM renders them, by Hugging Face transformers, for the engine's ChatRenderingReferenceTest.

Each request of CASES.json (a body of vLLM's chat API with add_generation_prompt, continue_final_message,
chat_template_kwargs and documents) is rendered with the chat template of the tokenizer in MODEL_DIR, or with one of
the cases' own templates (written for this project), as vLLM hands it to transformers:
`tokenizer.apply_chat_template(messages, documents=..., chat_template=..., add_generation_prompt=...,
continue_final_message=..., tokenize=False, **chat_template_kwargs)`. A request transformers refuses records
"ExceptionType: message".

usage: chat_rendering.py CASES.json MODEL_DIR OUT.json
  (the cases: engine/src/test/resources/hf-reference/chat-rendering/cases.json; the model: ../shared/models/tiny-qwen2)
"""

import reference_io


def main():
    cases, tok, out = reference_io.cases_and_tokenizer(__doc__)
    rendered = []
    for i, r in enumerate(cases["requests"]):
        body = r["body"]
        template = None if r["template"] == "model" else cases["templates"][r["template"]]
        try:
            text = tok.apply_chat_template(body["messages"], documents=body.get("documents"), chat_template=template,
                                           add_generation_prompt=body.get("add_generation_prompt", True),
                                           continue_final_message=body.get("continue_final_message", False),
                                           tokenize=False, **body.get("chat_template_kwargs", {}))
            rendered.append({"request": i, "rendered": text})
        except Exception as e:  # the engine must refuse it too
            rendered.append({"request": i, "error": f"{type(e).__name__}: {e}"})
    meta = reference_io.meta("tokenizer.apply_chat_template(messages, documents=, chat_template=,"
                             " add_generation_prompt=, continue_final_message=, tokenize=False,"
                             " **chat_template_kwargs)")
    reference_io.write(out, meta, rendered)


if __name__ == "__main__":
    main()
