"""Run a file as `python FILE` runs it, in a fresh process, without paying for torch's import
each time: each run is a process forked from a server that imported torch, NumPy and matplotlib
once (the build's page runs start the same way, hooks/lessonrun.py). Nothing of the project is
loaded in it: the file sees its own folder, the standard library and the installed packages.
One difference from a new interpreter: what torch reads from the environment at import time
(OMP_NUM_THREADS, for one) comes from the server's environment, not from `env`."""

from __future__ import annotations

import concurrent.futures
import functools
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

PRELOAD = ["torch", "torch._dynamo", "numpy", "matplotlib.pyplot"]
PROJECT = Path(__file__).resolve().parent.parent


def run(script: Path, *args: str, cwd: Path, env: dict[str, str]
        ) -> subprocess.CompletedProcess:
    """`python script *args` in cwd with exactly env: its exit status, stdout and stderr."""
    command = [sys.executable, str(script), *map(str, args)]
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows: a plain process
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    code, out, err = _server().submit(_main, command[1:], str(cwd), env).result()
    return subprocess.CompletedProcess(command, code, out, err)


@functools.cache
def _server() -> concurrent.futures.ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *PRELOAD])
    return concurrent.futures.ProcessPoolExecutor(1, mp_context=context, max_tasks_per_child=1)


def _main(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[int, str, str]:
    """In the forked process: become `python *argv`, run it, return what it said."""
    script = argv[0]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = [str(Path(script).parent)] + [p for p in sys.path if p and not _ours(p)]
    for name, module in list(sys.modules.items()):  # this module, and whatever came with it
        if _ours(getattr(module, "__file__", None) or ""):
            del sys.modules[name]
    sys.argv = argv
    with tempfile.TemporaryFile("w+") as o, tempfile.TemporaryFile("w+") as e:
        sys.stdout.flush(), sys.stderr.flush()
        os.dup2(o.fileno(), 1), os.dup2(e.fileno(), 2)  # child processes' output too
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (stop.code is not None)
            if not isinstance(stop.code, (int, type(None))):
                print(stop.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - reported as Python reports it
            traceback.print_exc()
            code = 1
        sys.stdout.flush(), sys.stderr.flush()
        o.seek(0), e.seek(0)
        return code, o.read(), e.read()


def _ours(path: str) -> bool:
    """A path of the project's own code (the virtualenv inside it is not)."""
    if not path:
        return False
    path = Path(path).resolve()
    return path.is_relative_to(PROJECT) and not path.is_relative_to(Path(sys.prefix).resolve())
