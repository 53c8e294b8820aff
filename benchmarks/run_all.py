"""Run every benchmark script in turn (what `make bench` does)."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["ingest_profile.py", "batch_prediction.py", "shap_speed.py", "quality.py"]

if __name__ == "__main__":
    failed = 0
    for script in SCRIPTS:
        print(f"\n=== {script}")
        failed += subprocess.call([sys.executable, str(HERE / script)]) != 0
    sys.exit(1 if failed else 0)
