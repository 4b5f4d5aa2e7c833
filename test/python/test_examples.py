"""The README's examples run as a user runs them."""
import os
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT


def test_gpt2_torch_example(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python_packages"))
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "gpt2_torch.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "max |muir - PyTorch|" in proc.stdout and "PE utilisation" in proc.stdout
    assert (tmp_path / "gpt2_torch.trace.json").stat().st_size > 1000
