"""`python -m bench [--scales class,department,university] [--runs 5]`: see bench/__init__.py."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import pages, report

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = REPO_ROOT / "test-artifacts" / "bench.json"  # raw figures; not committed


def _say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _people(con) -> dict:
    """The student with the median number of records, their class and its instructor, and up to
    five of that instructor's classes (theirs first) for the comparison."""
    with con.cursor() as cur:
        students = cur.execute("""
            WITH n AS (
                SELECT user_id, count(*) AS n FROM contacts GROUP BY user_id
                UNION ALL SELECT user_id, count(*) FROM outreach GROUP BY user_id
                UNION ALL SELECT user_id, count(*) FROM conversations GROUP BY user_id
                UNION ALL SELECT user_id, count(*) FROM insights GROUP BY user_id)
            SELECT u.id, coalesce(sum(n.n), 0) AS records
            FROM users u LEFT JOIN n ON n.user_id = u.id
            WHERE u.role = 'student' GROUP BY u.id ORDER BY records, u.id
        """).fetchall()
        student = students[(len(students) - 1) // 2][0]
        counts = cur.execute("""
            SELECT (SELECT count(*) FROM contacts WHERE user_id = $u),
                   (SELECT count(*) FROM outreach WHERE user_id = $u),
                   (SELECT count(*) FROM conversations WHERE user_id = $u),
                   (SELECT count(*) FROM insights WHERE user_id = $u)""", {"u": student}).fetchone()
        class_id, instructor = cur.execute(
            "SELECT c.id, c.instructor_id FROM enrolments e JOIN classes c ON c.id = e.class_id"
            " WHERE e.student_id = ? AND e.removed_at IS NULL ORDER BY c.id LIMIT 1",
            [student]).fetchone()
        size = cur.execute("SELECT count(*) FROM enrolments WHERE class_id = ?"
                           " AND removed_at IS NULL", [class_id]).fetchone()[0]
        theirs = [r[0] for r in cur.execute(
            "SELECT id FROM classes WHERE instructor_id = ? ORDER BY id <> ?, id LIMIT 5",
            [instructor, class_id]).fetchall()]
    return {"student": {"id": student, "records": dict(zip(
                ("contacts", "outreach", "conversations", "insights"), counts))},
            "class": {"id": class_id, "students": size},
            "instructor": {"id": instructor}, "compared": theirs}


def _student_chart_specs(con, student: int, today: dt.date) -> list[str]:
    """The student dashboard's charts as the page shows them (lib.chart_images: server-drawn SVG
    images in their HTML), built by the page's own lib.dashboard over its default date range."""
    from lib import chart_images, queries
    from lib.dashboard import build_student_view

    first, _ = queries.activity_bounds(con, student)
    view = build_student_view(con, student, queries.Filters(start=min(first or today, today),
                                                            end=today), today=today)
    return [chart_images.picture_html(panel.spec, panel.description, wide=name == "weekly")
            for name, panel in view.charts.items() if panel.spec is not None]


def _measure_pages(db_path: Path, people: dict, runs: int,
                   today: dt.date) -> tuple[dict, dict, list[dict]]:
    """AppTest timings of every page of the two roles, hello world and log_conversation; the
    charts each role's first page shows; the student dashboard's chart specs."""
    import streamlit as st

    from lib import accounts, ui

    os.environ["CAREER_CONVERSATIONS_DB"] = str(db_path)
    # Pages run in this process under AppTest; the warning logged with a stack trace for every
    # chart drawn would bury the progress lines. Only here: the app server logs as configured.
    chart_log = logging.getLogger("streamlit.elements.vega_charts")
    chart_log.disabled = True
    st.cache_data.clear()
    st.cache_resource.clear()
    con = ui.database()
    student = people["student"]["id"]
    tokens = {"student": accounts.start_session(con, student),
              "instructor": accounts.start_session(con, people["instructor"]["id"])}
    navigation = pages.navigation_pages()
    results: dict = {"hello world": pages.hello_world(runs).as_dict()}
    for role, group in (("student", "TRACKER"), ("instructor", "TEACHING")):
        for index, path in enumerate(navigation.get(group, [])):
            setup = None
            if path.endswith("class_dashboard.py"):
                def setup(at, class_id=people["class"]["id"]):
                    at.selectbox(key="cd_class").set_value(class_id).run()
                    return f"class {class_id}"
            elif path.endswith("compare_classes.py"):
                if len(people["compared"]) < 2:
                    results[f"{role} {path}"] = {"median_ms": None, "runs_ms": [],
                                                 "note": "n/a (1 class)", "charts": 0}
                    continue

                def setup(at, ids=people["compared"]):
                    at.multiselect(key="cmp_classes").set_value(ids).run()
                    return f"{len(ids)} classes"
            _say(f"  {role} {path}")
            timing = pages.page(tokens[role], path, runs, default=index == 0, setup=setup)
            results[f"{role} {path}"] = timing.as_dict()
    logged = pages.log_conversation(con, student, runs, today).as_dict()
    specs = _student_chart_specs(con, student, today)
    charts = {role: results.get(f"{role} {navigation[group][0]}", {}).get("charts_before_setup", 0)
              for role, group in (("student", "TRACKER"), ("instructor", "TEACHING"))}
    st.cache_resource.clear()  # closes the database: the server started next needs the file
    st.cache_data.clear()
    chart_log.disabled = False
    return {"pages": results, "log_conversation": logged}, charts, specs


def _measure_pages_apart(db_path: Path, people: dict, runs: int,
                         today: dt.date) -> tuple[dict, dict, list[str]]:
    """_measure_pages in a new Python process, so that every scale's pages are timed in the
    same conditions: measured one after another in one process, the first scale ran faster
    than the later ones (log conversation 55 ms at class scale measured first, 99 ms measured
    after department scale; department 91 and 93 ms either way)."""
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        job, out = Path(tmp) / "job.json", Path(tmp) / "out.json"
        job.write_text(json.dumps({"db_path": str(db_path), "people": people, "runs": runs,
                                   "today": today.isoformat(), "out": str(out)}),
                       encoding="utf-8")
        subprocess.run([sys.executable, "-m", "bench", "--pages-worker", str(job)],
                       cwd=Path(__file__).resolve().parents[1], check=True)
        measured, charts, specs = json.loads(out.read_text(encoding="utf-8"))
        return measured, charts, specs


def _pages_worker(job_path: Path) -> int:
    job = json.loads(job_path.read_text(encoding="utf-8"))
    result = _measure_pages(Path(job["db_path"]), job["people"], job["runs"],
                            dt.date.fromisoformat(job["today"]))
    Path(job["out"]).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


def run_scale(name: str, runs: int, today: dt.date, browser: bool) -> dict:
    from lib import accounts, db, synthetic

    tmp = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    try:
        db_path = tmp / f"{name}.duckdb"
        out: dict = {"load_before": report.load_average()}
        _say(f"{name}: generating")
        con = db.connect(db_path)
        try:
            started, cpu = time.perf_counter(), time.process_time()
            counts = synthetic.generate(con, name, today=today)
            out["generation_s"] = time.perf_counter() - started
            out["generation_cpu_s"] = time.process_time() - cpu
            people = _people(con)
        finally:
            con.close()
        scale = synthetic.SCALES[name]
        out.update(students=scale.students, classes=scale.classes, rows=counts,
                   db_mb=sum(p.stat().st_size for p in tmp.glob(f"{name}.duckdb*")) / 2**20,
                   **people)
        _say(f"{name}: generated in {out['generation_s']:.1f} s; pages")
        measured, charts, specs = _measure_pages_apart(db_path, people, runs, today)
        specs_path = tmp / "student-charts.json"
        specs_path.write_text(json.dumps(specs), encoding="utf-8")
        out.update(measured)
        if browser:
            _say(f"{name}: browser")
            con = db.connect(db_path)  # sessions for the cookies, before the server takes the file
            try:
                tokens = {"student": accounts.start_session(con, people["student"]["id"]),
                          "instructor": accounts.start_session(con, people["instructor"]["id"])}
            finally:
                con.close()
            from bench import browser as real_browser

            try:
                out["browser"] = real_browser.measure(db_path, tokens, charts, runs, specs_path)
            except Exception as problem:  # report it and go on with the next scale
                out["browser"] = {"error": f"{type(problem).__name__}: {problem}"[:500]}
                _say(f"{name}: browser failed: {out['browser']['error']}")
        out["load_after"] = report.load_average()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", default="class,department,university",
                        help="comma-separated: class, department, university")
    parser.add_argument("--runs", type=int, default=5, help="timed warm runs per measure")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser part")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help=f"where to keep the raw figures (default {DEFAULT_JSON})")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite RESULTS.md")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from --json without measuring")
    parser.add_argument("--pages-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages_worker:
        logging.basicConfig(level=logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s")
        return _pages_worker(args.pages_worker)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.report_only:
        results = json.loads(args.json.read_text(encoding="utf-8"))
    else:
        from lib import synthetic

        scales = [s.strip() for s in args.scales.split(",") if s.strip()]
        unknown = [s for s in scales if s not in synthetic.SCALES]
        if unknown:
            parser.error(f"unknown scale(s): {', '.join(unknown)}")
        started = time.perf_counter()
        results = {"started": dt.datetime.now().isoformat(timespec="seconds"),
                   "runs": args.runs, "machine": report.machine(), "scales": {}}
        today = dt.date.today()
        for name in scales:
            results["scales"][name] = run_scale(name, args.runs, today, not args.no_browser)
            results["duration_s"] = time.perf_counter() - started
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    report.print_table(results)
    if not args.no_write:
        report.write(results)
        print(f"\nWritten to {report.RESULTS_MD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
