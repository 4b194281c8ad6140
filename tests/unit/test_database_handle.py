"""lib.db.Database: the running app's handle, which closes and reopens its file now and then to
give DuckDB's native memory back — without losing a write, failing a unit of work in progress or
deadlocking threads that wait on each other."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import duckdb
import pytest

from lib import backup, db, store
from lib.validation import clean_contact

PROJECT_ROOT = db.PROJECT_ROOT


def _contact(name: str):
    return clean_contact({"name": name})


def _names(database) -> list[str]:
    with db.reading(database) as cur:
        return [r[0] for r in cur.execute("SELECT name FROM contacts ORDER BY id").fetchall()]


@pytest.fixture
def handle(tmp_path):
    made = []

    def make(reopen_after: int):
        database = db.Database(tmp_path / "app.duckdb", reopen_after=reopen_after)
        made.append(database)
        return database

    yield make
    for database in made:
        database.close()


def test_reopens_after_its_units_and_keeps_every_write(handle):
    database = handle(reopen_after=5)
    user = store.ensure_local_profile(database)
    for n in range(30):
        store.add_contact(database, user, _contact(f"Person {n}"))
    assert database.reopenings >= 5
    assert _names(database) == [f"Person {n}" for n in range(30)]


def test_no_reopening_before_its_units(handle):
    database = handle(reopen_after=1000)
    user = store.ensure_local_profile(database)
    for n in range(10):
        store.add_contact(database, user, _contact(f"Person {n}"))
    assert database.reopenings == 0


def test_reopened_file_is_still_hardened(handle, tmp_path):
    database = handle(reopen_after=1)
    store.ensure_local_profile(database)
    assert database.reopenings >= 1
    with pytest.raises(duckdb.Error):
        with db.reading(database) as cur:
            cur.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_concurrent_threads_lose_nothing_across_reopenings(handle):
    database = handle(reopen_after=25)
    user = store.ensure_local_profile(database)
    errors: list[BaseException] = []

    def work(thread: int) -> None:
        try:
            for n in range(40):
                db.with_retry(lambda: store.add_contact(database, user,
                                                        _contact(f"T{thread} #{n}")))
                _names(database)
        except BaseException as problem:  # reported below, not swallowed
            errors.append(problem)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert database.reopenings >= 3
    assert sorted(_names(database)) == sorted(f"T{t} #{n}" for t in range(6) for n in range(40))


def test_nested_units_in_one_thread_do_not_wait_for_themselves(handle, monkeypatch):
    monkeypatch.setattr(db, "DRAIN_WAIT_S", 60.0)  # waiting for itself would outlast the join
    database = handle(reopen_after=1)
    user = store.ensure_local_profile(database)
    done = threading.Event()

    def nested() -> None:
        with db.reading(database) as outer:
            outer.execute("SELECT 1").fetchall()
            for n in range(3):  # each inner unit ends with the reopening due
                with db.transaction(database) as cur:
                    store._insert_contact(cur, user, _contact(f"Nested {n}"))
            outer.execute("SELECT 1").fetchall()
        done.set()

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert done.is_set(), "a unit nested in another waited for the reopening it holds up"
    assert _names(database) == ["Nested 0", "Nested 1", "Nested 2"]
    assert database.reopenings >= 1


def test_a_unit_waiting_on_a_running_unit_puts_the_reopening_off(handle, monkeypatch):
    monkeypatch.setattr(db, "DRAIN_WAIT_S", 0.3)
    database = handle(reopen_after=2)
    store.ensure_local_profile(database)  # some units: the next one to end makes it due
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def holder() -> None:
        with db.reading(database) as cur:
            started.set()
            release.wait(timeout=20)  # waits for the main thread's next unit, as a lock would
            cur.execute("SELECT 1").fetchall()
        finished.set()

    reopenings = database.reopenings
    worker = threading.Thread(target=holder, daemon=True)
    worker.start()
    assert started.wait(timeout=10)
    with db.reading(database) as cur:  # ends with the reopening due, while `holder` runs
        cur.execute("SELECT 1").fetchall()
    waited: list[float] = []

    def waiter() -> None:
        began = time.monotonic()
        with db.reading(database) as cur:  # would wait for `holder`, which waits for this
            cur.execute("SELECT 1").fetchall()
        waited.append(time.monotonic() - began)
        release.set()

    second = threading.Thread(target=waiter, daemon=True)
    second.start()
    second.join(timeout=10)
    release.set()
    assert waited, "two units waiting on each other deadlocked"
    assert finished.wait(timeout=10)
    assert 0.2 < waited[0] < 5
    assert database.reopenings == reopenings  # put off, not done under a running unit
    for _ in range(3):
        with db.reading(database) as cur:
            cur.execute("SELECT 1").fetchall()
    assert database.reopenings > reopenings  # and done later


def test_closed_handle_refuses_new_units_and_stops_the_backup_schedule(handle, tmp_path):
    database = handle(reopen_after=1000)
    schedule = backup.BackupSchedule(database, every_hours=1000, keep=1,
                                     backup_root=tmp_path / "backups")
    database.close()
    with pytest.raises(duckdb.ConnectionException):
        with db.reading(database) as cur:
            cur.execute("SELECT 1")
    schedule.start()
    schedule.thread.join(timeout=10)
    assert not schedule.thread.is_alive()
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_file_taken_by_another_program_while_reopening_is_reported_then_recovered(
        handle, tmp_path, monkeypatch):
    """Between closing and opening again the file is free; if another program takes it then,
    units say so (DatabaseUnavailable, the message the app shows) until it is free again."""
    monkeypatch.setattr(db, "REOPEN_WAIT_S", 0.5)
    database = handle(reopen_after=3)
    user = store.ensure_local_profile(database)
    store.add_contact(database, user, _contact("Before"))
    holders: list[subprocess.Popen] = []

    def take_the_file() -> None:
        if holders:
            return
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(database.path), "3"],
                                  stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
        holders.append(holder)
        assert holder.stdout.readline().strip() == "holding"

    monkeypatch.setattr(db, "_give_memory_back", take_the_file)
    try:
        with pytest.raises(db.DatabaseUnavailable, match="in use by another program"):
            for n in range(10):
                store.add_contact(database, user, _contact(f"During {n}"))
        holders[0].wait(timeout=30)
        store.add_contact(database, user, _contact("After"))
    finally:
        for holder in holders:
            holder.kill()
    names = _names(database)
    assert names[0] == "Before" and names[-1] == "After"
    assert len(names) == len(set(names))
