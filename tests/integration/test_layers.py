"""The architecture holds: the stage order and "no Streamlit in the core" are import-linter contracts
(in pyproject.toml); the core imports neither Streamlit nor AutoGluon when it is imported."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO

LINT = str(Path(sys.executable).parent / "lint-imports")
# callbacks imports AutoGluon by design: it is only loaded inside the training process
CORE_MODULES = sorted(".".join(p.relative_to(REPO).with_suffix("").parts)
                      for d in ("automl", "explain") for p in (REPO / d).rglob("*.py")
                      if p.stem not in ("__init__", "__main__", "callbacks"))

pytestmark = pytest.mark.integration


def lint(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run([LINT, "--no-cache", "--config", str(root / "pyproject.toml")], capture_output=True,
                          text=True, cwd=root, env=env, timeout=120)


def test_the_import_contracts_hold():
    proc = lint(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "6 kept, 0 broken" in proc.stdout


def test_a_stage_importing_a_later_one_breaks_the_contract(tmp_path):
    for part in ("automl", "explain", "ui"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    (tmp_path / "automl" / "data" / "upward.py").write_text("from automl.training.config import TrainConfig\n")
    (tmp_path / "automl" / "model" / "shows.py").write_text("import streamlit\n")
    (tmp_path / "automl" / "training" / "explains.py").write_text("import explain.shapley\n")
    scorer = tmp_path / "automl" / "portable" / "scorer.py"  # copied into exports: it must stand alone
    scorer.write_text(scorer.read_text() + "\nimport automl.errors\n")
    proc = lint(tmp_path)
    assert proc.returncode != 0
    assert "automl.training.explains -> explain.shapley" in proc.stdout
    assert "automl.data.upward -> automl.training.config" in proc.stdout
    assert "automl.model.shows -> streamlit" in proc.stdout
    assert "automl.portable.scorer -> automl.errors" in proc.stdout


def test_core_never_imports_streamlit_or_autogluon():
    assert len(CORE_MODULES) > 40
    code = ("import sys, importlib\n"
            f"for m in {CORE_MODULES!r}: importlib.import_module(m)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported by the core'\n"
            "assert 'autogluon.tabular' not in sys.modules, 'AutoGluon imported at import time'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr


def test_pages_hold_no_autogluon_or_pandas_work_at_import():
    for page in (REPO / "pages").glob("*.py"):
        text = page.read_text()
        assert "autogluon" not in text, f"{page.name} talks to AutoGluon directly"
        assert "TabularPredictor" not in text
