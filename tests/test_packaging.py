import configparser
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_setup_cfg_lists_every_package():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "t2t_lite").rglob("__init__.py")
    }
    assert on_disk | {"t2t_lite_bin"} == listed
    assert (ROOT / "bin" / "__init__.py").exists()
