"""The collector settings: paused around in-process reading, tuned only in a process that is the server's alone."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from s3vectors_mock._collector import SERVER_YOUNG_THRESHOLD, collection_paused, tune_for_a_server_process


@pytest.fixture
def collector() -> Iterator[None]:
    enabled, threshold = gc.isenabled(), gc.get_threshold()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("collector")
def test_a_pause_restores_the_collector_and_leaves_a_callers_choice_alone() -> None:
    gc.enable()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # nested: the outer pause re-enables
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()  # the caller's own choice
    with collection_paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_a_server_process_collects_young_objects_less_often() -> None:
    gc.set_threshold(700, 11, 12)
    tune_for_a_server_process()
    assert gc.get_threshold() == (SERVER_YOUNG_THRESHOLD, 11, 12)


def test_only_the_program_tunes_the_collector() -> None:
    # The program (argv from the command line) owns its process; main(argv) runs inside a caller's and must not.
    script = (
        "import gc, sys\n"
        "from s3vectors_mock.server import _cli\n"
        "print(gc.get_threshold()[0], flush=True)\n"
        "_cli.serve = lambda args: print(gc.get_threshold()[0], flush=True) or 0\n"
        "_cli.main(['serve'])\n"
        "sys.argv = ['s3vectors-mock', 'serve']\n"
        "_cli.main()\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120, check=True)
    default, after_a_run, in_the_program = result.stdout.split()
    assert after_a_run == default != str(SERVER_YOUNG_THRESHOLD)
    assert in_the_program == str(SERVER_YOUNG_THRESHOLD)
