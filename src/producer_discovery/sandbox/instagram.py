"""A fake Instagram Graph API serving Business Discovery, the one legitimate way to read
another account's bio.

`GET /vNN.N/{ig_user_id}?fields=business_discovery.username(HANDLE){biography,name,website,
username,profile_picture_url,followers_count,media_count}&access_token=…` answers
`{"business_discovery": {…requested fields…, "id"}, "id": ig_user_id}`, as Meta does, for
the Business and Creator accounts of `data/instagram_accounts.json`.

Refusals, with Meta's `{"error": {"message", "type", "code", "error_subcode"?,
"fbtrace_id"}}` body and HTTP 400:
- no token: code 2500; a token other than the configured one: code 190 (OAuthException);
- an `ig_user_id` other than the sandbox's own professional account: code 100, subcode 33;
- a handle that does not exist *or* is a personal account (Meta does not tell them apart):
  code 110, subcode 2207013, "Invalid user id";
- a field the node does not have: code 100.
Injected faults (`Faults`) come back in the same shape: 429 as code 4 (application request
limit), 5xx as code 2 with `is_transient: true`.

Standalone: `python -m producer_discovery.sandbox.instagram --port 8085 [--token T]`.
"""

from __future__ import annotations

import argparse
import json
import re
import uuid
from pathlib import Path
from typing import Any

from producer_discovery.sandbox.credits_data import serve_until_interrupted
from producer_discovery.sandbox.server import Faults, Request, Response, SandboxServer

INSTAGRAM_ACCOUNTS = Path(__file__).parent / "data" / "instagram_accounts.json"
DEFAULT_USER_ID = "17841400000000001"
DISCOVERABLE_TYPES = frozenset({"BUSINESS", "CREATOR"})
ACCOUNT_FIELDS = frozenset(
    {
        "id",
        "username",
        "name",
        "biography",
        "website",
        "profile_picture_url",
        "followers_count",
        "follows_count",
        "media_count",
    }
)
DISCOVERY_FIELD = re.compile(
    r"^business_discovery\.username\((?P<handle>[^)]*)\)(?:\{(?P<fields>[^}]*)\})?$"
)
ERROR_CODE_OF_STATUS = {429: 4, 404: 803}
MISSING_TOKEN = "An active access token must be used to query information about the current user."
INVALID_TOKEN = "Invalid OAuth access token - Cannot parse access token"


def load_accounts(path: Path = INSTAGRAM_ACCOUNTS) -> dict[str, dict[str, Any]]:
    """The sandbox accounts keyed by lower-case username."""
    with Path(path).open(encoding="utf-8") as file:
        accounts = json.load(file)["accounts"]
    return {account["username"].casefold(): account for account in accounts}


def top_level_fields(fields: str) -> list[str]:
    """Split a `fields` parameter on the commas outside `(…)` and `{…}`."""
    parts: list[str] = []
    depth = 0
    start = 0
    for index, character in enumerate(fields):
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(character, 0)
        if character == "," and depth == 0:
            parts.append(fields[start:index])
            start = index + 1
    parts.append(fields[start:])
    return [part.strip() for part in parts if part.strip()]


def graph_error(
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    kind: str = "OAuthException",
    **extra: Any,
) -> Response:
    """Meta's error body, always with HTTP 400 as the Graph API answers client errors."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = uuid.uuid4().hex[:11]
    return Response(400, {"error": error})


class InstagramGraphSandbox(SandboxServer):
    name = "instagram"

    def __init__(
        self,
        accounts: Path = INSTAGRAM_ACCOUNTS,
        *,
        access_token: str | None = None,
        user_id: str = DEFAULT_USER_ID,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        super().__init__(faults, port)
        self.accounts = load_accounts(accounts)
        self.access_token = access_token
        self.user_id = user_id
        self.route("GET", r"/v\d+\.\d+/(?P<user_id>[^/]+)", "business_discovery", self.user_node)

    # Provider behaviour -----------------------------------------------------------------
    def error(self, status: int, message: str) -> Response:
        """Faults and unknown routes in Meta's shape, keeping the HTTP status."""
        code = ERROR_CODE_OF_STATUS.get(status, 2 if status >= 500 else 100)
        body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if status >= 500:
            body["is_transient"] = True
        body["fbtrace_id"] = uuid.uuid4().hex[:11]
        return Response(status, {"error": body})

    def check_request(self, request: Request, endpoint: str) -> Response | None:
        """A token is required; when the sandbox was given one, only that one passes."""
        authorization = request.headers.get("authorization", "")
        scheme, _, credential = authorization.partition(" ")
        header_token = credential.strip() if scheme.lower() in ("bearer", "oauth") else ""
        token = request.param("access_token") or header_token
        if not token:
            return graph_error(MISSING_TOKEN, 2500)
        if self.access_token is not None and token != self.access_token:
            return graph_error(INVALID_TOKEN, 190)
        return None

    # Handlers ---------------------------------------------------------------------------
    def user_node(self, request: Request) -> Response:
        """The querying account's node, with `business_discovery` expanded when asked."""
        user_id = request.match["user_id"]
        if user_id != self.user_id:
            return graph_error(
                f"Unsupported get request. Object with ID '{user_id}' does not exist, cannot be"
                " loaded due to missing permissions, or does not support this operation.",
                100,
                subcode=33,
                kind="GraphMethodException",
            )
        answer: dict[str, Any] = {}
        for field in top_level_fields(request.param("fields") or "id"):
            if field == "id":
                continue
            discovery = DISCOVERY_FIELD.match(field)
            if discovery is None:
                return self.nonexisting_field(field, "User")
            found = self.discover(discovery["handle"], discovery["fields"] or "")
            if isinstance(found, Response):
                return found
            answer["business_discovery"] = found
        answer["id"] = self.user_id
        return Response(200, answer)

    def discover(self, handle: str, fields: str) -> dict[str, Any] | Response:
        """The requested fields of a Business or Creator account, or Meta's refusal."""
        account = self.accounts.get(handle.strip().removeprefix("@").casefold())
        if account is None or account["account_type"] not in DISCOVERABLE_TYPES:
            return graph_error(
                "Invalid user id",
                110,
                subcode=2207013,
                is_transient=False,
                error_user_title="Cannot find User",
                error_user_msg=f"The user with username: {handle} cannot be found.",
            )
        wanted = [field.strip() for field in fields.split(",") if field.strip()]
        unknown = [field for field in wanted if field not in ACCOUNT_FIELDS]
        if unknown:
            return self.nonexisting_field(unknown[0], "BusinessDiscovery")
        shown = {field: account.get(field) for field in wanted if account.get(field) is not None}
        return {**shown, "id": account["id"]}

    @staticmethod
    def nonexisting_field(field: str, node_type: str) -> Response:
        return graph_error(
            f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})", 100
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Instagram Graph API (Business Discovery).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    parser.add_argument("--accounts", type=Path, default=INSTAGRAM_ACCOUNTS, help="accounts JSON")
    parser.add_argument("--token", default=None, help="the only access token accepted")
    parser.add_argument("--user-id", default=DEFAULT_USER_ID, help="the querying account's id")
    options = parser.parse_args(argv)
    sandbox = InstagramGraphSandbox(
        options.accounts, access_token=options.token, user_id=options.user_id, port=options.port
    )
    serve_until_interrupted(sandbox)


if __name__ == "__main__":
    main()
