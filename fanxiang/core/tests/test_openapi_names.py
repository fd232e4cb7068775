"""OpenAPI components are keyed by schema class name: two API schemas with one name would make one
operation document the other's body (GET /api/v1/me once described the portal's "me")."""

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import fanxiang
from fanxiang.api import api


def _api_modules():
    for info in pkgutil.walk_packages(fanxiang.__path__, "fanxiang."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf == "api" or leaf.startswith("api_"):
            yield importlib.import_module(info.name)


def test_api_schema_class_names_are_unique():
    seen = defaultdict(set)
    for module in _api_modules():
        for name, obj in vars(module).items():
            if isinstance(obj, type) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                seen[name].add(module.__name__)
    duplicates = {name: sorted(mods) for name, mods in seen.items() if len(mods) > 1}
    # Two names predate this test and describe the same shape in both places.
    duplicates.pop("RegionRef", None)
    assert not duplicates, duplicates


def test_me_documents_the_staff_user():
    schema = api.get_openapi_schema()
    ref = schema["paths"]["/api/v1/me"]["get"]["responses"][200]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
    assert "username" in component["properties"]
