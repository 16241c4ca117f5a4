"""Validating MQTT payloads against the message contract in schema/.

validate(payload, "camera-status") checks one payload against
schema/camera-status.json (JSON Schema draft 2020-12) and raises
PayloadInvalid listing every problem with its JSON path. References between
the schema files ("frame-announcement.json", "common.json#/$defs/id") are
resolved from the files themselves, never from the network.
"""
import json
from functools import lru_cache

from jsonschema import Draft202012Validator, RefResolver

from harness import ROOT

SCHEMA_DIR = ROOT / "schema"
# Payloads that are plain text on the wire, not JSON.
TEXT_PAYLOADS = {"availability", "schedule-state"}


class PayloadInvalid(AssertionError):
    """A payload that breaks its schema; the message names each problem."""


# Documents in schema/ that are not payload schemas: the REST API's OpenAPI
# description (checked by tests/integration/test_bridge_openapi.py).
NOT_PAYLOAD_SCHEMAS = {"openapi"}


def schema_names():
    return sorted(p.stem for p in SCHEMA_DIR.glob("*.json") if p.stem not in NOT_PAYLOAD_SCHEMAS)


@lru_cache(maxsize=None)
def _store():
    return {p.resolve().as_uri(): json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}


def load(name):
    """The parsed schema/<name>.json (shared; do not modify)."""
    path = SCHEMA_DIR / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(f"no schema named '{name}' in {SCHEMA_DIR}")
    return _store()[path.resolve().as_uri()]


@lru_cache(maxsize=None)
def validator(name):
    schema = load(name)
    base = (SCHEMA_DIR / f"{name}.json").resolve().as_uri()
    resolver = RefResolver(base, schema, store=_store())
    return Draft202012Validator(schema, resolver=resolver,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def _decode(payload, name):
    if isinstance(payload, (bytes, bytearray)):
        text = payload.decode("utf-8")
        return text if name in TEXT_PAYLOADS else json.loads(text)
    return payload


def errors(payload, name):
    """Every problem of payload against schema `name`, as readable lines."""
    value = _decode(payload, name)
    found = sorted(validator(name).iter_errors(value), key=lambda e: list(e.absolute_path))
    lines = []
    for e in found:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
        line = f"{'$' + where}: {e.message}"
        if e.context:  # anyOf/oneOf: say what each alternative wanted
            line += " (" + "; or ".join(sorted({c.message for c in e.context})) + ")"
        lines.append(line)
    return lines


def validate(payload, name):
    """Raises PayloadInvalid unless payload (a decoded JSON value, or the raw
    bytes of an MQTT message) is valid against schema/<name>.json."""
    problems = errors(payload, name)
    if problems:
        shown = json.dumps(_decode(payload, name))
        if len(shown) > 400:
            shown = shown[:400] + "..."
        raise PayloadInvalid(f"payload invalid against schema/{name}.json:\n  "
                             + "\n  ".join(problems) + f"\npayload: {shown}")
