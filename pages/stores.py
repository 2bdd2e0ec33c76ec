"""Stores & users (ops only): create a seller's store and the seller's login."""

import pandas as pd
import streamlit as st

from core.errors import CatalogSyncError
from core.services.people.stores import CURRENCIES, create_seller_store, list_stores
from core.services.people.users import create_user
from ui.context import choose_store, db_session, require_actor, show_error

CREATED_KEY = "store_created"

actor = require_actor()
st.title("Stores & users")
if created := st.session_state.pop(CREATED_KEY, None):
    st.success(created)

with st.form("new_store", clear_on_submit=True):
    st.subheader("New seller store")
    business_name = st.text_input("Business name")
    currency = st.selectbox("Default currency", CURRENCIES)
    seller_email = st.text_input("Seller login email (optional)")
    seller_password = st.text_input("Seller password", type="password")
    if st.form_submit_button("Create store", type="primary"):
        try:
            with db_session() as session:
                store = create_seller_store(session, actor, business_name, currency)
                if seller_email:
                    create_user(session, seller_email, seller_password, "seller", store.id)
                session.commit()
        except CatalogSyncError as error:
            show_error(error)
        else:
            # Rerun so the sidebar's store picker (drawn before this page) lists the new store,
            # and select it: it is the store ops connect next.
            choose_store(store.id)
            st.session_state[CREATED_KEY] = f"Created store {store.name}. It is now selected in the sidebar."
            st.rerun()

with db_session() as session:
    stores = list_stores(session, actor)
    table = pd.DataFrame(
        [{"store": s.name, "id": s.id, "currency": s.default_currency} for s in stores]
    )
st.subheader(f"Stores ({len(table)})")
st.dataframe(table, hide_index=True, width="stretch")
