"""``python -m studentkit.data``: one line on success, one line and status 1 on failure."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from studentkit.data.locate import DEBIAN_DIR


def run_main(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "FASHION_MNIST_DIR"}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "studentkit.data"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_main_locates_verifies_and_caches(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    result = run_main(FASHION_MNIST_CACHE=str(cache))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Fashion-MNIST: 60000 train + 10000 test images, verified (source: ")
    assert str(DEBIAN_DIR) in lines[0]
    assert lines[0].endswith(f"cached at {cache / 'fashion-mnist-v1.pt'}")
    assert (cache / "fashion-mnist-v1.pt").is_file()


def test_main_reports_broken_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    labels = folder / "train-labels-idx1-ubyte.gz"
    labels.write_bytes(b"\x1f\x8b not really gzip")
    for name in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (folder / f"{name}.gz").symlink_to(DEBIAN_DIR / f"{name}.gz")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(folder))
    # What `python -m studentkit.data` does, in this process (a subprocess would
    # spend seconds importing torch): any exception other than SystemExit fails the test.
    with pytest.raises(SystemExit) as info:
        runpy.run_module("studentkit.data", run_name="__main__", alter_sys=True)
    assert info.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(labels) in lines[0] and "bad gzip stream" in lines[0]
