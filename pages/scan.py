"""Scan (placeholder until its issue lands)."""

import streamlit as st

from ui.context import require_actor, selected_store_id

require_actor()
st.title("Scan")
st.info("This screen is coming soon.")
st.caption(f"Store: {selected_store_id() or 'none chosen'}")
