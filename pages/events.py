"""Events & polling (placeholder until its issue lands)."""

import streamlit as st

from ui.context import require_actor, selected_store_id

require_actor()
st.title("Events & polling")
st.info("This screen is coming soon.")
st.caption(f"Store: {selected_store_id() or 'none chosen'}")
