"""Class dashboard: a class's progress in aggregate, who is behind, and shared insights."""

import pandas as pd
import streamlit as st

from lib import class_queries, classes, dashboard, data_export, exports, metrics, ui, vocab

con = ui.database()
account = ui.require_account("instructor")
today = ui.today()

st.title("Class dashboard")
ui.show_flash()

mine = classes.classes_for(con, account.id)
if mine.empty:
    st.info("You have no active class yet. Create one on the Classes page and share its join "
            "code with your students.")
    st.page_link("pages/classes.py", label="Go to Classes", icon=":material/groups:")
    st.stop()

labels = {int(r.id): f"{r.name} ({r.term})" if r.term else r.name for r in mine.itertuples()}
with st.container(border=True):
    left, right = st.columns([2, 2])
    class_id = left.selectbox("Class", list(labels), format_func=labels.get, key="cd_class")
    row = mine.loc[mine["id"] == class_id].iloc[0]
    term_start = pd.Timestamp(row["starts_on"]).date()
    chosen = right.date_input("Date range", value=(min(term_start, today), today),
                              max_value=today, format="YYYY-MM-DD", key=f"cd_range_{class_id}")
start, end = dashboard.picked_range(chosen, default_start=min(term_start, today), today=today)
min_group = class_queries.min_group_size()

view = dashboard.class_dashboard(con, account.id, class_id, start, end, today)
k = view.kpis
top = st.columns(4)
top[0].metric("Students", k["students"])
top[1].metric("Active in 7 days", k["active_7d"], help="Students who logged anything in the "
              "last 7 days.")
top[1].caption(f"{k['active_14d']} in the last 14 days")
top[2].metric("Outreach sent", k["outreach_sent"])
top[3].metric("Response rate", metrics.percent(k["response_rate"]),
              help="Contacts who answered ÷ contacts reached, across the class.")
top[3].caption(f"n={k['contacted']} contacts")
bottom = st.columns(4)
bottom[0].metric("Conversations", k["conversations_held"])
bottom[1].metric("Thanked in 24 h", metrics.percent(k["thanked_within_24h_share"]),
                 help="Share of conversations thanked the same or the next day.")
median = k["median_conversations"]
bottom[2].metric("Median per student",
                 f"{'—' if median is None else format(median, 'g')} / {k['conversations_goal']}",
                 help="Median conversations per student against the term goal.")
bottom[3].caption(f"Figures are at most {dashboard.CLASS_CACHE_TTL_S} seconds old.")


def panel(name: str) -> None:
    p = view.charts[name]
    ui.chart_block(p.title, p.spec, p.description, p.table, p.empty_text, p.key,
                   wide=name in ("weekly", "clarity"), section=True)


panel("weekly")
left, right = st.columns(2)
with left:
    panel("distribution")
with right:
    panel("industries")
left, right = st.columns(2)
with left:
    panel("rates_industry")
with right:
    panel("rates_channel")
panel("clarity")
st.caption(f"Groups with fewer than {min_group} students show “fewer than {min_group} "
           "students” instead of figures, so no student can be singled out.")

st.header("Progress by student")
progress = view.progress
if progress.empty:
    st.info("Nobody has joined this class yet.")
else:
    behind = int(progress["behind"].sum())
    only_behind = st.toggle(f"Show only students behind pace ({behind})", key="cd_behind")
    shown = progress[progress["behind"]] if only_behind else progress
    st.dataframe(shown.drop(columns=["student_id"]), hide_index=True, width="stretch",
                 column_config={
                     "student": "Student", "contacts": "Contacts", "outreach": "Outreach",
                     "responses": "Responses", "conversations": "Conversations",
                     "thanked_within_24h": "Thanked ≤ 24 h",
                     "insights_shared": "Insights shared",
                     "last_activity_on": st.column_config.DateColumn("Last activity",
                                                                     format="YYYY-MM-DD"),
                     "term_conversations": "Term conversations",
                     "expected_conversations": "Expected by now",
                     "pace": "Pace", "behind": "Behind"})
    st.download_button("Download progress (CSV)",
                       exports.to_csv_bytes(progress.drop(columns=["student_id"])),
                       file_name=f"progress-{row['name']}-{today.isoformat()}.csv",
                       mime="text/csv", icon=":material/download:", key="cd_download",
                       on_click="ignore")
    st.caption("Counts only: contact names, notes and private insights are never shown here.")

st.markdown("**Class report** — the progress table, headline figures, industries and response "
            "rates for this date range, with small groups suppressed as above.")
report_name = f"class-report-{row['name']}-{today.isoformat()}"
left, right = st.columns(2)
left.download_button(
    "Download class report (Excel)", key="cd_report_xlsx", on_click="ignore",
    data=lambda: data_export.class_report_xlsx(data_export.class_report_frames(
        con, account.id, class_id, start, end, today)),
    file_name=f"{report_name}.xlsx", mime=data_export.XLSX_MIME, icon=":material/table_view:")
right.download_button(
    "Download class report (ZIP of CSV files)", key="cd_report_zip", on_click="ignore",
    data=lambda: data_export.class_report_zip(data_export.class_report_frames(
        con, account.id, class_id, start, end, today)),
    file_name=f"{report_name}.zip", mime="application/zip", icon=":material/folder_zip:")

st.header("Insights students shared")
shared = view.shared
if shared.empty:
    st.info("No shared insights yet. Students choose per conversation whether to share theirs.")
else:
    for industry, group in shared.groupby("industry", sort=True):
        # Drawn once opened (a rerun), as the charts' "Show data" tables are.
        with st.expander(f"{industry} — {len(group)} insight(s)", key=f"cd_shared_{industry}",
                         on_change="rerun") as opened:
            if not opened.open:
                continue
            st.dataframe(group.assign(category=group["category"].map(vocab.TIARA))
                         [["category", "text", "held_on", "shared_by"]],
                         hide_index=True, width="stretch",
                         column_config={"category": "Category",
                                        "text": st.column_config.TextColumn("Insight",
                                                                            width="large"),
                                        "held_on": st.column_config.DateColumn(
                                            "Date", format="YYYY-MM-DD"),
                                        "shared_by": "Shared by"})
