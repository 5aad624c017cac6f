"""Opens an association with pynetdicom offering User Identity Negotiation (PS3.7 D.3.3.7), then C-ECHO.

  identity_peer.py < {"port", "aet", "callingAet"?, "identity"?: {"type", "primary", "secondary"?, "positiveResponse"?}}
      -> {"associated", "echo"?: status, "serverResponse"?: hex or null,
          "rejection"?: {"result", "source", "reason"}}
"""
import json
import sys

from pynetdicom import AE
from pynetdicom.pdu_primitives import UserIdentityNegotiation
from pynetdicom.sop_class import Verification


def main() -> None:
    request = json.load(sys.stdin)
    ae = AE(ae_title=request.get("callingAet", "IDENTITY"))
    ae.add_requested_context(Verification)
    ext_neg = []
    identity = request.get("identity")
    if identity is not None:
        item = UserIdentityNegotiation()
        item.user_identity_type = identity["type"]
        item.positive_response_requested = bool(identity.get("positiveResponse", False))
        item.primary_field = identity["primary"].encode("utf-8")
        item.secondary_field = identity.get("secondary", "").encode("utf-8")
        ext_neg.append(item)
    assoc = ae.associate("127.0.0.1", request["port"], ae_title=request["aet"], ext_neg=ext_neg)
    if assoc.is_rejected:
        answer = assoc.acceptor.primitive
        print(json.dumps({"associated": False, "rejection": {"result": answer.result, "source": answer.result_source, "reason": answer.diagnostic}}))
        return
    if not assoc.is_established:
        print(json.dumps({"associated": False}))
        return
    response = assoc.acceptor.user_identity
    server_response = None if response is None or response.server_response is None else response.server_response.hex()
    status = assoc.send_c_echo()
    assoc.release()
    print(json.dumps({"associated": True, "echo": int(status.Status) if status else None, "serverResponse": server_response}))


if __name__ == "__main__":
    main()
