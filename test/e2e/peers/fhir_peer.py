"""A FHIR R4 client that validates what it sends and receives with fhir.resources (PyPI), whose
models are generated from the FHIR R4 (4.0.1) base StructureDefinitions, a validator no one here
wrote: types, cardinalities, required elements and primitive formats of every resource.

  fhir_peer.py < {"base", "token"?, "requests": [{"method", "path", "accept"?, "contentType"?, "body"?}],
                  "validate"?: [resource, ...]}
      -> {"responses": [{"status", "contentType", "location"?, "body", "valid", "errors": [...]}],
          "sentValid": [{"valid", "errors"}], "validated": [{"valid", "errors"}]}

Each response body that is JSON is parsed as the FHIR resource its resourceType names; a Bundle's
entries are each parsed as their own resource type too. Each body sent that is a resource is
checked the same way before it is sent, and so is each resource given in "validate" (one that
reached the test another way, such as a subscription's notification).
"""
import json
import sys

import requests
from fhir.resources import __fhir_version__, construct_fhir_element
from pydantic import ValidationError

assert __fhir_version__ == "4.0.1", __fhir_version__


def validate(resource):
    """The problems fhir.resources finds in a resource (JSON), none when it is valid R4."""
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return ["not a resource: no resourceType"]
    errors = []
    try:
        construct_fhir_element(resource["resourceType"], resource)
    except (ValidationError, ValueError, LookupError, TypeError) as err:
        errors.append(f"{resource['resourceType']}: {err}")
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            errors += validate(entry.get("resource"))
    return errors


def main():
    request = json.load(sys.stdin)
    session = requests.Session()
    out = {"responses": [], "sentValid": [], "validated": []}
    for r in request["requests"]:
        headers = {"Accept": r.get("accept", "application/fhir+json")}
        if request.get("token") and not r.get("anonymous"):
            headers["Authorization"] = f"Bearer {request['token']}"
        data = None
        if "body" in r:
            headers["Content-Type"] = r.get("contentType", "application/fhir+json")
            data = r["body"] if isinstance(r["body"], str) else json.dumps(r["body"])
            if isinstance(r["body"], dict):
                errors = validate(r["body"])
                out["sentValid"].append({"valid": not errors, "errors": errors})
        response = session.request(r["method"], request["base"] + r["path"], headers=headers, data=data, timeout=60)
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = validate(body) if body is not None else ["the body is not JSON"]
        out["responses"].append(
            {
                "status": response.status_code,
                "contentType": response.headers.get("Content-Type", ""),
                **({"location": response.headers["Location"]} if "Location" in response.headers else {}),
                "body": body,
                "valid": not errors,
                "errors": errors,
            }
        )
    for resource in request.get("validate", []):
        errors = validate(resource)
        out["validated"].append({"valid": not errors, "errors": errors})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
