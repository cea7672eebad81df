"""The OpenAPI 3.1 document is valid and describes every API route the server has."""
from __future__ import annotations

from openapi_spec_validator import validate


def test_document_is_valid_openapi_31(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.json
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_every_api_route_is_documented(app, client):
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi_document":
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", f"{{{arg}}}").replace(f"<{arg}>", f"{{{arg}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} missing from the OpenAPI document"


def test_public_token_endpoint_needs_no_auth_and_others_do(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    assert doc["security"] == [{"bearer": []}]


def test_validation_errors_are_documented_as_problems(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/users"]["post"]
    assert "422" in op["responses"] and "201" in op["responses"]
