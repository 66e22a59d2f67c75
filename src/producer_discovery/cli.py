"""Command line entry point (filled in as the commands land)."""


def main() -> None:  # pragma: no cover - replaced by the real CLI
    raise SystemExit("producer-discovery: not yet wired")
