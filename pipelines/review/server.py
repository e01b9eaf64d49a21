"""Starting the reading room: the warehouse sessions, the app, uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
import socket
from dataclasses import dataclass

from pipelines.core.store.location import Location
from pipelines.review.app import Config, create_app
from pipelines.review.data import Archive

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Prepared:
    app: object
    archive: Archive
    url: str  # what to open, with the token when one is needed
    token: str | None


def prepare(location: Location, host: str, port: int, reviewer: str, token: str | None = None) -> Prepared:
    """The app on ``location``: no token on the loopback; otherwise ``token`` (or a new one),
    required on every request. FileNotFoundError when there is no warehouse."""
    archive = Archive(location)
    archive.open()
    loopback = is_loopback(host)
    token = None if loopback else (token or secrets.token_urlsafe(24))
    allowed = (host, "127.0.0.1", "localhost", "[::1]", "::1") if loopback else None
    app = create_app(archive, Config(reviewer=reviewer, token=token, allowed_hosts=allowed),
                     cache_dir=location.home / "review" / "pages")
    shown = host if host not in ("0.0.0.0", "::") else socket.gethostname()
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    return Prepared(app, archive, url, token)


def serve(prepared: Prepared, host: str, port: int) -> None:
    import uvicorn

    try:
        uvicorn.run(prepared.app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        prepared.archive.close()
