"""The reserved ids have one home, t2t_lite/ids.py: no other module defines them, and
they are T2T's (pad 0, EOS 1)."""

import ast
import pathlib

from t2t_lite import ids, models, problems

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "t2t_lite"


def test_ids_are_t2ts_and_re_exported_unchanged():
    assert (ids.PAD_ID, ids.EOS_ID) == (0, 1)  # text_encoder.PAD_ID, EOS_ID in T2T
    assert (models.PAD_ID, models.EOS_ID) == (problems.PAD_ID, problems.EOS_ID) == (0, 1)


def test_no_other_module_defines_a_reserved_id():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "ids.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                offenders += [
                    f"{path.relative_to(PACKAGE)}:{node.lineno} {n}"
                    for n in names
                    if n in ("PAD_ID", "EOS_ID", "NUM_RESERVED_IDS")
                ]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args.args + node.args.kwonlyargs
                defaults = [None] * (
                    len(node.args.args) - len(node.args.defaults)
                ) + node.args.defaults
                defaults += node.args.kw_defaults
                for argument, default in zip(arguments, defaults, strict=True):
                    if argument.arg in ("pad_id", "eos_id") and isinstance(default, ast.Constant):
                        offenders.append(
                            f"{path.relative_to(PACKAGE)}:{node.lineno} "
                            f"{argument.arg}={default.value}"
                        )
    assert not offenders, "define or default reserved ids through t2t_lite.ids: " + ", ".join(
        offenders
    )
