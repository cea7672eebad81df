"""Services render no templates and read no request: mail is composed in services/messages.py, links come
from roadshow/urls.py (the only reader of the request's host and of PUBLIC_BASE_URL)."""
from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

SERVICES = ROOT / "roadshow" / "services"
COMPOSER = SERVICES / "messages.py"


def _imports(path) -> set[str]:
    """`module.name` for every `from module import name` and `module` for every `import module`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_service_reads_the_request():
    offenders = {path.name: sorted(n for n in _imports(path)
                                   if n in ("flask.request", "flask.has_request_context", "flask.url_for"))
                 for path in SERVICES.glob("*.py")}
    assert {name: found for name, found in offenders.items() if found} == {}
    pattern = re.compile(r"\b(request\.|url_for\(|url_root|host_url|PUBLIC_BASE_URL)")
    hits = [f"{path.name}:{number}: {line.strip()}" for path in SERVICES.glob("*.py")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]
    assert hits == []


def test_only_the_composer_renders_templates():
    offenders = sorted(path.name for path in SERVICES.glob("*.py") if path != COMPOSER
                       and {n for n in _imports(path) if n.startswith(("flask.render_template", "jinja2"))})
    assert offenders == []
    hits = [path.name for path in SERVICES.glob("*.py")
            if path != COMPOSER and "render_template" in path.read_text(encoding="utf-8")]
    assert hits == []
    assert "flask.render_template" in _imports(COMPOSER)


def test_the_link_helper_is_the_only_reader_of_the_host():
    readers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "roadshow").rglob("*.py")
                     if re.search(r"host_url|url_root|config(\.get\(|\[)\"PUBLIC_BASE_URL\"",
                                  path.read_text(encoding="utf-8")))
    assert readers == ["roadshow/urls.py"]
