"""The pure core never imports Streamlit (pages and ui/ are the only places that may), nor AutoGluon at import."""

import subprocess
import sys

from tests.helpers import REPO

# callbacks imports AutoGluon by design: it is only loaded inside the training process
CORE_MODULES = sorted(f"{p.parent.name}.{p.stem}" for d in ("automl", "explain") for p in (REPO / d).glob("*.py")
                      if p.stem not in ("__init__", "callbacks"))


def test_core_never_imports_streamlit_or_autogluon():
    assert len(CORE_MODULES) > 15
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
