"""access_token and stable_token semantics, with the fake clock (facts doc §1.4, §2.6)."""

from __future__ import annotations

import pytest


def _token(sandbox, account: str = "sh", **overrides) -> dict:
    a = sandbox.config.accounts[account]
    params = {"grant_type": "client_credential", "appid": a.appid, "secret": a.secret, **overrides}
    return sandbox.raw(
        "token", method="get", params={k: v for k, v in params.items() if v is not None}
    )


def _stable(sandbox, account: str = "sh", **overrides) -> dict:
    a = sandbox.config.accounts[account]
    body = {"grant_type": "client_credential", "appid": a.appid, "secret": a.secret, **overrides}
    return sandbox.raw("stable_token", json={k: v for k, v in body.items() if v is not None})


def _count(sandbox, token: str) -> dict:
    return sandbox.raw("draft/count", method="get", params={"access_token": token})


def test_wechatpy_gets_a_token_and_uses_it(wx):
    assert wx.draft.count() == {"total_count": 0}
    assert len(wx.access_token) >= 100


@pytest.mark.parametrize(
    ("overrides", "errcode"),
    [
        pytest.param({"secret": "wrong"}, 40125, id="wrong-secret"),
        pytest.param({"appid": "wx0000000000000000"}, 40013, id="unknown-appid"),
        pytest.param({"grant_type": "password"}, 40002, id="bad-grant-type"),
        pytest.param({"secret": None}, 41004, id="missing-secret"),
        pytest.param({"appid": None}, 41002, id="missing-appid"),
    ],
)
def test_token_request_errors(sandbox, overrides, errcode):
    assert _token(sandbox, **overrides)["errcode"] == errcode
    assert _stable(sandbox, **overrides)["errcode"] == errcode


@pytest.mark.parametrize(
    ("token", "errcode"),
    [
        pytest.param("", 41001, id="missing"),
        pytest.param("not-a-token", 40001, id="unknown"),
    ],
)
def test_every_api_checks_the_token(sandbox, token, errcode):
    for path in ("draft/count", "menu/get"):
        assert sandbox.raw(path, method="get", params={"access_token": token})["errcode"] == errcode
    assert (
        sandbox.raw("draft/add", params={"access_token": token}, data=b"{}")["errcode"] == errcode
    )


def test_token_lives_7200_seconds_then_42001(sandbox, clock):
    body = _token(sandbox)
    assert body["expires_in"] == 7200
    clock.advance(7199)
    assert _count(sandbox, body["access_token"])["total_count"] == 0
    clock.advance(1)
    assert _count(sandbox, body["access_token"])["errcode"] == 42001


def test_new_token_leaves_the_old_one_five_minutes(sandbox, clock):
    old = _token(sandbox)["access_token"]
    clock.advance(100)
    new = _token(sandbox)["access_token"]
    assert new != old
    clock.advance(299)
    assert "total_count" in _count(sandbox, old) and "total_count" in _count(sandbox, new)
    clock.advance(1)
    assert _count(sandbox, old)["errcode"] == 40001  # "not latest"
    assert "total_count" in _count(sandbox, new)


def test_a_third_token_ends_the_first_at_once(sandbox):
    first = _token(sandbox)["access_token"]
    second = _token(sandbox)["access_token"]
    _token(sandbox)
    assert _count(sandbox, first)["errcode"] == 40001
    assert "total_count" in _count(sandbox, second)


def test_tokens_are_per_account(sandbox):
    sh, js = _token(sandbox, "sh")["access_token"], _token(sandbox, "js")["access_token"]
    _token(sandbox, "sh")
    _token(sandbox, "sh")
    assert _count(sandbox, sh)["errcode"] == 40001
    assert "total_count" in _count(sandbox, js)


def test_stable_token_is_the_same_while_valid(sandbox, clock):
    first = _stable(sandbox)
    clock.advance(1000)
    again = _stable(sandbox)
    assert again["access_token"] == first["access_token"]
    assert again["expires_in"] == 6200


def test_stable_token_renews_five_minutes_early_and_keeps_the_old_one(sandbox, clock):
    first = _stable(sandbox)["access_token"]
    clock.advance(7200 - 300)
    renewed = _stable(sandbox)
    assert renewed["access_token"] != first and renewed["expires_in"] == 7200
    assert "total_count" in _count(sandbox, first)  # still valid until its own end
    clock.advance(300)
    assert _count(sandbox, first)["errcode"] == 42001


def test_stable_token_is_isolated_from_cgi_bin_token(sandbox):
    stable = _stable(sandbox)["access_token"]
    _token(sandbox)
    _token(sandbox)
    assert "total_count" in _count(sandbox, stable)


def test_force_refresh_ends_the_previous_token(sandbox):
    old = _stable(sandbox)["access_token"]
    new = _stable(sandbox, force_refresh=True)["access_token"]
    assert new != old
    assert _count(sandbox, old)["errcode"] == 40001


def test_force_refresh_at_most_every_30_seconds(sandbox, clock):
    _stable(sandbox, force_refresh=True)
    clock.advance(29)
    assert _stable(sandbox, force_refresh=True)["errcode"] == 45011
    clock.advance(1)
    assert "access_token" in _stable(sandbox, force_refresh=True)


def test_force_refresh_at_most_20_a_day(sandbox, clock):
    clock.now -= clock.now % 86400  # 08:00 in Beijing: the next ten minutes stay on one day
    for _ in range(20):
        assert "access_token" in _stable(sandbox, force_refresh=True)
        clock.advance(30)
    assert _stable(sandbox, force_refresh=True)["errcode"] == 45009
    assert "access_token" in _stable(sandbox)  # normal mode still works


@pytest.mark.parametrize(
    ("body", "errcode"),
    [
        pytest.param(b"grant_type=client_credential", 47001, id="not-json"),
        pytest.param(b"", 44002, id="empty"),
    ],
)
def test_stable_token_wants_a_json_body(sandbox, body, errcode):
    assert sandbox.raw("stable_token", data=body)["errcode"] == errcode


def test_force_refresh_must_be_a_boolean(sandbox):
    assert _stable(sandbox, force_refresh="yes")["errcode"] == 47001


def test_wechatpy_refetches_after_expiry(wx, clock):
    token = wx.access_token
    clock.advance(7200)
    assert wx.draft.count() == {"total_count": 0}  # 42001, wechatpy fetched a new one and retried
    assert wx.access_token != token


@pytest.mark.parametrize(
    ("path", "method", "errcode"),
    [
        pytest.param("draft/add", "get", 43002, id="post-only"),
        pytest.param("token", "post", 43001, id="get-only"),
    ],
)
def test_wrong_http_method(sandbox, path, method, errcode):
    assert sandbox.raw(path, method=method)["errcode"] == errcode


def test_unknown_api_is_404_with_an_errcode(sandbox):
    import requests

    response = requests.get(sandbox.api + "nope/nothing", timeout=5)
    assert response.status_code == 404 and response.json()["errcode"] == 40066


def test_oversized_body_is_an_errcode_not_an_html_page(sandbox, wx):
    # Through the test client: over a socket the client may still be writing when the 413 comes.
    response = sandbox.app.test_client().post(
        "/cgi-bin/draft/add",
        query_string={"access_token": wx.access_token},
        data=b"x" * (13 * 1024 * 1024),
    )
    assert response.get_json()["errcode"] == 45001


def test_concurrent_token_requests_leave_one_current_and_one_previous(sandbox):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(lambda _: _token(sandbox)["access_token"], range(16)))
    valid = [t for t in tokens if "total_count" in _count(sandbox, t)]
    assert len(set(tokens)) == 16 and len(valid) == 2
