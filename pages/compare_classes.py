"""Compare classes: the headline figures of several classes side by side."""

import pandas as pd
import streamlit as st

from lib import classes, dashboard, exports, ui

con = ui.database()
account = ui.require_account("instructor")
today = ui.today()

st.title("Compare classes")

mine = classes.classes_for(con, account.id, include_archived=True)
if len(mine) < 2:
    st.info("Comparing needs at least two classes. Create them on the Classes page.")
    st.stop()

labels = {int(r.id): f"{r.name} ({r.term})" if r.term else r.name for r in mine.itertuples()}
with st.container(border=True):
    left, right = st.columns([3, 2])
    chosen = left.multiselect("Classes", list(labels), format_func=labels.get,
                              default=list(labels)[:4], key="cmp_classes")
    earliest = pd.Timestamp(min(mine["starts_on"])).date()
    picked = right.date_input("Date range", value=(min(earliest, today), today),
                              max_value=today, format="YYYY-MM-DD", key="cmp_range")
if not chosen:
    st.info("Pick at least one class.")
    st.stop()
start, end = dashboard.picked_range(picked, default_start=min(earliest, today), today=today)

table = dashboard.compare_classes(con, account.id, chosen, start, end, today)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(f"Figures are at most {dashboard.CLASS_CACHE_TTL_S} seconds old.")
st.download_button("Download comparison (CSV)", exports.to_csv_bytes(table),
                   file_name=f"class-comparison-{today.isoformat()}.csv", mime="text/csv",
                   icon=":material/download:", on_click="ignore")
