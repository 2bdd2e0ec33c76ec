"""Streamlit entry: page config, login, and the role-based navigation.

Run with `streamlit run app.py` (or `make run`, which starts every process).
"""

import streamlit as st

from core.errors import AuthenticationFailed
from core.logging import configure_logging
from core.services.people.users import authenticate, redeem_login_handoff
from ui.context import ACTOR_KEY, STORE_KEY, current_actor, db_session, store_picker
from ui.notifications import notifications_sidebar

st.set_page_config(page_title="Catalog Sync", page_icon=":material/storefront:", layout="wide")


@st.cache_resource
def _structured_logs() -> None:
    """JSON log lines like every other process; once per server process, not per rerun."""
    configure_logging("ui")


_structured_logs()

# Every page with the roles that see it. Sellers see only their own store's screens.
PAGES = [
    ("pages/connect.py", "Connect", ":material/link:", ("ops", "seller")),
    ("pages/scan.py", "Scan", ":material/travel_explore:", ("ops", "seller")),
    ("pages/review.py", "Review", ":material/grid_view:", ("ops", "seller")),
    ("pages/sync.py", "Sync & conflicts", ":material/sync:", ("ops", "seller")),
    ("pages/analytics.py", "Analytics", ":material/monitoring:", ("ops", "seller")),
    ("pages/stores.py", "Stores & users", ":material/store:", ("ops",)),
    ("pages/events.py", "Events & polling", ":material/webhook:", ("ops",)),
]


def login_screen() -> None:
    st.title("Catalog Sync")
    st.caption("Instagram posts into Vendly catalog products")
    with st.form("login"):
        email = st.text_input("Email", key="login_email")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        try:
            with db_session() as session:
                st.session_state[ACTOR_KEY] = authenticate(session, email, password)
            st.rerun()
        except AuthenticationFailed as error:
            st.error(str(error))


def resume_after_oauth() -> None:
    """Coming back from Meta's dialog opens a new session; a one-time ticket restores the login."""
    ticket = st.query_params.get("resume")
    if not ticket:
        return
    del st.query_params["resume"]
    store_id = st.query_params.pop("store", None)
    try:
        with db_session() as session:
            st.session_state[ACTOR_KEY] = redeem_login_handoff(session, ticket)
    except AuthenticationFailed as error:
        st.warning(str(error))
        return
    # The store the flow was for; the store picker keeps it only if this person may see it.
    st.session_state[STORE_KEY] = store_id


def logout() -> None:
    """A button callback: forget who is logged in; the rerun shows the login screen."""
    for key in (ACTOR_KEY, STORE_KEY, "nav_titles"):
        st.session_state.pop(key, None)


def main() -> None:
    if current_actor() is None:
        resume_after_oauth()
    actor = current_actor()
    if actor is None:
        # Render the login form whatever page the browser asked for (after a logout the
        # old page is no longer in the navigation); the hidden navigation keeps the
        # pages/ folder from showing up as links.
        # Run it through the navigation, so the form's widgets keep the same ids from the
        # first run on (rendered outside it, the first "Log in" press was lost).
        st.navigation([st.Page(login_screen, title="Log in", default=True)], position="hidden").run()
        return
    pages = [
        st.Page(path, title=title, icon=icon) for path, title, icon, roles in PAGES if actor.role in roles
    ]
    # Kept for tests and the sidebar: what this role was offered.
    st.session_state["nav_titles"] = [page.title for page in pages]
    page = st.navigation(pages)
    with st.sidebar:
        st.caption(f"Signed in as **{actor.email}** ({actor.role})")
        store_picker(actor)
        notifications_sidebar(actor)
        st.button("Log out", icon=":material/logout:", key="logout", on_click=logout)
    page.run()


main()
