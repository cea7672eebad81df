"""The JSON API, version 1: bearer tokens, problem+json, an OpenAPI 3.1 document
generated from the same pydantic models that validate the requests."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, current_app, g, request
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData
from spectree.plugins.flask_plugin import FlaskPlugin

from ..hosts import is_production
from ..services import users as user_service
from .problems import validation_errors
from .schemas import Problem


class RequestInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("request validation failed")
        self.errors = errors


def _before_validation(req, resp, req_validation_error, instance, model_adapter):
    if req_validation_error is not None:
        raise RequestInvalid(validation_errors(model_adapter.validation_errors(req_validation_error)))


def _schema_name(name: str) -> str:
    # OpenAPI component names allow only [A-Za-z0-9._-]: Page[UserOut] → Page_UserOut
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")


def _model_key(model) -> str:
    """Shared schemas (Problem, Page …) by their name; each area's own models under the area, so two
    areas may both have an `AttendeeOut` without one replacing the other in the document."""
    area = model.__module__.rsplit(".", 1)[-1]
    name = _schema_name(model.__name__)
    return name if area == "schemas" else f"{area}.{name}"


def validates_responses(app: Flask) -> bool:
    """`API_VALIDATE_RESPONSES` when set; otherwise everywhere but in production (`hosts.is_production`)."""
    explicit = app.config.get("API_VALIDATE_RESPONSES")
    return (not is_production(app)) if explicit is None else bool(explicit)


class _Plugin(FlaskPlugin):
    """Spectree's Flask plugin, checking answers against their models only where `validates_responses`:
    the test suite and development check every answer of every view, production sends what the tested
    views build (a door scan spent a tenth of its time parsing and re-validating its own answer).
    Requests are validated everywhere."""

    def validate_response(self, resp, resp_model, skip_validation, force_resp_serialize):
        skip = skip_validation or not validates_responses(current_app)
        return super().validate_response(resp, resp_model, skip, force_resp_serialize)


spec = SpecTree(
    "flask",
    backend=_Plugin,
    title="Roadshow API",
    version="1",
    description="Invitations, registration, check-in, calendar and the investment pipeline.",
    openapi_version="3.1.0",
    mode="strict",
    # Spectree leaves out every route under its own doc path, so that path is not /api/v1;
    # the document is served by `openapi_document` below and no doc pages are registered.
    path="_spectree",
    page_templates={},
    annotations=True,
    before=_before_validation,
    validation_error_model=Problem,
    naming_strategy=lambda model: _model_key(model),
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))],
    security={"bearer": []},
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Endpoints reachable without a token (API.md: /auth/token and /public/...).
PUBLIC_ENDPOINTS: set[str] = set()
# Endpoints that take a multipart upload instead of JSON.
MULTIPART_ENDPOINTS: set[str] = set()


def public(view):
    PUBLIC_ENDPOINTS.add(f"api.{view.__name__}")
    return view


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()


@bp.before_request
def _check_body_and_token():
    if request.method in {"POST", "PUT", "PATCH"} and _has_body():
        mimetype = request.mimetype or ""
        if request.endpoint in MULTIPART_ENDPOINTS:
            if mimetype != "multipart/form-data":
                abort(415)
        elif mimetype != "application/json" and not mimetype.endswith("+json"):
            abort(415)
        else:
            request.get_json()  # a malformed body raises BadRequest → 400 problem
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401)
    bearer = user_service.resolve_token(token.strip())
    if bearer is None:
        abort(401)
    g.api_token = bearer
    g.api_user = bearer.user  # a TokenUser (signed tokens: no query) or a User (tokens of the old format)


# Operations whose responses are streamed files (CSV, XLSX): spectree reads every response body into
# memory to validate it, so these routes are not wrapped by it; their operation is declared next to
# the route with `file_operation` and merged into the generated document.
FILE_OPERATIONS: dict[tuple[str, str], dict] = {}


def file_operation(path: str, *, summary: str, media_type: str, tags: list[str], path_params: tuple[str, ...] = (),
                   query_params: tuple[str, ...] = ()):
    operation = {
        "summary": summary,
        "operationId": path.strip("/").replace("/", "_").replace(".", "_").replace("{", "").replace("}", ""),
        "tags": tags,
        "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "integer"}}
                       for p in path_params] + [
            {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["zh_CN", "en"]}}]
        + [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}} for q in query_params],
        "responses": {
            "200": {"description": summary, "content": {media_type: {"schema": {"type": "string",
                                                                              "format": "binary"}}}},
            **{str(code): {"description": title, "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}}
               for code, title in ((401, "Unauthorized"), (403, "Forbidden"), (404, "Not found"))},
        },
    }

    def register(view):
        FILE_OPERATIONS[(f"/api/v1{path}", "get")] = operation
        return view

    return register


_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# What any operation can answer, whatever its own schema says (API.md "Conventions").
_COMMON_ERRORS = {"400": "Malformed JSON body", "413": "Request body too large",
                  "415": "Unsupported content type", "429": "Rate limited", "500": "Internal error"}


def _with_problem_responses(operation: dict) -> dict:
    """Errors are application/problem+json (spectree would document them as application/json),
    and the errors every operation may give are declared."""
    responses = {}
    for status, response in operation.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if status[:1] in "45" and schema.get("$ref", "").endswith("/Problem"):
            response = {**response, "content": _PROBLEM}
        elif status[:1] == "4" and "content" in response:
            # A domain answer of API.md (e.g. check-in's {"result": "wrong_event"}) — or, for the same
            # status, a validation problem.
            response = {**response, "content": {**response["content"], **_PROBLEM}}
        responses[status] = response
    for status, description in _COMMON_ERRORS.items():
        responses.setdefault(status, {"description": description, "content": _PROBLEM})
    if operation.get("security", [{}]) != []:
        responses.setdefault("401", {"description": "Missing, invalid or expired bearer token",
                                     "content": _PROBLEM})
    return {**operation, "responses": responses}


@bp.get("/openapi.json")
@public
def openapi_document():
    """The OpenAPI 3.1 document, generated from the schemas that validate the requests."""
    document = dict(spec.spec)
    paths = {path: dict(ops) for path, ops in document["paths"].items()}
    for (path, method), operation in FILE_OPERATIONS.items():
        paths.setdefault(path, {})[method] = operation
    document["paths"] = {path: {method: _with_problem_responses(op) for method, op in ops.items()}
                         for path, ops in paths.items()}
    return document


from . import (  # noqa: E402,F401
    auth,
    checkins,
    events,
    exports,
    figures,
    invitations,
    messages,
    organisations,
    privacy,
    programme,
    projects,  # (routes register on bp)
    questions,
    registrations,
    reports,
    teams,
    users,
    visits,
)
