"""Validates audit messages against the DICOM audit message schema (PS3.15 A.5.1.1) with lxml's
RELAX NG validator (libxml2), a validator no one here wrote, and reads back what they say.

  audit_schema.py < {"schema": path of the .rnc, "messages": [xml text]}
      -> {"results": [{"valid": bool, "errors": [text], "parsed": {...} | null}]}

lxml reads the compact syntax through rnc2rng. The standard's schema puts "##" documentation
annotations where rnc2rng's grammar has no place for them (before a closing brace, e.g.
`"E" ## Execute }`); annotations never take part in validation (RELAX NG Compact Syntax,
section 4.13), so they are read as the plain comments they are.

"parsed" is what an independent XML parser finds in a message: the active participants'
attributes, the outcome description, and each participant object with its name, its query and
details decoded from base64 (as hex), so that a test can compare them with what went in.
"""
import base64
import json
import re
import sys

from lxml import etree


def parse(root):
    def objects():
        for o in root.iter("ParticipantObjectIdentification"):
            query = o.findtext("ParticipantObjectQuery")
            yield {
                "attributes": dict(o.attrib),
                "idType": dict(o.find("ParticipantObjectIDTypeCode").attrib),
                "name": o.findtext("ParticipantObjectName"),
                "queryHex": None if query is None else base64.b64decode(query, validate=True).hex(),
                "details": [{"type": d.get("type"), "valueHex": base64.b64decode(d.get("value"), validate=True).hex()} for d in o.iter("ParticipantObjectDetail")],
            }

    event = root.find("EventIdentification")
    return {
        "event": dict(event.attrib),
        "eventId": dict(event.find("EventID").attrib),
        "eventTypes": [dict(e.attrib) for e in event.iter("EventTypeCode")],
        "outcomeDescription": event.findtext("EventOutcomeDescription"),
        "participants": [
            dict(p.attrib) | {"roles": [r.get("csd-code") for r in p.iter("RoleIDCode")], "media": [m.get("csd-code") for m in p.iter("MediaType")]}
            for p in root.iter("ActiveParticipant")
        ],
        "source": dict(root.find("AuditSourceIdentification").attrib),
        "objects": list(objects()),
    }


def main():
    request = json.load(sys.stdin)
    with open(request["schema"], encoding="utf-8") as f:
        schema = etree.RelaxNG.from_rnc_string(re.sub(r"##", "#", f.read()))
    results = []
    for text in request["messages"]:
        try:
            root = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as e:
            results.append({"valid": False, "errors": [f"not well-formed: {e}"], "parsed": None})
            continue
        valid = schema.validate(root)
        results.append({"valid": valid, "errors": [str(e) for e in schema.error_log], "parsed": parse(root) if valid else None})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
