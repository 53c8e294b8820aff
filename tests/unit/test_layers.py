"""The pure core never imports Streamlit (pages and ui/ are the only places that may)."""

import subprocess
import sys

from tests.helpers import REPO

CORE_MODULES = [
    "automl.atomic", "automl.bundle", "automl.charts", "automl.cli", "automl.errors", "automl.evaluation",
    "automl.fitting", "automl.ingest", "automl.jobs", "automl.prediction", "automl.problem", "automl.profile",
    "automl.samples", "automl.schema", "automl.training", "automl.worker", "automl.workspace",
    "explain.permutation", "explain.plots", "explain.shap_values",
]


def test_core_never_imports_streamlit():
    code = ("import sys, importlib\n"
            f"for m in {CORE_MODULES!r}: importlib.import_module(m)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit imported by the core'\n"
            "assert 'autogluon.tabular' not in sys.modules, 'AutoGluon imported at import time'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr


def test_every_core_module_is_listed():
    found = {f"{p.parent.name}.{p.stem}" for d in ("automl", "explain") for p in (REPO / d).glob("*.py")
             if p.stem != "__init__"}
    # callbacks imports AutoGluon by design (it is only loaded inside the training process)
    assert found - set(CORE_MODULES) == {"automl.callbacks"}
