"""The Streamlit frame: login, logout and the navigation each role sees (AppTest)."""



from tests.factories import make_ops, make_seller, make_store
from tests.fixtures.app_test import logged_in_app, new_app





def test_ops_sees_every_page_and_a_store_picker(app_db, session):
    store = make_store(session)
    make_ops(session, "ops@vendly.test", "ops-pass-123")
    at = logged_in_app("ops@vendly.test", "ops-pass-123")
    assert not at.exception
    assert at.session_state["nav_titles"] == [
        "Connect", "Scan", "Review", "Sync & conflicts", "Analytics", "Stores & users", "Events & polling",
    ]
    assert at.sidebar.selectbox(key="store_picker").value == store.id


def test_seller_sees_only_their_pages_and_store(app_db, session):
    store = make_store(session, "Seller A")
    make_store(session, "Seller B")
    make_seller(session, store, "a@shop.test", "seller-pass-1")
    at = logged_in_app("a@shop.test", "seller-pass-1")
    assert not at.exception
    assert "Stores & users" not in at.session_state["nav_titles"]
    assert "Events & polling" not in at.session_state["nav_titles"]
    assert len(at.sidebar.selectbox) == 0
    assert at.session_state["store_id"] == store.id


def test_wrong_password_shows_one_message_and_no_session(app_db, session):
    make_ops(session, "ops@vendly.test", "ops-pass-123")
    wrong = logged_in_app("ops@vendly.test", "not-the-password")
    unknown = logged_in_app("nobody@vendly.test", "whatever-123")
    for at in (wrong, unknown):
        assert at.error[0].value == "Email or password is not right."
        assert "actor" not in at.session_state


def test_logout_returns_tologged_in_app(app_db, session):
    make_ops(session, "ops@vendly.test", "ops-pass-123")
    at = logged_in_app("ops@vendly.test", "ops-pass-123")
    at.button(key="logout").click()
    at.run()
    # AppTest re-runs the current page script, which stops without an actor;
    # the browser test covers the redirect to the login form.
    assert "actor" not in at.session_state
    assert "nav_titles" not in at.session_state


def test_resume_ticket_from_the_oauth_callback_logs_the_person_back_in_once(app_db, session):
    from core.services.people.users import issue_login_handoff

    store = make_store(session, "Seller A")
    seller = make_seller(session, store, "a@shop.test", "seller-pass-1")
    ticket = issue_login_handoff(session, seller.user_id)
    at = new_app()
    at.query_params["resume"] = ticket
    at.query_params["connected"] = "1"
    at.run()
    assert not at.exception
    assert at.session_state["actor"].user_id == seller.user_id
    replay = new_app()
    replay.query_params["resume"] = ticket
    replay.run()
    assert "actor" not in replay.session_state
    assert "expired" in replay.warning[0].value
