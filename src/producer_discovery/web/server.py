"""`producer-discovery web`: serve the app with uvicorn."""

from __future__ import annotations

import uvicorn

from producer_discovery.settings import Settings
from producer_discovery.web.app import create_app


def serve(settings: Settings, database_url: str, host: str, port: int) -> None:
    """Run until interrupted; X-Forwarded-Proto from a local proxy marks https (Secure cookies)."""
    app = create_app(settings, database_url)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
    )
