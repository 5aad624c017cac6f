"""An HL7 v2 sender with python-hl7 (PyPI hl7), a peer no one here wrote: its MLLPClient sends each
message in an MLLP frame, and its parser reads the acknowledgements that come back.

  hl7_peer.py < {"port", "tls"?: {"ca", "cert"?, "key"?},
                 "messages": [{"text", "encoding"} | {"base64"}], "truncate"?: bool}
      -> {"acks": [{"MSH": {...}, "MSA": [...], "ERR": {...}, "raw"}], "tlsVersion"?, "error"?}
      -> with "truncate": {"received": bytes read until Tessera closed the connection}

All messages go over one connection, in order. MLLPClient returns what a single recv() gives, so
the rest of an acknowledgement's frame, if any, is read here. With "truncate", the one message is
sent without its end block and the sending side is shut down, then everything Tessera sends is
read until it closes the connection.
"""
import base64
import json
import socket
import ssl
import sys

import hl7
from hl7.client import EB, CR, MLLPClient

FRAME_END = EB + CR


def field(message, key):
    """A value by python-hl7 accessor key (SEG.F.R.C.S), unescaped; "" where absent."""
    try:
        return str(message[key])
    except (IndexError, KeyError):
        return ""


def read_ack(raw):
    text = raw.strip(b"\x0b").removesuffix(FRAME_END)
    # The acknowledgement is in the character set its MSH-18 names (that of the message it answers).
    encoding = "latin-1" if b"|8859/1" in text.split(b"\r", 1)[0] else "utf-8"
    message = hl7.parse(text.decode(encoding), encoding=encoding)
    return {
        "raw": text.decode(encoding),
        "MSH": {n: field(message, f"MSH.{n}") for n in (3, 4, 5, 6, 11, 12, 18)}
        | {"9": "^".join(filter(None, (field(message, f"MSH.9.1.{c}") for c in (1, 2, 3)))), "10": field(message, "MSH.10")},
        "MSA": [field(message, f"MSA.{n}") for n in (1, 2, 3)],
        "ERR": {
            "1": "^".join(field(message, f"ERR.1.1.{c}") for c in (1, 2, 3)),
            "1.4": "&".join(field(message, f"ERR.1.1.4.{s}") for s in (1, 2, 3)),
            "2": "^".join(filter(None, (field(message, f"ERR.2.1.{c}") for c in (1, 2, 3)))),
            "3": "^".join(field(message, f"ERR.3.1.{c}") for c in (1, 2, 3)),
            "4": field(message, "ERR.4"),
            "8": field(message, "ERR.8"),
        }
        # An acceptance has no ERR segment (python-hl7's segments() raises KeyError for none).
        if any(str(segment[0]) == "ERR" for segment in message)
        else None,
    }


def connect(request):
    client = MLLPClient("127.0.0.1", request["port"])
    tls = request.get("tls")
    if tls:
        context = ssl.create_default_context(cafile=tls["ca"])
        if tls.get("cert"):
            context.load_cert_chain(tls["cert"], tls["key"])
        client.socket = context.wrap_socket(client.socket, server_hostname="127.0.0.1")
    client.socket.settimeout(30)
    return client


def main():
    request = json.load(sys.stdin)
    out = {"acks": []}
    try:
        with connect(request) as client:
            if request.get("tls"):
                out["tlsVersion"] = client.socket.version()
            if request.get("truncate"):
                message = request["messages"][0]
                client.socket.sendall(b"\x0b" + message["text"].encode(message["encoding"]))
                client.socket.shutdown(socket.SHUT_WR)
                received = b""
                while chunk := client.socket.recv(4096):
                    received += chunk
                print(json.dumps({"received": len(received)}))
                return
            for message in request["messages"]:
                payload = base64.b64decode(message["base64"]) if "base64" in message else message["text"].encode(message["encoding"])
                raw = client.send_message(payload)
                while raw and not raw.endswith(FRAME_END):
                    raw += client.socket.recv(4096)
                if not raw:
                    raise ConnectionError("Tessera closed the connection without an acknowledgement")
                out["acks"].append(read_ack(raw))
    except (OSError, ssl.SSLError) as err:
        out["error"] = f"{type(err).__name__}: {err}"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
