#!/usr/bin/env python3
"""Turn Kubernetes' OpenAPI v2 document (api/openapi-spec/swagger.json) into the per-kind JSON
schemas that kubeconform reads: one file per group/version/kind, named the way kubeconform's
-schema-location template expects ({{ .ResourceKind }}{{ .KindSuffix }}.json, e.g.
deployment-apps-v1.json, service-v1.json).

Why our own converter: the usual tool (instrumenta/openapi2jsonschema, run by kubeconform's
schema repository from a container image) needs the network or pins of long-gone library
versions; kubeconform's own scripts/openapi2jsonschema.py only converts CRDs. This uses the
standard library only, so it runs anywhere python3 does.

Each output file is self-contained: the kind's schema plus, under "definitions", every type it
references (the swagger's "#/definitions/..." references then resolve inside the same file, and
recursive types need no expansion). The "strict" flavour kubeconform's -strict expects:
  * every object with declared properties gets additionalProperties: false (unknown fields fail,
    as kubectl's client-side validation does);
  * fields not listed in "required" also accept null (the API server treats null as unset, and
    Helm renders empty values as null);
  * IntOrString accepts a string or an integer; Quantity a string or a number (as kubectl does);
  * apiVersion and kind are pinned to the file's group/version/kind.
"""
import copy
import json
import os
import sys

INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
REF_PREFIX = "#/definitions/"


def refs_in(node, out):
    """Collect the definition names referenced anywhere below node."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            out.add(ref[len(REF_PREFIX):])
        for value in node.values():
            refs_in(value, out)
    elif isinstance(node, list):
        for value in node:
            refs_in(value, out)
    return out


def closure(definitions, name):
    """Every definition reachable from `name` (excluding itself unless it is recursive)."""
    seen, todo = set(), [name]
    while todo:
        for ref in refs_in(definitions[todo.pop()], set()):
            if ref not in seen and ref in definitions:
                seen.add(ref)
                todo.append(ref)
    return seen


def nullable(schema):
    """The same schema, also accepting null."""
    if "$ref" in schema:
        # In draft 4 a $ref's siblings are ignored, so the alternative goes in anyOf.
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        rest["anyOf"] = [{"$ref": schema["$ref"]}, {"type": "null"}]
        return rest
    kind = schema.get("type")
    if isinstance(kind, str) and kind != "null":
        return dict(schema, type=[kind, "null"])
    return schema


def strict(node):
    """additionalProperties: false on declared objects; optional properties nullable. In place."""
    if isinstance(node, dict):
        for value in node.values():
            strict(value)
        props = node.get("properties")
        if isinstance(props, dict):
            node.setdefault("additionalProperties", False)
            required = set(node.get("required", []))
            for key in list(props):
                if key not in required:
                    props[key] = nullable(props[key])
    elif isinstance(node, list):
        for value in node:
            strict(value)
    return node


def int_or_string(node):
    """Inline `format: int-or-string` fields (outside the IntOrString type itself). In place."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("format") == "int-or-string":
                node[key] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
            else:
                int_or_string(value)
    elif isinstance(node, list):
        for value in node:
            int_or_string(value)
    return node


def file_name(gvk):
    """kubeconform's {{ .ResourceKind }}{{ .KindSuffix }}: the group's first label, if any."""
    kind, group, version = gvk["kind"].lower(), gvk.get("group", ""), gvk["version"].lower()
    if group:
        return "%s-%s-%s.json" % (kind, group.split(".")[0].lower(), version)
    return "%s-%s.json" % (kind, version)


def main(swagger_path, out_dir):
    with open(swagger_path, encoding="utf-8") as f:
        definitions = json.load(f)["definitions"]

    definitions[INT_OR_STRING] = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    definitions[QUANTITY] = {"oneOf": [{"type": "string"}, {"type": "number"}]}
    for name in definitions:
        definitions[name] = int_or_string(definitions[name])
    strict_defs = {name: strict(copy.deepcopy(d)) for name, d in definitions.items()}

    os.makedirs(out_dir, exist_ok=True)
    written = {}
    # Meta types (DeleteOptions, WatchEvent...) claim every group; real kinds win a name clash.
    names = sorted(definitions, key=lambda n: (n.startswith("io.k8s.apimachinery."), n))
    for name in names:
        for gvk in definitions[name].get("x-kubernetes-group-version-kind", []):
            target = file_name(gvk)
            if target in written:
                continue
            schema = copy.deepcopy(strict_defs[name])
            api_version = "%s/%s" % (gvk["group"], gvk["version"]) if gvk.get("group") else gvk["version"]
            props = schema.get("properties", {})
            if "apiVersion" in props:
                props["apiVersion"] = {"type": "string", "enum": [api_version]}
            if "kind" in props:
                props["kind"] = {"type": "string", "enum": [gvk["kind"]]}
            schema["$schema"] = "http://json-schema.org/draft-04/schema#"
            schema.setdefault("type", "object")
            schema["definitions"] = {ref: strict_defs[ref] for ref in sorted(closure(definitions, name))}
            with open(os.path.join(out_dir, target), "w", encoding="utf-8") as f:
                json.dump(schema, f, indent=1, sort_keys=True)
                f.write("\n")
            written[target] = name
    print("wrote %d schemas to %s" % (len(written), out_dir))
    return 0 if written else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: swagger2jsonschema.py SWAGGER_JSON OUT_DIR")
    sys.exit(main(sys.argv[1], sys.argv[2]))
