#!/usr/bin/env python3
"""Validates compose.yaml with a real Compose parser: the `compose-spec` PyPI package, Python
bindings of the Rust `compose_spec` crate, which parses a file into the Compose
Specification's types (unknown keys, wrong types and unknown enum values are errors) and then
checks cross-references (networks, volumes, configs, secrets).

There is no Docker engine on the CI machines, so `docker compose config` cannot run here.
Usage: check_compose.py [compose.yaml]   (pip install compose-spec)
"""
import sys

import compose_spec


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else "compose.yaml"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        compose = compose_spec.PyCompose.from_yaml(text)
        compose.validate()
    except ValueError as error:
        print(f"{path}: invalid: {error}")
        return 1
    services = compose.service_names()
    for name in services:
        for dependency in (compose.to_dict()["services"][name].get("depends_on") or {}):
            if dependency not in services:
                print(f"{path}: services.{name}.depends_on: unknown service {dependency!r}")
                return 1
    print(f"{path}: valid ({len(services)} services: {', '.join(services)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
