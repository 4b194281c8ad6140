"""Load test through the real server, no browser: `python -m bench.load`.

    python -m bench.load                         # 40 sessions x 10 submits, app and bare form
    python -m bench.load --repeat 3              # three such pairs; verdict on the median ratio
    python -m bench.load --sessions 10 --submits 5 --no-record   # a quick look
    python -m bench.load --soak 600 --sessions 10                # 10-minute soak, memory

It starts `streamlit run app.py` on a fresh temporary database (its own port, headless), with
one administrator and `--sessions` student accounts created beforehand through lib.accounts,
each with a session token from `lib.accounts.start_session` — the value of the app's session
cookie `cc_session`, which each client sends with its websocket request, as a browser that
signed in earlier does. Each client (bench/load_client.py: Streamlit's own BackMsg/ForwardMsg
protobufs over /_stcore/stream) opens the app, follows the navigation to "Log a conversation"
and, once every session is there, submits the conversation form `--submits` times, back to back,
with random valid data — except that 10 % of the submissions are deliberately invalid (a new
contact without a name, a thank-you dated before the conversation, a referral without a name)
and 2 % are deliberately sent twice (the same rerun message, i.e. the same form state and so the
same submission id, as a double click or a browser's resend produces). Widget ids are read from
the elements the server sends, never assumed.

Latency is submit -> confirmation: from sending the rerun to the end of the run that shows the
page's success or error message (`script_finished`). Choosing the contact ("Who did you talk
to?", a widget outside the form that reruns by itself) is a separate interaction and is timed
separately. Throughput: submits confirmed per second while all sessions were submitting.

Afterwards, with the server stopped, the database must hold exactly the valid submissions, each
once (every submission carries a unique marker in "Next steps"): 0 lost, 0 duplicated, none of
the invalid ones; no exception on any page, no Traceback or ERROR line in the server's log, no
websocket closed by the server. Any of these failing makes the exit code 1.

The same client, in the same run, submits a one-field bare Streamlit form (bench/bare_form.py)
the same number of times from the same number of sessions: the baseline. Target: the app's p95
within 1.5x the bare form's.

`--soak SECONDS` instead runs the app alone: each session repeatedly signs in (a new websocket),
opens the page, submits `--submits` times with a short pause (`--think`) and leaves, until the
time is up; the server's resident memory (VmRSS) is sampled every `--sample` seconds. Growth is
measured from after the warm-up (`--warmup`, default 180 s — Streamlit keeps a disconnected
session for `server.disconnectedSessionTTL`, 120 s, so the sessions held settle only after that
and one more round — or 30 % of a shorter soak): the mean of the samples in the first minute
after it against the mean of the last minute.

Results are printed and, unless --no-record, appended to the "## Load" section at the end of
bench/RESULTS.md (created if missing); raw figures go to test-artifacts/load-*.json. Not part of
the pytest run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from bench.load_client import ProtocolError, Run, Session, today_utc
from tests.e2e import harness

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "RESULTS.md"
ARTIFACTS = REPO_ROOT / "test-artifacts"
BARE_FORM = REPO_ROOT / "bench" / "bare_form.py"
DB_ENV = "CAREER_CONVERSATIONS_DB"  # lib.db.DB_ENV
SESSION_COOKIE = "cc_session"  # lib.ui.SESSION_COOKIE
PAGE = "log_conversation"
TARGET_RATIO = 1.5
INVALID_SHARE = 0.10
RESEND_SHARE = 0.02
INVALID_KINDS = ("missing_name", "thank_you_before_held", "referral_without_name")

# The conversation form's labels (pages/log_conversation.py, lib/forms.py).
WHO = "Who did you talk to? *"
SAVE = "Save conversation"
SAVED = ("Saved your conversation with", "This conversation was already saved")
REJECTED = "Nothing was saved"
CRASHED = "Something went wrong on this page"  # app.py's message for an unexpected exception


def _say(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the server ----------------------------------------------------------------------------

@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")




@contextmanager
def serve(script: Path | str, workdir: Path, env: dict[str, str] | None = None,
          timeout: float = 60.0, options: list[str] = ()) -> Iterator[Server]:
    """`streamlit run script` on a free port with the test flags (and `options`, e.g.
    "runner.postScriptGC=false"), in the repository (so .streamlit/config.toml applies); its
    output goes to workdir/<script>-<port>.log. Stopped on exit."""
    port = harness.free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / f"{Path(script).stem}-{port}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
             "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
             f"--server.port={port}", "--server.address=127.0.0.1",
             *(f"--{option}" for option in options)],
            cwd=REPO_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(url, process, log_path)
    try:
        deadline = time.monotonic() + timeout
        while not harness.healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script} did not start:\n{server.log()}")
            time.sleep(0.1)
        yield server
    finally:
        harness.stop_process(process, timeout=15)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def sample_rss(pid: int, every: float, into: list[tuple[float, int]],
                     stop: asyncio.Event) -> None:
    start = time.monotonic()
    while not stop.is_set():
        try:
            into.append((round(time.monotonic() - start, 1), rss_kb(pid)))
        except OSError:
            return
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


_LOG_PROBLEM = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|Exception:")


def log_problems(text: str) -> list[str]:
    return [line for line in text.splitlines() if _LOG_PROBLEM.search(line)]


# --- accounts ------------------------------------------------------------------------------

def prepare_accounts(db_path: Path, sessions: int) -> list[tuple[int, str]]:
    """An administrator (the first account), then `sessions` students, each with a session
    token for the cookie. Runs before the server starts (one process per database file)."""
    sys.path.insert(0, str(REPO_ROOT))
    from lib import accounts, db

    con = db.connect(db_path)
    try:
        accounts.create_account(con, email="admin@load.example", password="load-admin-password",
                                display_name="Load Admin")
        students = []
        for n in range(sessions):
            account = accounts.create_account(
                con, email=f"student{n:03d}@load.example", password=f"load-password-{n:03d}",
                display_name=f"Load Student {n:03d}")
            students.append((account.id, accounts.start_session(con, account.id)))
        return students
    finally:
        con.close()


def stored_markers(db_path: Path, prefix: str) -> tuple[dict[str, list[int]], int]:
    """Conversations whose next steps carry a load marker: marker -> user ids (one per row);
    and the number of conversations in the database."""
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("SELECT next_steps, user_id FROM conversations"
                           " WHERE starts_with(next_steps, ?)", [prefix]).fetchall()
        total = con.execute("SELECT count(*) FROM conversations").fetchone()[0]
    finally:
        con.close()
    found: dict[str, list[int]] = {}
    for marker, user_id in rows:
        found.setdefault(marker, []).append(user_id)
    return found, total


# --- the plan ------------------------------------------------------------------------------

def plan(sessions: int, submits: int, seed: int) -> list[list[str]]:
    """Per session, the kind of each submission: "valid", "invalid" or "resend" — exactly
    10 % invalid and 2 % resends overall (rounded), spread at random."""
    total = sessions * submits
    invalid = round(total * INVALID_SHARE)
    resend = round(total * RESEND_SHARE)
    kinds = ["invalid"] * invalid + ["resend"] * resend + ["valid"] * (total - invalid - resend)
    random.Random(seed).shuffle(kinds)
    return [kinds[i * submits:(i + 1) * submits] for i in range(sessions)]


@dataclass
class Sample:
    session: int
    kind: str  # valid | invalid | resend
    latency: float  # submit -> first confirmation, seconds
    outcome: str  # saved | already | rejected | none | failed
    marker: str = ""
    user_id: int = 0
    runs: int = 1
    detail: str = ""
    started: float = 0.0
    finished: float = 0.0


def outcome_of(run: Run) -> str:
    success = " ".join(run.alerts("success"))
    if "already saved" in success:
        return "already"
    if any(text in success for text in ("Saved your conversation", "Saved:")):
        return "saved"
    if any(REJECTED in text for text in run.alerts("error")):
        return "rejected"
    return "none"


@dataclass
class Problems:
    exceptions: list[str] = field(default_factory=list)
    disconnects: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)

    def check(self, run: Run, who: str) -> None:
        for text in run.exceptions():
            self.exceptions.append(f"{who}: {text}")
        for text in run.alerts("error"):
            if CRASHED in text:
                self.exceptions.append(f"{who}: {text}")


_WORDS = ("data", "product", "design", "policy", "research", "health", "climate", "finance",
          "teaching", "consulting", "startup", "museum", "hospital", "bank", "studio", "lab")
_FIRST = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "June", "Kofi",
          "Lena", "Mateo", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tomas")
_LAST = ("Okafor", "Silva", "Novak", "Haddad", "Kim", "Larsen", "Mendes", "Patel", "Rossi",
         "Schmidt", "Tanaka", "Vega", "Walsh", "Yilmaz", "Zhou")


def _sentence(rng: random.Random, words: int = 6) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


# --- the users -----------------------------------------------------------------------------

class ConversationUser:
    """A signed-in student on "Log a conversation"."""

    def __init__(self, index: int, url: str, user_id: int, token: str, run_id: str,
                 rng: random.Random, problems: Problems):
        self.index = index
        self.url = url
        self.user_id = user_id
        self.token = token
        self.run_id = run_id
        self.rng = rng
        self.problems = problems
        self.session: Session | None = None
        self.serial = 0
        self.choose_latencies: list[float] = []

    async def start(self) -> None:
        self.session = Session(self.url, cookies={SESSION_COOKIE: self.token})
        await self.session.connect()
        run = await self.session.open(PAGE)
        self.problems.check(run, f"session {self.index} open")
        self.session.widget(SAVE)  # the form is there

    async def stop(self) -> None:
        if self.session is not None:
            if self.session.closed_by_server:
                self.problems.disconnects.append(f"session {self.index}: "
                                                 f"{self.session.closed_by_server}")
            await self.session.close()

    async def _choose_contact(self, new_contact: bool) -> tuple:
        """Pick "Someone new" or one of the contacts in "Who did you talk to?". Outside the
        form that is a rerun of its own (timed apart); inside it, it goes with the submit.
        Returns (widget, choice, is new, in form)."""
        s = self.session
        who = s.widget(WHO)
        options = who.options
        new_option = options[0]  # "Someone new — add them now"
        existing = options[1:]
        target = new_option if new_contact or not existing else self.rng.choice(existing)
        if who.form_id:
            return who, target, target == new_option, True
        sent = s.values.get(who.id)
        if sent is not None and sent.WhichOneof("value") == "string_value":
            current = sent.string_value
        elif who.proto.HasField("default"):
            current = options[who.proto.default]
        else:
            current = None
        if current != target:
            started = time.monotonic()
            await s.send(s.rerun_message({who: target}, fragment_id=who.fragment_id))
            run = await s.next_run()
            self.choose_latencies.append(run.finished - started)
            self.problems.check(run, f"session {self.index} choose contact")
        return who, target, target == new_option, False

    async def submit(self, kind: str) -> Sample:
        rng = self.rng
        self.serial += 1
        marker = f"{self.run_id}-s{self.index:03d}-n{self.serial:03d}"
        invalid = rng.choice(INVALID_KINDS) if kind == "invalid" else None
        who, choice, is_new, in_form = await self._choose_contact(
            new_contact=invalid == "missing_name" or rng.random() < 0.5)
        s = self.session
        w = s.widgets()
        changes = {}

        def put(label: str, value) -> None:
            if label not in w:
                raise ProtocolError(f"no widget labelled {label!r} on the page")
            changes[w[label]] = value

        if in_form:
            put(WHO, choice)
        today = today_utc()
        if is_new:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {uuid.uuid4().hex[:6]}"
            put("Name *", "" if invalid == "missing_name" else name)
            put("Organization", f"{rng.choice(_WORDS).capitalize()} {rng.choice(_WORDS)} Ltd")
            put("Role / title", rng.choice(("Analyst", "Engineer", "Director", "Curator")))
            put("Industry", rng.choice(w["Industry"].options))
            put("How you found them", rng.choice(w["How you found them"].options))
            put("Priority", rng.choice(w["Priority"].options))
        elif in_form and "Name *" in w:
            # The form keeps what an earlier, rejected attempt typed under "Someone new"; a
            # student choosing an existing contact clears it (else the page asks them to).
            for label in ("Name *", "Organization", "Role / title"):
                put(label, "")
        held_on = today - dt.timedelta(days=rng.randint(0, 120))
        put("Date held *", held_on)
        put("Format *", rng.choice(w["Format *"].options))
        put("Duration (minutes)", rng.choice((15, 20, 30, 45, 60)))
        put("Questions you prepared (one per line)",
            "\n".join(_sentence(rng, 5)[:-1] + "?" for _ in range(rng.randint(0, 3))))
        for i in range(1, 4):
            if f"Insight {i}" in w:
                put(f"Category of insight {i}", rng.choice(w[f"Category of insight {i}"].options))
                put(f"Insight {i}", _sentence(rng) if rng.random() < 0.7 else "")
        referral = invalid == "referral_without_name" or rng.random() < 0.3
        put("Referral 1 name", "" if invalid == "referral_without_name" or not referral
            else f"{rng.choice(_FIRST)} {rng.choice(_LAST)}")
        put("Referral 1 organization", f"{rng.choice(_WORDS).capitalize()} Co" if referral else "")
        put("Referral 1 role", "")
        put("Next steps", marker)
        for label in ("Career-goal clarity before (1 = foggy, 5 = clear)",
                      "Career-goal clarity after (1 = foggy, 5 = clear)"):
            put(label, rng.choice(w[label].options) if rng.random() < 0.8 else None)
        put("What changed in my thinking", _sentence(rng, 8) if rng.random() < 0.5 else "")
        thank_label = "Thank-you sent on (leave empty if not yet)"
        if invalid == "thank_you_before_held":
            put(thank_label, held_on - dt.timedelta(days=rng.randint(1, 5)))
        elif rng.random() < 0.5:
            put(thank_label, min(today, held_on + dt.timedelta(days=rng.randint(0, 2))))
        else:
            put(thank_label, None)
        share = rng.random() < 0.3
        put("Share my insights with my class", share)
        put("Show my name with them", share and rng.random() < 0.5)
        save = w[SAVE]
        changes[save] = True
        message = s.rerun_message(changes, fragment_id=save.fragment_id)
        return await _timed_submit(s, message, kind, self.index, marker, self.user_id,
                                   self.problems)


class BareUser:
    """A visitor of the one-field bare form."""

    def __init__(self, index: int, url: str, run_id: str, rng: random.Random,
                 problems: Problems):
        self.index = index
        self.url = url
        self.run_id = run_id
        self.rng = rng
        self.problems = problems
        self.session: Session | None = None
        self.serial = 0
        self.choose_latencies: list[float] = []

    async def start(self) -> None:
        self.session = Session(self.url)
        await self.session.connect()
        run = await self.session.open("")
        self.problems.check(run, f"bare session {self.index} open")
        self.session.widget("Save")

    stop = ConversationUser.stop

    async def submit(self, kind: str) -> Sample:
        self.serial += 1
        marker = f"{self.run_id}-s{self.index:03d}-n{self.serial:03d}"
        s = self.session
        w = s.widgets()
        note = "" if kind == "invalid" else f"{marker} {_sentence(self.rng)}"
        message = s.rerun_message({w["Note"]: note, w["Save"]: True},
                                  fragment_id=w["Save"].fragment_id)
        return await _timed_submit(s, message, kind, self.index, marker, 0, self.problems)


async def _timed_submit(s: Session, message, kind: str, index: int, marker: str,
                        user_id: int, problems: Problems) -> Sample:
    while not s._finished.empty():  # a run nobody asked for: count it, don't mistake it
        extra = s._finished.get_nowait()
        problems.client_errors.append(f"session {index}: unexpected run (status {extra.status})")
    started = time.monotonic()
    await s.send(message)
    if kind == "resend":
        await s.send(message)  # the same form state again: a double click / a resend
        runs = await s.settle(quiet=0.5)
    else:
        runs = [await s.next_run()]
    for run in runs:
        problems.check(run, f"session {index} submit {marker}")
    outcomes = [outcome_of(run) for run in runs]
    confirmed = next((i for i, o in enumerate(outcomes) if o != "none"), 0)
    detail = ",".join(outcomes)
    if outcomes[confirmed] == "rejected":  # what the page said, for a wrong confirmation
        detail += ": " + " | ".join(runs[confirmed].alerts("error"))
    return Sample(session=index, kind=kind, latency=runs[confirmed].finished - started,
                  outcome=outcomes[confirmed], marker=marker, user_id=user_id, runs=len(runs),
                  detail=detail, started=started, finished=runs[-1].finished)


# --- running -------------------------------------------------------------------------------

async def drive(users: list, kinds: list[list[str]], *, think: float = 0.0,
                until: float | None = None) -> tuple[list[Sample], float, float]:
    """Start every user, then let them all submit their `kinds` at once. With `until` (a
    monotonic deadline), each user leaves after its list and comes back as a new session
    until the time is up (soak). Returns the samples and the submit phase's start and end."""
    problems = users[0].problems
    samples: list[Sample] = []
    await asyncio.gather(*(u.start() for u in users))
    go = time.monotonic()

    async def one(user, own: list[str]) -> None:
        while True:
            for kind in own:
                try:
                    samples.append(await user.submit(kind))
                except ProtocolError as problem:
                    problems.client_errors.append(f"session {user.index}: {problem}")
                    samples.append(Sample(user.index, kind, float("nan"), "failed",
                                          detail=str(problem)))
                    return
                if think:
                    await asyncio.sleep(think * (0.5 + user.rng.random()))
            if until is None or time.monotonic() >= until:
                return
            await user.stop()  # leave; come back as a new tab (a new Streamlit session)
            user.session = None
            try:
                await user.start()
            except ProtocolError as problem:
                problems.client_errors.append(f"session {user.index} reopen: {problem}")
                return

    try:
        await asyncio.gather(*(one(u, k) for u, k in zip(users, kinds)))
    finally:
        end = time.monotonic()
        await asyncio.gather(*(u.stop() for u in users))
    return samples, go, end


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = q / 100 * (len(ordered) - 1)
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def summarize(samples: list[Sample], go: float, end: float) -> dict:
    ok = [s for s in samples if s.outcome != "failed"]
    latencies = [s.latency for s in ok]
    by_kind = {}
    for kind in ("valid", "invalid", "resend"):
        values = [s.latency for s in ok if s.kind == kind]
        if values:
            by_kind[kind] = {"n": len(values), "p50": percentile(values, 50),
                             "p95": percentile(values, 95)}
    return {
        "submits": len(samples), "confirmed": len(ok),
        "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99), "max": max(latencies, default=float("nan")),
        "mean": statistics.fmean(latencies) if latencies else float("nan"),
        "seconds": end - go, "throughput": len(ok) / (end - go) if end > go else 0.0,
        "by_kind": by_kind,
    }


def check_outcomes(samples: list[Sample]) -> list[str]:
    """Each valid submission confirmed as saved (a resend: saved, or "already saved"), each
    invalid one rejected."""
    wrong = []
    for s in samples:
        expected = {"valid": {"saved"}, "resend": {"saved", "already"},
                    "invalid": {"rejected"}}[s.kind]
        if s.outcome not in expected:
            wrong.append(f"session {s.session} {s.kind} {s.marker}: {s.outcome} ({s.detail})")
    return wrong


def check_rows(db_path: Path, samples: list[Sample], prefix: str) -> dict:
    found, total = stored_markers(db_path, prefix)
    expected = {s.marker: s.user_id for s in samples if s.kind in ("valid", "resend")}
    invalid = {s.marker for s in samples if s.kind == "invalid"}
    lost = sorted(set(expected) - set(found))
    duplicated = sorted(m for m, users in found.items() if len(users) > 1)
    unexpected = sorted(set(found) - set(expected))
    wrong_user = sorted(m for m, users in found.items()
                        if m in expected and any(u != expected[m] for u in users))
    return {"expected": len(expected), "stored": sum(len(u) for u in found.values()),
            "conversations_in_db": total, "lost": lost, "duplicated": duplicated,
            "stored_invalid": sorted(set(unexpected) & invalid),
            "unexpected": unexpected, "wrong_user": wrong_user}


def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import streamlit

    return {"cpu": cpu, "cpus": os.cpu_count(), "memory": memory,
            "python": platform.python_version(), "streamlit": streamlit.__version__,
            "system": f"{platform.system()} {platform.release()}"}


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def load_app(args, workdir: Path, run_id: str) -> dict:
    db_path = workdir / "load.duckdb"
    students = prepare_accounts(db_path, args.sessions)
    kinds = plan(args.sessions, args.submits, args.seed)
    problems = Problems()
    rss: list[tuple[float, int]] = []
    with serve("app.py", workdir, {DB_ENV: str(db_path)}, options=args.option) as server:
        users = [ConversationUser(i, server.url, uid, token, run_id,
                                  random.Random(args.seed * 1000 + i), problems)
                 for i, (uid, token) in enumerate(students)]
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(server.process.pid, 1.0, rss, stop))
        load_before = loadavg()
        try:
            samples, go, end = await drive(users, kinds)
        finally:
            stop.set()
            await sampler
        load_after = loadavg()
        alive = server.process.poll() is None
    log = server.log()
    result = {
        "what": "app", "sessions": args.sessions, "submits_per_session": args.submits,
        "summary": summarize(samples, go, end),
        "choose_contact": _latency_summary([x for u in users for x in u.choose_latencies]),
        "outcomes_wrong": check_outcomes(samples),
        "rows": check_rows(db_path, samples, run_id),
        "log_problems": log_problems(log), "server_alive_to_the_end": alive,
        "exceptions": problems.exceptions, "disconnects": problems.disconnects,
        "client_errors": problems.client_errors,
        "rss_mb_peak": max((kb for _, kb in rss), default=0) / 1024,
        "loadavg_before": load_before, "loadavg_after": load_after,
    }
    return result


async def load_bare(args, workdir: Path, run_id: str) -> dict:
    kinds = plan(args.sessions, args.submits, args.seed)
    problems = Problems()
    with serve(BARE_FORM, workdir, options=args.option) as server:
        users = [BareUser(i, server.url, run_id, random.Random(args.seed * 1000 + i), problems)
                 for i in range(args.sessions)]
        load_before = loadavg()
        samples, go, end = await drive(users, kinds)
        load_after = loadavg()
        alive = server.process.poll() is None
    return {
        "what": "bare form", "sessions": args.sessions, "submits_per_session": args.submits,
        "summary": summarize(samples, go, end),
        "outcomes_wrong": check_outcomes(samples),
        "log_problems": log_problems(server.log()), "server_alive_to_the_end": alive,
        "exceptions": problems.exceptions, "disconnects": problems.disconnects,
        "client_errors": problems.client_errors,
        "loadavg_before": load_before, "loadavg_after": load_after,
    }


def _latency_summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95)}


def _per_minute(rss: list[tuple[float, int]]) -> list[int]:
    """The mean resident set (MB) of each minute of samples (seconds, KB)."""
    minutes: dict[int, list[int]] = {}
    for t, kb in rss:
        minutes.setdefault(int(t // 60), []).append(kb)
    return [round(statistics.fmean(kbs) / 1024) for _, kbs in sorted(minutes.items())]


async def soak(args, workdir: Path, run_id: str) -> dict:
    db_path = workdir / "soak.duckdb"
    students = prepare_accounts(db_path, args.sessions)
    problems = Problems()
    rss: list[tuple[float, int]] = []
    # Streamlit keeps a disconnected session for server.disconnectedSessionTTL (120 s): the
    # number of sessions held, and so the memory, settles only after that and one more round.
    warmup = args.warmup if args.warmup is not None else min(180.0, args.soak * 0.3)
    with serve("app.py", workdir, {DB_ENV: str(db_path)}, options=args.option) as server:
        users = [ConversationUser(i, server.url, uid, token, run_id,
                                  random.Random(args.seed * 1000 + i), problems)
                 for i, (uid, token) in enumerate(students)]
        # Each round of a session: `submits` submissions with the usual mix, then leave.
        kinds = [plan(1, args.submits, args.seed + i)[0] for i in range(args.sessions)]
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample_rss(server.process.pid, args.sample, rss, stop))
        load_before = loadavg()
        try:
            samples, go, end = await drive(users, kinds, think=args.think,
                                           until=time.monotonic() + args.soak)
        finally:
            stop.set()
            await sampler
        load_after = loadavg()
        alive = server.process.poll() is None
    log = server.log()
    after = [(t, kb) for t, kb in rss if t >= warmup]
    first = [kb for t, kb in after if t < warmup + 60]
    last = [kb for t, kb in after if t >= rss[-1][0] - 60] if rss else []
    base = statistics.fmean(first) if first else float("nan")
    final = statistics.fmean(last) if last else float("nan")
    return {
        "what": "soak", "sessions": args.sessions, "seconds": args.soak, "think": args.think,
        "warmup_s": warmup, "summary": summarize(samples, go, end),
        "outcomes_wrong": check_outcomes(samples), "rows": check_rows(db_path, samples, run_id),
        "log_problems": log_problems(log), "server_alive_to_the_end": alive,
        "exceptions": problems.exceptions, "disconnects": problems.disconnects,
        "client_errors": problems.client_errors,
        "rss_mb": {"start": rss[0][1] / 1024 if rss else 0, "after_warmup": base / 1024,
                   "end": final / 1024, "peak": max(kb for _, kb in rss) / 1024 if rss else 0,
                   "growth_pct": (final - base) / base * 100 if base else float("nan"),
                   "samples": len(rss)},
        "rss_series": rss,
        "rss_per_minute": _per_minute(rss),
        "reopenings": log.count(REOPENED),
        "loadavg_before": load_before, "loadavg_after": load_after,
    }


def failures(result: dict) -> list[str]:
    found = []
    rows = result.get("rows")
    if rows:
        for key in ("lost", "duplicated", "unexpected", "wrong_user"):
            if rows[key]:
                found.append(f"{len(rows[key])} {key} rows: {rows[key][:5]}")
    for key in ("outcomes_wrong", "log_problems", "exceptions", "disconnects", "client_errors"):
        if result[key]:
            found.append(f"{len(result[key])} {key}: {result[key][:5]}")
    if not result["server_alive_to_the_end"]:
        found.append("the server exited during the run")
    return found


# --- reporting -----------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _options(options: list[str]) -> str:
    return ("Streamlit options for both servers: " + ", ".join(f"`{o}`" for o in options)
            + "." if options else "Streamlit settings: the project's .streamlit/config.toml.")


def describe_load(app: dict, bare: dict, info: dict, started: str,
                  options: list[str] = ()) -> str:
    a, b = app["summary"], bare["summary"]
    ratio = a["p95"] / b["p95"] if b["p95"] else float("nan")
    rows = app["rows"]
    verdict = "met" if ratio <= TARGET_RATIO else "not met"
    lines = [
        f"### Load run {started}: {app['sessions']} sessions x {app['submits_per_session']}"
        " submits",
        "",
        f"Machine: {info['cpu']}, {info['cpus']} CPUs, {info['memory']}; {info['system']}; "
        f"Python {info['python']}, Streamlit {info['streamlit']}. Load average (1/5/15 min) "
        f"before/after: bare {bare['loadavg_before']} / {bare['loadavg_after']}; app "
        f"{app['loadavg_before']} / {app['loadavg_after']}. {_options(options)}",
        "",
        "| submit -> confirmation | submits | p50 | p95 | p99 | max | throughput |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in (("bare one-field form", b), ("Log a conversation", a)):
        lines.append(f"| {name} | {s['confirmed']}/{s['submits']} | {_ms(s['p50'])} | "
                     f"{_ms(s['p95'])} | {_ms(s['p99'])} | {_ms(s['max'])} | "
                     f"{s['throughput']:.1f}/s |")
    kinds = ", ".join(f"{k} {v['n']} (p50 {_ms(v['p50'])}, p95 {_ms(v['p95'])})"
                      for k, v in a["by_kind"].items())
    choose = app["choose_contact"]
    lines += [
        "",
        f"p95 ratio app / bare: **{ratio:.2f}x** (target {TARGET_RATIO}x: {verdict}). "
        f"App submissions by kind: {kinds}. Choosing the contact first (its own rerun, not in "
        f"the figures above): {choose['n']} times, p50 {_ms(choose['p50'])}, "
        f"p95 {_ms(choose['p95'])}.",
        f"Rows: {rows['stored']} stored for {rows['expected']} valid unique submissions "
        f"({rows['conversations_in_db']} conversations in the database): lost "
        f"{len(rows['lost'])}, duplicated {len(rows['duplicated'])}, invalid stored "
        f"{len(rows['stored_invalid'])}, other unexpected {len(rows['unexpected'])}. Wrong "
        f"confirmations: app {len(app['outcomes_wrong'])}, bare {len(bare['outcomes_wrong'])}. "
        f"Server exceptions (page or log): {len(app['exceptions']) + len(app['log_problems'])} "
        f"app, {len(bare['exceptions']) + len(bare['log_problems'])} bare. Disconnects: "
        f"{len(app['disconnects']) + len(bare['disconnects'])}. App server peak RSS "
        f"{app['rss_mb_peak']:.0f} MB.",
        "",
    ]
    return "\n".join(lines)


# What lib.db.Database logs each time it closes and reopens the file.
REOPENED = "database closed and opened again"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def describe_soak(result: dict, info: dict, started: str, options: list[str] = ()) -> str:
    s, m, rows = result["summary"], result["rss_mb"], result["rows"]
    verdict = "met" if m["growth_pct"] < 10 else "not met"
    return "\n".join([
        f"### Soak {started}: {result['sessions']} sessions for {result['seconds']:.0f} s",
        "",
        f"Machine: {info['cpu']}, {info['cpus']} CPUs, {info['memory']}. Load average before/"
        f"after: {result['loadavg_before']} / {result['loadavg_after']}. Each session: "
        f"submits with a pause of ~{result['think']} s, a new websocket (new Streamlit "
        f"session) every round of submissions. {_options(options)}",
        "",
        f"{s['confirmed']} submits ({s['throughput']:.1f}/s), p50 {_ms(s['p50'])}, "
        f"p95 {_ms(s['p95'])}, p99 {_ms(s['p99'])}. Server RSS: {m['start']:.0f} MB at "
        f"start, {m['after_warmup']:.0f} MB in the minute after the {result['warmup_s']:.0f} s "
        f"warm-up, {m['end']:.0f} MB in the last minute (peak {m['peak']:.0f} MB, "
        f"{m['samples']} samples): growth **{m['growth_pct']:+.1f} %** (target < 10 %: "
        f"{verdict}).",
        f"Rows: {rows['stored']} stored for {rows['expected']} valid unique submissions: "
        f"lost {len(rows['lost'])}, duplicated {len(rows['duplicated'])}, unexpected "
        f"{len(rows['unexpected'])}. Wrong confirmations {len(result['outcomes_wrong'])}; "
        f"server exceptions {len(result['exceptions']) + len(result['log_problems'])}; "
        f"disconnects {len(result['disconnects'])}.",
        f"RSS each minute (MB): {', '.join(str(mb) for mb in result['rss_per_minute'])}. "
        f"The app closed and reopened its database {_times(result['reopenings'])} to give "
        "memory back (lib.db.Database).",
        "",
    ])


SECTION = "## Load"
INTRO = """## Load

`python -m bench.load` (bench/load.py; see its docstring): a browserless client speaking
Streamlit's websocket protocol signs in as N different students (the `cc_session` cookie) and
submits the "Log a conversation" form back to back — 10 % invalid, 2 % sent twice — against
`streamlit run app.py`, then the same against a one-field bare form (bench/bare_form.py) in the
same run. `python -m bench.load --soak 600 --sessions 10` is the memory soak. Each run below was
appended by the script; the notes are by hand.
"""


def record(text: str, path: Path = RESULTS) -> None:
    """Append `text` at the end of the "## Load" section (the file's last section; created if
    missing), leaving everything before it as it is."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    start = current.find("\n" + SECTION + "\n")
    if start < 0:
        current = current.rstrip("\n") + "\n\n" + INTRO + "\n"
        start = current.find("\n" + SECTION + "\n")
    following = re.search(r"^## ", current[start + len(SECTION) + 2:], re.MULTILINE)
    end = len(current) if following is None else start + len(SECTION) + 2 + following.start()
    section = current[start:end].rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    path.write_text(current[:start] + section + ("\n" + current[end:] if end < len(current)
                                                 else ""), encoding="utf-8")


def describe_repeats(pairs: list[dict]) -> str:
    """The verdict over several bare/app pairs run back to back: on the median p95 ratio (the
    bare form's p95 moves between runs far more than the app's)."""
    ratios = [p["app"]["summary"]["p95"] / p["bare"]["summary"]["p95"] for p in pairs]
    middle = statistics.median(ratios)
    verdict = "met" if middle <= TARGET_RATIO else "not met"
    apps = ", ".join(_ms(p["app"]["summary"]["p95"]) for p in pairs)
    bares = ", ".join(_ms(p["bare"]["summary"]["p95"]) for p in pairs)
    return (f"\n**Over {len(pairs)} pairs run back to back:** p95 ratios "
            f"{', '.join(f'{r:.2f}x' for r in ratios)}; median **{middle:.2f}x** (target "
            f"{TARGET_RATIO}x: {verdict}). App p95 {apps}; bare form p95 {bares}.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__,
        epilog="See the module docstring (bench/load.py) for what is measured and checked.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=40, help="concurrent sessions (40)")
    parser.add_argument("--submits", type=int, default=10, help="submits per session (10)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the bare/app pair this many times; judge the median ratio")
    parser.add_argument("--only", choices=("app", "bare"), help="run one side only")
    parser.add_argument("--soak", type=float, metavar="SECONDS",
                        help="soak the app for this long instead (memory growth)")
    parser.add_argument("--think", type=float, default=0.5,
                        help="soak: mean pause between a session's submits, s (0.5)")
    parser.add_argument("--sample", type=float, default=5.0,
                        help="soak: seconds between memory samples (5)")
    parser.add_argument("--warmup", type=float, default=None,
                        help="soak: seconds excluded before the memory baseline "
                             "(default 180, or 30 %% of a shorter soak)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit option for both servers, e.g. "
                             "runner.postScriptGC=false (repeatable)")
    parser.add_argument("--no-record", action="store_true",
                        help="do not append the results to bench/RESULTS.md")
    args = parser.parse_args(argv)

    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    run_id = f"load-{uuid.uuid4().hex[:8]}"
    info = machine()
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        if args.soak:
            _say(f"soak: {args.sessions} sessions for {args.soak:.0f} s")
            result = asyncio.run(soak(args, workdir, run_id))
            results = {"soak": result}
            text = describe_soak(result, info, started, args.option)
        else:
            pairs = []
            for repeat in range(max(1, args.repeat)):
                pair = {}
                folder = workdir / f"pair-{repeat}"  # each pair on fresh databases
                folder.mkdir()
                if args.only != "app":
                    _say(f"bare form: {args.sessions} sessions x {args.submits} submits")
                    pair["bare"] = asyncio.run(load_bare(args, folder, run_id))
                    _say(f"bare form: p95 {_ms(pair['bare']['summary']['p95'])}")
                if args.only != "bare":
                    _say(f"app: {args.sessions} sessions x {args.submits} submits")
                    pair["app"] = asyncio.run(load_app(args, folder, run_id))
                    _say(f"app: p95 {_ms(pair['app']['summary']['p95'])}")
                pairs.append(pair)
            results = dict(pairs[-1])
            if len(pairs) > 1:
                results["pairs"] = pairs
            if len(results.keys() & {"app", "bare"}) == 2:
                text = "\n".join(describe_load(pair["app"], pair["bare"], info, started,
                                               args.option) for pair in pairs)
                if len(pairs) > 1:
                    text += describe_repeats(pairs)
            else:
                text = json.dumps({k: v["summary"] for k, v in results.items()
                                   if k in ("app", "bare")}, indent=1)
    results["machine"] = info
    results["options"] = args.option
    name = "soak" if args.soak else "load"
    (ARTIFACTS / f"{name}-{run_id}.json").write_text(json.dumps(results, indent=1, default=str))
    print(text)
    problems = [f"{what}: {p}" for pair in results.get("pairs", [results])
                for what, r in pair.items() if what in ("app", "bare", "soak")
                for p in failures(r)]
    for problem in problems:
        print(f"FAILED {problem}")
    if not args.no_record and (args.soak or ("app" in results and "bare" in results)):
        record(text)
        _say(f"appended to {RESULTS.relative_to(REPO_ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
