"""schema/openapi.json and skylapse-bridge agree both ways: every route the
server has is in the document, every operation of the document is answered
by a route (not "no such route", not 405), and the JSON the main routes
answer matches the document's schemas."""
import json
import re
import subprocess

import pytest
from jsonschema import Draft202012Validator, RefResolver

from bridge_stack import CAM, Stack
from harness import BIN, ROOT

DOC = json.loads((ROOT / "schema" / "openapi.json").read_text())
METHODS = {"get", "post", "put", "delete", "patch", "head", "options"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("openapi")) as s:
        yield s


def server_routes(*flags):
    out = subprocess.run([str(BIN / "skylapse-bridge"), "--list-routes", *flags],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    routes = set()
    for line in out.splitlines():
        method, path = line.split("\t")[0].split(" ", 1)
        # "{path*}" (the rest of the path) is "{path}" in OpenAPI terms
        routes.add((method.lower(), re.sub(r"\{(\w+)\*\}", r"{\1}", path)))
    return routes


def document_routes():
    return {(m, p) for p, item in DOC["paths"].items() for m in item if m in METHODS}


def test_document_is_openapi_3_1():
    assert DOC["openapi"].startswith("3.1")
    assert DOC["info"]["title"] and DOC["info"]["version"]
    for name, schema in DOC["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)


def test_every_server_route_is_documented_and_back():
    server, doc = server_routes(), document_routes()
    assert server - doc == set(), "routes missing from schema/openapi.json"
    assert doc - server == set(), "documented operations the server does not have"


def sample(path):
    return (path.replace("{id}", CAM if path.startswith("/cameras") else "no-such-job")
            .replace("{path}", f"{CAM}/profile-a/none.jpg" if path.startswith("/images")
                     else "none.js"))


@pytest.mark.parametrize("method,path", sorted(document_routes()))
def test_every_documented_operation_is_answered(stack, method, path):
    if path == "/events":
        pytest.skip("a stream: covered by test_bridge_events.py")
    r = stack.request(method.upper(), sample(path), body="{}" if method == "post" else None)
    assert r.status != 405, (method, path, r)
    if r.status == 404:
        assert not r.json()["error"].startswith("no such route"), (method, path, r)
    documented = set(DOC["paths"][path][method]["responses"])
    assert str(r.status) in documented, (method, path, r.status, documented)
    if r.status >= 400 and r.header("content-type") == "application/json":
        errors = [e.message for e in schema_validator("Error").iter_errors(r.json())]
        assert not errors, (method, path, r, errors)


def test_openapi_json_is_served(stack):
    r = stack.get("/openapi.json")
    assert r.status == 200 and r.header("content-type") == "application/json"
    assert r.json() == DOC


def schema_validator(name):
    resolver = RefResolver.from_schema(DOC)
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}"}, resolver=resolver)


@pytest.mark.parametrize("path,schema", [
    ("/health", "Health"), ("/status", "Status"), ("/schedules", "Schedules"), ("/sun", "SunDay"),
    ("/cameras", "Cameras"), (f"/cameras/{CAM}", "Camera"), ("/images", "Images"),
    ("/timelapses", "Timelapses"), ("/system", "System"), ("/cameras?limit=1&offset=0", "Cameras"),
])
def test_answers_match_the_documented_schemas(stack, path, schema):
    if path == "/images":
        assert stack.post("/capture", {"profile": "a"}).status == 200
    r = stack.get(path)
    assert r.status == 200
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}"
              for e in schema_validator(schema).iter_errors(r.json())]
    assert not errors, errors
