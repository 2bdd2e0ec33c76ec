"""Connect: link the store's Instagram professional account, see its health, check or disconnect it.

Not connected → what you get and a "Connect Instagram account" link, which goes through the
webhook sidecar's /oauth/start (it binds the sign-in to this browser) to Meta's dialog.
Connected → the account, its status, sync figures, token expiry and webhook state, with
"Scan for new products", "Check connection" and "Disconnect". Expired or revoked → why,
and "Reconnect". Meta sends the browser back through the webhook sidecar's
/oauth/callback, which lands here with ?connected=1, ?choose_page=1 or ?connect_error=code.
"""

from datetime import datetime, timedelta, timezone

import streamlit as st

from core.config import get_settings
from core.errors import CatalogSyncError
from core.services.connecting.connect import (
    ConnectDeps,
    choose_page,
    connection_status,
    disconnect,
    pending_page_choice,
    recent_connect_failure,
    start_connect,
    validate_connection,
)
from core.services.connecting.connect_rules import expires_in_words, failure_message
from ui.context import db_session, require_actor, selected_store_id, show_error
from ui.formatting import time_ago

# A connect link is reused for a few minutes (its state lives 10), not re-issued every rerun.
LINK_REUSE = timedelta(minutes=7)
FLOW_LABELS = {
    "facebook": ("Facebook Login", "For accounts linked to a Facebook Page."),
    "instagram": ("Instagram Login", "No Facebook Page needed."),
}
BADGE_COLORS = {"active": "green", "expired": "orange", "revoked": "gray", "error": "red"}


@st.cache_resource
def connect_deps(_settings_key: str) -> ConnectDeps:
    return ConnectDeps.from_settings(get_settings())


def deps() -> ConnectDeps:
    return connect_deps(get_settings().database_url)


def connect_link(actor, store_id: str, flow: str) -> str:
    """The link that starts this store's sign-in with this flow in this browser, issued once and
    reused while its state is fresh."""
    key = f"connect_link:{store_id}:{flow}"
    cached = st.session_state.get(key)
    now = datetime.now(timezone.utc)
    if cached and now - cached[1] < LINK_REUSE:
        return cached[0]
    with db_session() as session:
        url = start_connect(session, deps(), actor, store_id, flow).start_url
    st.session_state[key] = (url, now)
    return url


def show_callback_result(actor, store_id: str) -> None:
    """The callback's outcome, shown once: its parameters leave the address, so a "connected"
    banner does not linger above, say, a later "Disconnected"."""
    params = st.query_params
    params.pop("choose_page", None)  # the picker shows itself while a choice waits
    if params.pop("connected", None) == "1":
        st.success("Your Instagram account is connected. You can now scan it for products.", icon=":material/check_circle:")
    error_code = params.pop("connect_error", None)
    if error_code:
        st.error(failure_message(error_code), icon=":material/error:")
        with db_session() as session:
            failure = recent_connect_failure(session, actor, store_id)
        if failure and failure.get("code") == error_code and failure.get("detail"):
            st.caption(f"Details: {failure['detail']}")


def connect_buttons(actor, store_id: str, reconnect_flow: str | None = None) -> None:
    """One link per login flow. A reconnect leads with the connection's own flow: an Instagram
    Login seller may have no Facebook Page, so Facebook's dialog would find no account."""
    reconnect = reconnect_flow is not None
    flows = sorted(deps().meta.offered_flows(), key=lambda flow: flow != reconnect_flow)
    for position, flow in enumerate(flows):
        name, hint = FLOW_LABELS.get(flow, (flow, ""))
        if position == 0:
            label = "Reconnect" if reconnect else "Connect Instagram account"
        else:
            label = f"{'Reconnect' if reconnect else 'Connect'} with {name} instead"
        try:
            url = connect_link(actor, store_id, flow)
        except CatalogSyncError as error:
            show_error(error)
            return
        st.link_button(label, url, type="primary" if position == 0 else "secondary", icon=":material/link:")
        st.caption(f"{name}: {hint}")


def benefits() -> None:
    st.markdown(
        "- Turn your Instagram posts into catalog products in minutes\n"
        "- Prices, names and categories read from your captions and photos\n"
        "- New posts become drafts automatically; you approve what goes live\n"
        "- Read-only: the app never posts or comments on your account"
    )


def page_choice(actor, store_id: str, choices: list[dict]) -> None:
    st.subheader("Which Instagram account?")
    st.write("Several of your Facebook Pages have an Instagram account. Choose the one for this store.")
    labels = {c["ig_user_id"]: f"@{c.get('username') or c['ig_user_id']} (Page: {c.get('page_name') or c.get('page_id')})" for c in choices}
    chosen = st.radio("Account", list(labels), format_func=labels.get, key="page_choice")
    if st.button("Connect this account", type="primary"):
        try:
            with db_session() as session:
                outcome = choose_page(session, deps(), actor, store_id, chosen)
            st.success(f"Connected @{outcome.ig_username}.")
            st.rerun()
        except CatalogSyncError as error:
            show_error(error)


def connected_view(actor, store_id: str, view) -> None:
    now = datetime.now(timezone.utc)
    left, right = st.columns([1, 4])
    if view.profile_picture_url:
        left.image(view.profile_picture_url, width=96)
    right.subheader(f"@{view.ig_username or view.ig_user_id}")
    right.badge(view.status_label, color=BADGE_COLORS.get(view.status, "gray"))
    right.caption(f"via {FLOW_LABELS.get(view.login_flow, (view.login_flow,))[0]}")
    figures = st.columns(4)
    figures[0].metric("Last synced", time_ago(view.last_synced_at, now) if view.last_synced_at else "never")
    figures[1].metric("Products imported", view.products_imported)
    figures[2].metric("Token expires", expires_in_words(view.token_expires_at, now) if view.has_token else "no token")
    figures[3].metric("Webhooks", "subscribed" if view.webhook_subscribed else "not subscribed")
    if view.status_reason:
        st.warning(view.status_reason)
    if view.status == "active":
        actions = st.columns(3)
        actions[0].page_link("pages/scan.py", label="Scan for new products", icon=":material/travel_explore:")
        if actions[1].button("Check connection", icon=":material/verified:"):
            try:
                with db_session() as session:
                    checked = validate_connection(session, deps(), actor, store_id)
                st.toast(f"Connection checked: {checked.status_label}.")
                st.rerun()
            except CatalogSyncError as error:
                show_error(error)
        if actions[2].button("Disconnect", icon=":material/link_off:"):
            st.session_state["confirm_disconnect"] = store_id
        confirm_disconnect(actor, store_id)
    else:
        st.info("The app cannot read this account until you reconnect it. Drafts and products are kept.")
        connect_buttons(actor, store_id, reconnect_flow=view.login_flow)


def confirm_disconnect(actor, store_id: str) -> None:
    if st.session_state.get("confirm_disconnect") != store_id:
        return
    st.warning("Disconnect this Instagram account? New posts will stop syncing; drafts and products stay.")
    yes, no = st.columns(2)
    if yes.button("Yes, disconnect", type="primary"):
        try:
            with db_session() as session:
                disconnect(session, deps(), actor, store_id)
            st.session_state.pop("confirm_disconnect", None)
            st.rerun()
        except CatalogSyncError as error:
            show_error(error)
    if no.button("Keep connected"):
        st.session_state.pop("confirm_disconnect", None)
        st.rerun()


actor = require_actor()
st.title("Connect Instagram")
store_id = selected_store_id()
if not store_id:
    st.info("Choose a store first (ops: the store picker in the sidebar).")
    st.stop()

show_callback_result(actor, store_id)
try:
    with db_session() as session:
        choices = pending_page_choice(session, deps(), actor, store_id)
        view = connection_status(session, actor, store_id)
except CatalogSyncError as error:
    show_error(error)
    st.stop()

if choices:
    page_choice(actor, store_id, choices)
elif view is None:
    st.write("Connect your Instagram Business or Creator account to turn your posts into products.")
    benefits()
    connect_buttons(actor, store_id)
else:
    connected_view(actor, store_id, view)
