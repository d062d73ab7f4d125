"""docs/migrating_from_t2t.md lists every T2T hparam and flag exactly as the code treats
them (the code's tables are the reference; the doc must not drift)."""

import importlib.util
import pathlib
import re

from t2t_lite.t2t_import import HONOURED, NO_EFFECT, REQUIRED

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "migrating_from_t2t.md").read_text(encoding="utf-8")


def table_rows(heading: str) -> dict[str, str]:
    section = DOC.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(?:--)?([a-z0-9_]+)` \| ([^|]+) \|", section, flags=re.M)
    return {name: status.strip() for name, status in rows}


def test_hparams_table_matches_the_code():
    rows = table_rows("T2T hparams")
    assert set(rows) == set(HONOURED) | set(REQUIRED) | set(NO_EFFECT)
    for name in HONOURED:
        assert rows[name] == "honoured", name
    for name in NO_EFFECT:
        assert rows[name] == "no effect", name
    for name, values in REQUIRED.items():
        assert rows[name].startswith("only"), name
        first = values[0]
        if isinstance(first, str) and first:
            assert f'"{first}"' in rows[name], name


def test_flags_table_matches_the_code():
    spec = importlib.util.spec_from_file_location("t2t_flags", ROOT / "bin" / "t2t_flags.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = table_rows("T2T flags")
    assert rows == {name: text for name, text in module.T2T_FLAGS.items()}
