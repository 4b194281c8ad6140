"""The baseline for `python -m bench.load`: a one-field Streamlit form and nothing else (no
database, no navigation, no sign-in). Served with `streamlit run bench/bare_form.py`, it measures
what a form submit costs Streamlit itself on this machine."""

import streamlit as st

with st.form("bare"):
    note = st.text_input("Note", max_chars=200)
    sent = st.form_submit_button("Save")
if sent:
    if note.strip():
        st.success(f"Saved: {note}")
    else:
        st.error("Nothing was saved: the note is empty.")
