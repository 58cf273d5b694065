"""inventory's console script: answers one request through Flask's test
client, so a package can be checked without a network."""
import sys

import markupsafe

from . import app


def main():
    with app.test_client() as client:
        body = client.get("/items/bolts").get_json()
    speedups = markupsafe.escape.__module__ == "markupsafe._speedups"
    print("bolts: %d (markupsafe C speedups: %s)" % (body["bolts"], speedups))
    return 0 if body["bolts"] == 120 else 1


if __name__ == "__main__":
    sys.exit(main())
