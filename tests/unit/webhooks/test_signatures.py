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


def test_secrets_inside_a_quarantined_raw_body_are_masked_for_the_ops_page():
    from core.services.realtime.webhook_events import mask_secrets
    from core.webhooks.payloads import split_delivery

    fb_token, ig_token = "EAAGm0PX4ZCpsBAKZCanaryTokenValue1234567890", "IGQWRPcanaryInstagramTokenValue_abcdefghijk"
    body = (f'{{"object": "instagram", "entry": [ broken: access_token={fb_token}&fields=id '
            f'{{"token": "plain-secret-value"}} note {ig_token} Bearer sk-abcdefghijklmnopqrstu').encode()
    (quarantined,) = split_delivery(body).quarantined
    raw = quarantined.payload()["raw"]
    assert isinstance(raw, str) and fb_token in raw  # kept as it came: masked only when shown
    shown = mask_secrets(quarantined.payload())["raw"]
    for secret in (fb_token, ig_token, "plain-secret-value", "sk-abcdefghijklmnopqrstu"):
        assert secret not in shown
    assert 'access_token=[redacted]&fields=id' in shown and '"object": "instagram"' in shown


def test_a_token_in_an_ordinary_field_is_masked_but_ordinary_text_is_not():
    from core.services.realtime.webhook_events import mask_secrets

    token = "EAAGm0PX4ZCpsBAKZCanaryTokenValue1234567890"
    masked = mask_secrets({"value": {"text": f"pasted {token} by mistake", "caption": "Ksh 2,500 #denim"}})
    assert masked == {"value": {"text": "pasted [redacted] by mistake", "caption": "Ksh 2,500 #denim"}}
