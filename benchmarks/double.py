"""The Gotify double for the benchmarks, in a process of its own: ``python -m benchmarks.double --port N``.

Besides the double's admin (whose client token the integration uses) it holds a second user with one
application, ``Elsewhere``: the raw-POST baseline publishes there. Gotify's stream carries only its own
user's messages, so the integration's stream listener never sees the baseline's messages and does no
work for them (no event, no entity update) that would be charged to the raw POST.

Prints the double's three lines, then ``Elsewhere token: <application token>``.
"""

import argparse
import asyncio
import contextlib

from tests.gotify_double import GotifyDouble, serve


def main() -> None:
    """Serve the double on loopback until terminated."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()

    def ready(double: GotifyDouble) -> None:
        other = double.add_user("elsewhere")
        double.add_client(other, "elsewhere's phone")
        elsewhere = double.add_application("Elsewhere", user=other)
        print(f"Gotify test server {double.version} on {double.url}", flush=True)
        print(f"  Server URL:   {double.url}", flush=True)
        print(f"  Client token: {double.client_token}", flush=True)
        print(f"Elsewhere token: {elsewhere.token}", flush=True)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve("2.9.1", "127.0.0.1", arguments.port, ready))


if __name__ == "__main__":
    main()
