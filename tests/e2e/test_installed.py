"""`pip install .` (not editable) gives a package that serves the whole app, its pages and its sample data,
from any folder."""

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.e2e.ui import nav
from tests.helpers import REPO

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # built from a copy of the files git would commit: an in-tree build/ folder could carry stale modules
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "--wheel-dir", str(out), "-q"], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TMPDIR=str(tmp_path_factory.mktemp("build"))))
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("automl_studio-*.whl")
    return path


def test_the_wheel_holds_the_packages_the_pages_and_the_sample_data(wheel):
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    share = next(n.split("/data/")[0] for n in names if ".data/data/" in n) + "/data/share/automl-studio/"
    assert share + "app.py" in names
    for page in (REPO / "pages").glob("*.py"):
        assert share + f"pages/{page.name}" in names
    for sample in ("titanic.csv", "penguins.csv", "diamonds.csv"):
        assert share + f"sample_data/{sample}" in names
    for module in ("automl/prediction/files.py", "automl/store/catalogue.py", "automl/cli/__main__.py",
                   "automl/cli/templates/report.html.j2", "explain/shapley.py", "ui/gate.py"):
        assert module in names
    assert not any(n.startswith(("tests/", "benchmarks/", "pages/", "sample_data/")) for n in names)
    entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "automl-studio = automl.cli.main:run" in entry_points


def test_installed_from_the_wheel_it_serves_the_whole_app_from_any_folder(wheel, tmp_path, serve, page):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    # its dependencies come from the test environment (no network here); the project only from the wheel
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "-q", str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import automl, automl.resources as r; print(automl.__file__); print(r.app_root())"],
                           capture_output=True, text=True, cwd=elsewhere, check=True).stdout.split()
    assert found == [str(site / "automl" / "__init__.py"), str(venv / "share" / "automl-studio")]

    server = serve(tmp_path / "ws", command=[str(venv / "bin" / "automl-studio")], cwd=elsewhere)
    page.goto(server.url)
    page.get_by_role("button", name="Use penguins").click()  # the sample data, from the installed copy
    page.get_by_role("heading", name="Alerts").wait_for()
    page.get_by_role("heading", name="Distributions").wait_for()
    nav(page, "Train")  # the sample's suggested target, species, carried to Train
    page.get_by_text("Problem type inferred:").filter(has_text="multiclass").wait_for()
    assert "Traceback" not in server.log_path.read_text()
