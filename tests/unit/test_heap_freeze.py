"""lib.ui.freeze_startup_heap: once per process, the libraries the pages use are loaded and moved
out of the collector's reach, so Streamlit's full collection after every run stays cheap — and a
run's own garbage is still collected."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = r"""
import gc, sys
from lib import ui

assert "openpyxl" not in sys.modules  # loaded by the freeze, not before
first, second = ui.freeze_startup_heap(), ui.freeze_startup_heap()
frozen = gc.get_freeze_count()

class Cycle:
    pass

a, b = Cycle(), Cycle()
a.other, b.other = b, a  # garbage made after the freeze: a cycle only the collector frees
del a, b
collected = gc.collect()
walked = len(gc.get_objects())  # what a full collection still walks (not the frozen ones)
print(first, second, frozen, "openpyxl" in sys.modules, collected >= 2, walked)
"""


def test_the_startup_heap_is_frozen_once_and_new_garbage_is_still_collected():
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    out = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    first, second, frozen, loaded, collected, walked = out
    assert (first, second, loaded, collected) == ("True", "False", "True", "True")
    assert int(frozen) > 50_000  # pandas, pyarrow, Altair, our modules
    assert int(walked) < int(frozen) // 10  # a full collection no longer walks them


def test_no_freeze_inside_pytest():
    from lib import ui

    assert os.environ.get("PYTEST_CURRENT_TEST")
    assert ui.freeze_startup_heap() is False


REFREEZE = r"""
import gc, threading, time
from lib import ui

class Cycle:
    pass

kept = [Cycle() for _ in range(5_000)]  # what sessions hold: live, renewed by their runs
a, b = Cycle(), Cycle()
a.other, b.other = b, a  # garbage that only the collector frees
del a, b
gc.freeze()  # as the startup freeze: the garbage cycle and `kept` are frozen now
found = ui.refreeze_heap()  # gives them back, collects, freezes what lives
frozen_after, walked = gc.get_freeze_count(), len(gc.get_objects())

# The thread refreezes only after a run said the app is in use.
gc.unfreeze()
thread = threading.Thread(target=ui._refreeze_while_in_use, args=(0.05,), daemon=True)
thread.start()
time.sleep(0.3)
idle = gc.get_freeze_count()
ui._in_use.set()
time.sleep(0.3)
print(found >= 2, frozen_after >= 5_000, walked, idle, gc.get_freeze_count() >= 5_000)
"""


def test_refreeze_collects_frozen_garbage_and_freezes_what_sessions_hold_while_in_use():
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    out = subprocess.run([sys.executable, "-c", REFREEZE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout.split()
    collected, kept_frozen, walked, idle, frozen_in_use = out
    assert (collected, kept_frozen, frozen_in_use) == ("True", "True", "True")
    assert int(walked) < 1_000  # the collection after a run no longer walks what is kept
    assert idle == "0"  # nothing refrozen while no run happened
