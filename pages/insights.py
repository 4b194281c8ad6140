"""Insights: everything learned, filterable by industry, TIARA category, contact and text."""

import streamlit as st

from lib import queries, ui, vocab

CARDS_PER_PAGE = 50

con = ui.database()
user_id = ui.current_user_id()

st.title("Insights")
st.caption("What professionals taught you, tagged with TIARA: Trends, Insights, Advice, "
           "Resources, Assignments.")

pipeline = queries.contact_pipeline(con, user_id)
contacts = {int(r.id): r.name + (f" — {r.organization}" if isinstance(r.organization, str) else "")
            for r in pipeline.sort_values("name").itertuples()}

with st.container(border=True):
    a, b, c, d = st.columns([2, 2, 2, 3])
    industries = a.multiselect("Industry", queries.contact_industries(con, user_id),
                               placeholder="All industries", key="ins_industries")
    categories = b.multiselect("TIARA category", list(vocab.TIARA), format_func=vocab.TIARA.get,
                               placeholder="All categories", key="ins_categories")
    contact_id = c.selectbox("Contact", list(contacts),
                             format_func=lambda i: contacts.get(i, "—"), index=None,
                             placeholder="All contacts", key="ins_contact")
    search = d.text_input("Search text", placeholder="e.g. portfolio, certification",
                          key="ins_search")

found = queries.insight_list(con, user_id, industries=industries, categories=categories,
                             contact_id=contact_id, search=search)
total = queries.table_counts(con, user_id)["insights"]

if total == 0:
    st.info("No insights yet. When you log a conversation, add what you learned as insights — "
            "each tagged Trend, Insight, Advice, Resource or Assignment.")
    st.page_link("pages/log_conversation.py", label="Log a conversation",
                 icon=":material/edit_note:")
elif found.empty:
    st.warning("No insight matches these filters. Clear a filter or search for another word.")
else:
    counts = found["category"].value_counts()
    cols = st.columns(len(vocab.TIARA))
    for col, (code, name) in zip(cols, vocab.TIARA.items()):
        col.metric(name, int(counts.get(code, 0)))
    st.caption(f"{len(found)} of {total} insights.")
    # A horizontal radio, not st.segmented_control: in the dark theme Streamlit draws the selected
    # segment's label in the primary colour, which cannot also carry white button text at 4.5:1.
    view = st.radio("View", ["Cards", "Table"], horizontal=True, key="ins_view")
    if view == "Table":
        st.dataframe(
            found.assign(category=found["category"].map(vocab.TIARA),
                         shared=found["shared"].map({True: "Shared", False: "Private"}))
            [["held_on", "category", "text", "contact", "organization", "industry", "shared"]],
            hide_index=True, width="stretch",
            column_config={
                "held_on": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
                "category": "Category",
                "text": st.column_config.TextColumn("Insight", width="large"),
                "contact": "Contact",
                "organization": "Organization",
                "industry": "Industry",
                "shared": "With class",
            })
    else:
        shown = found.head(CARDS_PER_PAGE * st.session_state.get("ins_pages", 1))
        for row in shown.itertuples():
            with st.container(border=True):
                org = f" · {row.organization}" if isinstance(row.organization, str) else ""
                st.caption(ui.escape_markdown(
                    f"{vocab.TIARA.get(row.category, row.category)} · "
                    f"{row.held_on:%Y-%m-%d} · {row.contact}{org} · {row.industry}"
                    f"{' · shared with class' if row.shared else ''}"))
                st.text(row.text)  # the student's words, as typed: never markdown or HTML
        if len(found) > len(shown):
            if st.button(f"Show more ({len(found) - len(shown)} left)", key="ins_more"):
                st.session_state["ins_pages"] = st.session_state.get("ins_pages", 1) + 1
                st.rerun()
