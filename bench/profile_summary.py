"""Summarises py-spy's collapsed stacks ("frame;frame;frame count" lines): where the app
workers spent their CPU, by own time and by time inside the gateway's own functions.

python bench/profile_summary.py FILE... [--top 15]"""

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/checkout/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/checkout/":
                path = "checkout/" + path
            break
    return f"{match['func']} ({path})"


def summarise(
    paths: list[str], top: int, package: str = "checkout", what: str = "the app workers"
) -> str:
    own, inside, area, total = Counter(), Counter(), Counter(), 0
    for path in paths:
        for line in Path(path).read_text().splitlines(keepends=True):
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = [short(f) for f in stack.split(";")]
            own[frames[-1]] += n
            for frame in set(frames):
                if f"({package}/" in frame:
                    inside[frame] += n
            area[classify(frames)] += n
    if not total:
        return "no samples"
    lines = [f"{total} samples of CPU in {what}"]
    if package == "checkout":
        lines += ["", "by area (a sample counts once, first match):"]
        lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in area.most_common()]
    lines += ["", f"top {top} by own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in own.most_common(top)]
    lines += ["", f"top {top} {package} functions by inclusive time:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inside.most_common(top)]
    return "\n".join(lines)


AREAS = [
    ("PIN check (HMAC) and lockout", ("check_pin", "pin_matches")),
    ("password / argon2", ("argon2", "Passwords")),
    ("JWT decode (auth)", ("jwt/",)),
    ("template rendering (Jinja2)", ("jinja2/", "render_template")),
    ("forms / CSRF (WTForms)", ("wtforms/",)),
    ("PyMongo driver (BSON, wire, sessions)", ("pymongo/", "bson/")),
    ("redis-py driver", ("redis/",)),
    ("JSON encode/decode", ("json/", "simplejson/")),
    ("Hypercorn / h11 (HTTP server)", ("hypercorn/", "h11/", "h2/")),
    ("Quart / Werkzeug request handling", ("quart/", "werkzeug/", "flask/")),
    ("asyncio event loop", ("asyncio/", "selectors.py")),
    ("logging (access log)", ("logging/",)),
]


def classify(frames: list[str]) -> str:
    # The deepest recognised library wins: time in pymongo called from checkout code is pymongo.
    for frame in reversed(frames):
        for name, needles in AREAS:
            if any(needle in frame for needle in needles):
                return name
    return "other (gateway code, stdlib)"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    print(summarise(args.files, args.top))
