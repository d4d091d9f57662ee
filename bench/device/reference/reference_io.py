"""What the reference scripts share: their arguments (or their usage) and how a reference file is written."""
import json
import sys


def arguments(doc, count):
    """The script's `count` arguments; with none, --help or a wrong count, its usage (`doc`) and an exit."""
    if len(sys.argv) != count + 1 or sys.argv[1] in ("-h", "--help"):
        print(doc)
        sys.exit(0 if len(sys.argv) == 2 else 2)
    return sys.argv[1:]


def cases_and_tokenizer(doc):
    """For a script run as `script CASES.json MODEL_DIR OUT.json`: its cases, the model's tokenizer and OUT."""
    cases_path, model_dir, out = arguments(doc, 3)
    from transformers import AutoTokenizer
    with open(cases_path) as f:
        cases = json.load(f)
    return cases, AutoTokenizer.from_pretrained(model_dir), out


def write(out, meta, cases):
    """A reference file: {"meta": ..., "cases": [...]}, UTF-8 kept as it is."""
    with open(out, "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1, ensure_ascii=False)
    print(f"{len(cases)} renderings written to {out}")


def meta(method, **more):
    """A reference's meta: the transformers and Jinja2 that made it, how, and what else the script records."""
    import jinja2
    import transformers
    return {"transformers": transformers.__version__, "jinja2": jinja2.__version__, **more, "method": method}
