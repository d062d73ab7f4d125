"""The import arrows of ../shared/docs/architecture.md: data flows one way (problems ->
model -> run directory -> training/decoding -> export), and library code reads no flags."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "t2t_lite"

# subpackage -> the subpackages it must never import.
FORBIDDEN = {
    "layers": {"models", "problems", "runs", "training", "decoding", "export"},
    "models": {"problems", "runs", "training", "decoding", "export"},
    "problems": {"models", "runs", "training", "decoding", "export"},
    "runs": {"training", "decoding", "export"},
    "decoding": {"training", "export"},
    "export": {"training"},
}


def imported_modules(path: pathlib.Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            # `from t2t_lite import runs` imports the subpackage `runs`.
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def library_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        yield path, parts[0] if len(parts) > 1 else None


def test_no_forbidden_arrow_between_subpackages():
    offenders = []
    for path, subpackage in library_modules():
        for name in imported_modules(path):
            parts = name.split(".")
            if (
                parts[0] == "t2t_lite"
                and len(parts) > 1
                and parts[1] in FORBIDDEN.get(subpackage, ())
            ):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_library_code_reads_no_flags_and_imports_no_binary():
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path, _ in library_modules()
        for name in imported_modules(path)
        if name in ("absl.flags", "absl.app") or name.split(".")[0] in ("bin", "t2t_lite_bin")
    ]
    assert not offenders, "\n".join(offenders)


def test_the_check_sees_imports():
    # The walk must find this file's own imports, or the tests above pass vacuously.
    assert {"ast", "pathlib"} <= set(imported_modules(pathlib.Path(__file__)))
    assert any(sub == "runs" for _, sub in library_modules())
