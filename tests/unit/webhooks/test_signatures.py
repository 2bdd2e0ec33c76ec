"""Signature and verify-token checks."""

from core.webhooks.signatures import check_signature, sign, verify_token_matches

SECRETS = {"facebook": "fb-secret", "instagram": "ig-secret"}
BODY = b'{"object":"instagram","entry":[]}'


def test_a_signature_under_either_secret_is_accepted_and_named():
    assert check_signature(BODY, sign(BODY, "fb-secret"), SECRETS).signed_with == "facebook"
    assert check_signature(BODY, sign(BODY, "ig-secret"), SECRETS).signed_with == "instagram"
    assert check_signature(BODY, sign(BODY, "fb-secret").upper().replace("SHA256=", "sha256="), SECRETS).ok


def test_missing_malformed_and_wrong_signatures_are_told_apart():
    assert check_signature(BODY, None, SECRETS).reason == "signature_missing"
    assert check_signature(BODY, "", SECRETS).reason == "signature_missing"
    for malformed in ("sha1=abc", "sha256=", "sha256=xyz", "sha256=" + "a" * 63, "a" * 64):
        assert check_signature(BODY, malformed, SECRETS).reason == "signature_malformed", malformed
    assert check_signature(BODY, sign(BODY, "other"), SECRETS).reason == "signature_mismatch"
    assert check_signature(BODY + b" ", sign(BODY, "fb-secret"), SECRETS).reason == "signature_mismatch"


def test_an_empty_secret_never_matches():
    assert not check_signature(BODY, sign(BODY, ""), {"facebook": ""}).ok


def test_verify_token():
    assert verify_token_matches("tok", "tok")
    assert not verify_token_matches("tok2", "tok")
    assert not verify_token_matches(None, "tok")
    assert not verify_token_matches("", "")


def test_secret_looking_values_are_masked_for_the_ops_page():
    from core.services.realtime.webhook_events import mask_secrets

    masked = mask_secrets({"value": {"access_token": "EAAB", "text": "hi", "items": [{"appsecret_proof": "x"}]},
                           "Authorization": "Bearer y"})
    assert masked == {"value": {"access_token": "***", "text": "hi", "items": [{"appsecret_proof": "***"}]},
                      "Authorization": "***"}
