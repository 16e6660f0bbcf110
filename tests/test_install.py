"""A plain, non-editable install into a brand-new virtual environment finds its grammar,
its parser tables and its zoo, runs the command line, and does not import torch on
``import symcnn``."""

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import sys, symcnn
from symcnn import zoo
assert "site-packages" in symcnn.__file__, symcnn.__file__
net = symcnn.parse("I(28,28,1) C(32,5) P(2) C(32,3) P(2) D(256) O(10)")
assert int(net.params) == 217706
assert int(zoo.load("vgg16").subs(n=224).params) == 138357544
assert "torch" not in sys.modules
from symcnn import _syntax
assert _syntax._parser().source_path == "<deserialized>"  # the shipped tables
print("ok")
"""


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True)
    (wheel,) = wheels.glob("symcnn-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True)
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([python, "-c", CHECK], cwd=tmp_path, env=clean, check=True,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "ok"
    cli = subprocess.run([env_dir / "bin" / "symcnn", "-f", str(ROOT / "examples" / "vgg16.cnn")],
                         cwd=tmp_path, env=clean, check=True, capture_output=True, text=True)
    assert "138,357,544" in cli.stdout
