"""Shared Streamlit helpers for the pages: who is logged in, which store, a DB session."""
