"""Read py-spy's folded stacks (`python -m benchmarks --profile DIR`): where a request's wall time goes.

    python -m benchmarks.profile DIR/01.txt [--top 40] [--root wsgi_app]

Only samples inside a request (a stack through `--root`) count; sampling was --idle, so time spent
waiting (on a lock, the database, the GIL) is counted where it waited. Each line is a function's
share of all request samples: inclusive (it or anything it called) and self (in it alone).
"""
from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^()]*?):?(?P<line>\d*)\)$")


def _name(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "/roadshow/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "/roadshow/":
                path = "roadshow/" + path
            break
    return f"{m.group('func')} ({path})"


def summarise(path: Path, root: str, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        at = next((i for i, f in enumerate(frames) if f.split(" (", 1)[0].split(".")[-1] == root), None)
        if at is None:
            continue
        n = int(count)
        total += n
        names = [_name(f) for f in frames[at:]]
        for name in set(names):
            inclusive[name] += n
        own[names[-1]] += n
    lines = [f"{total} samples inside {root}", "", f"{'incl':>6} {'self':>6}  function"]
    for name, n in inclusive.most_common(top):
        lines.append(f"{100 * n / total:5.1f}% {100 * own[name] / total:5.1f}%  {name}")
    lines += ["", "top self time:"]
    for name, n in own.most_common(top // 2):
        lines.append(f"{100 * n / total:5.1f}%  {name}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folded", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--root", default="wsgi_app")
    args = parser.parse_args()
    print(summarise(args.folded, args.root, args.top))


if __name__ == "__main__":
    main()
