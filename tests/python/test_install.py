"""The package after `cmake --install`: installed into a temporary prefix, where Debian's
python3 looks (PREFIX/lib/python3/dist-packages), it imports from there and reads a real
checkpoint; `evocluster report` of the installed program uses the installed package."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import EVO_BIN, checkpoints


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    build_dir = pathlib.Path(EVO_BIN).parent
    done = subprocess.run(["cmake", "--install", str(build_dir), "--prefix", str(prefix)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    yield prefix
    shutil.rmtree(prefix)  # some 150 MB of libraries and docs


def test_installed_package_imports_from_the_prefix(prefix, runs):
    site = prefix / "lib" / "python3" / "dist-packages"
    assert (site / "evocluster" / "__init__.py").is_file()
    assert not list(site.rglob("__pycache__")), "the install copied __pycache__"
    script = ("import sys, evocluster; "
              "c = evocluster.load_checkpoint(sys.argv[1]); "
              "print(evocluster.__file__); print(c.generation, len(c.hall_of_fame[0]))")
    # -I: isolated, so neither PYTHONPATH nor the working directory can supply the package.
    done = subprocess.run([sys.executable, "-I", "-c",
                           f"import sys; sys.path.insert(0, {str(site)!r}); {script}",
                           str(checkpoints(runs["single.np1"])[-1])],
                          capture_output=True, text=True, timeout=60, cwd=prefix)
    assert done.returncode == 0, done.stderr
    location, facts = done.stdout.splitlines()
    assert location.startswith(str(site)), location
    assert facts == "6 5"


def test_installed_report_uses_the_installed_package(prefix, runs, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([str(prefix / "bin" / "evocluster"), "report", str(runs["single.np1"]),
                           "--into", str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report" / "index.html").is_file()
