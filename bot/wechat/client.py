"""The per-account WeChat API client: wechatpy's, with its access token shared through Redis.

wechatpy keeps the token per process and refreshes it with cgi-bin/token, which ends every other
process's token. Here the token lives in Redis (wechatpy's RedisStorage), is fetched with
cgi-bin/stable_token (which returns the same token while it is valid), and only under a Redis
lock, so any number of processes share one token per account.
"""

from __future__ import annotations

import time
from typing import Any

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from bot.config import Account, Config
from bot.store import Keys

LOCK_SECONDS = 15
EARLY_REFRESH = 300  # stable_token renews 5 minutes early; so do we


class AccountClient(WeChatClient):
    """wechatpy's WeChatClient for one account, pointed at config's API base URL."""

    def __init__(self, account: Account, redis: Any, api_base_url: str, timeout: float) -> None:
        super().__init__(
            account.appid,
            account.secret,
            session=RedisStorage(redis, Keys.wechatpy_session(account.id)),
            timeout=timeout,
        )
        self.API_BASE_URL = api_base_url
        self.account = account
        self.redis = redis
        self._retrying = False

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """One call; a token WeChat refuses (40001/40014/42001) is refreshed and retried once.

        wechatpy's own retry calls itself again on every refusal: a 40001 storm would loop
        (and fetch a token each time) for as long as it lasts.
        """
        if self._retrying:  # this is wechatpy's retry: a second refusal goes to the caller
            self.auto_retry = False
            try:
                return super()._request(method, url_or_endpoint, **kwargs)
            finally:
                self.auto_retry = True
        self._retrying = True
        try:
            return super()._request(method, url_or_endpoint, **kwargs)
        finally:
            self._retrying = False

    @property
    def access_token(self) -> str:
        """The shared token; remembered, so a refresh can tell a stale token from a newer one."""
        self._token_in_use = super().access_token
        return self._token_in_use

    def fetch_access_token(self) -> dict[str, Any]:
        """Get the account's token via stable_token, one process at a time.

        Called when the token is expiring or WeChat refused it (40001/42001). If another process
        stored a newer token meanwhile, use that one instead of asking again.
        """
        with self.redis.lock(
            Keys.token_lock(self.account.id), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        ):
            token, expires_at = self.session.get(self.access_token_key), self.expires_at
            fresh = bool(token and expires_at and expires_at - time.time() > EARLY_REFRESH)
            if fresh and token != getattr(self, "_token_in_use", None):
                return {"access_token": token, "expires_in": int(expires_at - time.time())}
            return self._stable_token()

    def verify_credentials(self) -> dict[str, Any]:
        """Ask WeChat for the token with the configured AppSecret, even if one is stored.

        stable_token in normal mode answers with the token in force, so no other process's
        token ends; a wrong secret or a server outside the IP whitelist is refused here.
        """
        with self.redis.lock(
            Keys.token_lock(self.account.id), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        ):
            return self._stable_token()

    def _stable_token(self) -> dict[str, Any]:
        response = self._http.post(
            f"{self.API_BASE_URL}stable_token",
            timeout=self.timeout,
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": False,
            },
        )
        response.raise_for_status()
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg", ""), client=self)
        expires_in = int(result.get("expires_in", 7200))
        self.session.set(self.access_token_key, result["access_token"], expires_in)
        self.expires_at = int(time.time()) + expires_in
        return result


def client_for(
    config: Config, account: Account, redis: Any, timeout: float | None = None
) -> AccountClient:
    """Build the client for one account from the config."""
    return AccountClient(
        account, redis, config.wechat.api_base_url, timeout or config.wechat.http_timeout
    )


def image_uploader(config: Config, redis: Any, timeout: float | None = None):
    """An uploader for temporary images: (account, bytes, file name) -> media_id."""

    def upload(account: Account, data: bytes, filename: str) -> str:
        # A (name, bytes, type) tuple, not a file object: wechatpy resends the same files after
        # refreshing an expired token, and a file object would already be at its end.
        result = client_for(config, account, redis, timeout).media.upload(
            "image", (filename, data, "image/png")
        )
        return result["media_id"]

    return upload
