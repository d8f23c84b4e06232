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


def test_release_collects_a_large_stage_s_cycles_and_gives_the_pages_back():
    # in a child: RSS is the process's, and the test process's own heap would blur it
    probe = textwrap.dedent(
        """
        import gc, weakref
        from orchestration.lib import collector
        gc.disable()  # as if the thresholds had not come round yet

        class Node:
            pass

        node = Node()
        node.self, node.payload = node, [bytes(1000) + bytes([i % 256]) for i in range(300_000)]
        alive = weakref.ref(node)
        del node
        before = collector._rss()
        skipped = collector.release(min_rss=1 << 50)  # under the bound: nothing happens
        print(skipped, alive() is not None)
        ran = collector.release(min_rss=0)
        print(ran, alive() is None, (before - collector._rss()) >> 20)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "False True"
    ran, collected, freed_mib = out[1].split()
    assert (ran, collected) == ("True", "True")
    assert int(freed_mib) > 200  # ~300 MiB of small objects back to the OS
