"""The page's context: the logged-in actor, the chosen store, and a database session.

Pages stay thin: they ask this module who is acting and for which store, then
call core.services, which enforce the scoping themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy.orm import Session

from core.config import get_settings
from core.db import get_engine, session_factory
from core.errors import CatalogSyncError
from core.security import Actor
from core.services.people.stores import list_stores

ACTOR_KEY = "actor"
STORE_KEY = "store_id"
STORE_PICKER_KEY = "store_picker"
CHOSEN_STORE_KEY = "store_chosen"
NEXT_PAGE_KEY = "next_page"


@st.cache_resource
def _sessions(database_url: str):
    return session_factory(get_engine(database_url))


@contextmanager
def db_session() -> Iterator[Session]:
    """A session for one interaction; rolled back unless the page commits."""
    session = _sessions(get_settings().database_url)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def current_actor() -> Actor | None:
    return st.session_state.get(ACTOR_KEY)


def require_actor() -> Actor:
    """Who is acting; every page starts here, so this is also where a page asked for with
    `open_page_next` opens."""
    actor = current_actor()
    if actor is None:
        st.stop()
    next_page = st.session_state.pop(NEXT_PAGE_KEY, None)
    if next_page:
        st.switch_page(next_page)
    return actor


def open_page_next(page: str) -> None:
    """From a widget callback (it runs before any page): open `page` as the run starts."""
    st.session_state[NEXT_PAGE_KEY] = page


def store_picker(actor: Actor) -> str | None:
    """Ops choose a store in the sidebar; a seller always acts on their own store."""
    if not actor.is_ops:
        st.session_state[STORE_KEY] = actor.store_id
        return actor.store_id
    with db_session() as session:
        stores = [(s.id, s.name) for s in list_stores(session, actor)]
    if not stores:
        st.sidebar.info("No stores yet. Create one on the Stores page.")
        st.session_state[STORE_KEY] = None
        return None
    names = dict(stores)
    ids = [store_id for store_id, _ in stores]
    chosen = st.session_state.get(STORE_KEY)
    # The widget's state is the source of truth; (re)seed it on a new session, when its store
    # is gone, or when a page chose a store for the next run (see choose_store).
    if st.session_state.pop(CHOSEN_STORE_KEY, None) in ids or st.session_state.get(STORE_PICKER_KEY) not in ids:
        st.session_state[STORE_PICKER_KEY] = chosen if chosen in ids else ids[0]
    store_id = st.sidebar.selectbox("Store", ids, format_func=names.get, key=STORE_PICKER_KEY)
    st.session_state[STORE_KEY] = store_id
    return store_id


def choose_store(store_id: str) -> None:
    """Make `store_id` the sidebar's store from the next run on. The picker's widget is
    already drawn in this run, so it takes the choice before it is drawn next time; it
    still offers only the actor's stores."""
    st.session_state[STORE_KEY] = store_id
    st.session_state[CHOSEN_STORE_KEY] = store_id


def selected_store_id() -> str | None:
    return st.session_state.get(STORE_KEY)


def show_error(error: Exception) -> None:
    """A readable message for errors the services raise on purpose; a generic one otherwise."""
    if isinstance(error, CatalogSyncError):
        st.error(str(error))
        for field, problem in getattr(error, "errors", {}).items():
            st.caption(f"{field}: {problem}")
    else:
        st.error("Something went wrong. The error was logged; please try again.")
