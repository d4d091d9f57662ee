#!/usr/bin/env python3
"""Jinja2 reference renderings of small chat-template idioms, for the engine's JinjaConformanceTest.

Renders every template in CASES with Jinja2 in the environment transformers builds for chat templates
(transformers.utils.chat_template_utils._compile_jinja_template: ImmutableSandboxedEnvironment with trim_blocks,
lstrip_blocks and the loopcontrols extension, a `{% generation %}` tag that renders its body, `tojson` as
json.dumps with ensure_ascii/indent/separators/sort_keys, `raise_exception`) and the variables
apply_chat_template passes (messages, tools=None, documents=None, add_generation_prompt, bos/eos tokens).
`strftime_now` is left out on purpose: `strftime_now is defined` is false in the engine, so that a template offering a
fixed date takes it and the prompt does not depend on the day (a template that calls it anyway gets today's date).

Each template is rendered with each conversation of CONVERSATIONS, with and without the generation prompt; a
template that raises records "ExceptionType: message". Every case was written for this project (none is copied
from a published chat template); together they cover the idioms that published templates use.

usage: jinja_probe.py OUT.json
  (the engine keeps its output as engine/src/test/resources/hf-reference/jinja-probe.json)
"""
import json
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

from jinja_probe_cases import CASES

CONVERSATIONS = [
    [{"role": "system", "content": "Be brief."},
     {"role": "user", "content": "Hi, how are you?"},
     {"role": "assistant", "content": " Fine.\n"},
     {"role": "user", "content": "tell me a joke"}],
    [{"role": "user", "content": "  Résumé: «quotes» 'single' \"double\" back\\slash {{ 7 * 7 }} {% raw %}\n"},
     {"role": "assistant", "content": "<think>\nplan it\n</think>\n\nSure — 😀 done.  "},
     {"role": "user", "content": "false"},
     {"role": "assistant", "content": "None\tTab"}],
]
SPECIAL_TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}


class Generation(jinja2.ext.Extension):
    """transformers' {% generation %} tag when it is not tracking assistant tokens: the body, unchanged."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def render(env, source, messages, gen):
    try:
        out = env.from_string(source).render(messages=messages, tools=None, documents=None,
                                             add_generation_prompt=gen, **SPECIAL_TOKENS)
        return {"rendered": out}
    except Exception as e:  # raise_exception or a template error: the engine must refuse too
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    env = environment()
    cases = []
    for name, source in CASES.items():
        renderings = []
        for i, messages in enumerate(CONVERSATIONS):
            for gen in (True, False):
                renderings.append({"messages": i, "add_generation_prompt": gen, **render(env, source, messages, gen)})
        cases.append({"name": name, "template": source, "renderings": renderings})
    meta = {"jinja2": jinja2.__version__, "special_tokens": SPECIAL_TOKENS,
            "environment": "ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, "
                           "extensions=[generation, loopcontrols]); tojson = json.dumps; raise_exception; "
                           "variables messages, tools=None, documents=None, add_generation_prompt, bos/eos tokens"}
    with open(sys.argv[1], "w") as f:
        json.dump({"meta": meta, "conversations": CONVERSATIONS, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    errors = sum("error" in r for c in cases for r in c["renderings"])
    print(f"{len(cases)} templates, {len(cases) * 2 * len(CONVERSATIONS)} renderings, {errors} raised")


if __name__ == "__main__":
    main()
