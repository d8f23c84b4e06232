"""The CLI's entry point tunes Python's collector for a one-job process (lib/collector.py)."""

import gc
import subprocess
import sys
import textwrap

from orchestration.lib import collector


def test_the_cli_entry_point_raises_the_thresholds_and_skips_the_walk_at_exit():
    # in a child: main() changes process-wide state, and its effect at exit is the point
    probe = textwrap.dedent(
        """
        import atexit, gc, sys
        atexit.register(lambda: print(gc.get_threshold()[0], gc.get_freeze_count() > 0))
        sys.argv = ["cleanslate", "--help"]
        from orchestration.cli import main
        try:
            main()
        except SystemExit:
            pass
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    # atexit calls in reverse order: main's freeze ran before the probe's line was printed
    assert out.strip().splitlines()[-1] == f"{collector.THRESHOLDS[0]} True"


def test_tune_sets_the_thresholds():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        collector.tune()
        assert gc.get_threshold() == collector.THRESHOLDS
    finally:
        gc.set_threshold(*before)
