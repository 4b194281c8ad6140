"""The benchmark: `python -m bench [--scales class,department,university] [--runs 5]`.

For each scale it generates synthetic data (lib.synthetic) into a fresh temporary database, then
measures, with the median of several warm runs:

- each page's script run time under streamlit.testing's AppTest, signed in as the student with
  the median number of records and as that student's instructor, beside a one-line hello-world
  page in the same run (`bench.pages`);
- the time to log one conversation through lib.store.log_conversation;
- in a real browser against `streamlit run app.py`, the time from navigation to every chart drawn
  on the student and instructor dashboards beside a hello-world app, and the server's peak memory
  (VmHWM) meanwhile (`bench.browser`);
- the time to generate the data.

Script runs and the conversation log are also measured in CPU time (this process, DuckDB's
threads included), which other load on a shared machine disturbs less than wall time.

It prints a table and writes it, with the machine's description and the targets (pass/fail), to
bench/RESULTS.md (`bench.report`), keeping the hand-written notes below its end marker; the raw
figures go to test-artifacts/bench.json (`--report-only` rewrites RESULTS.md from them). It is
not a timed test: nothing here runs under pytest. pyinstrument was used for the profiles in
RESULTS.md but is not needed to run it.
"""
