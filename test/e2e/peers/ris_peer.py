"""A RIS's MLLP listener, played by python-hl7's asyncio server (hl7.mllp.start_hl7_server), a peer
no one here wrote: it reads each message Tessera sends, prints what it says as a JSON line, and
answers with python-hl7's own acknowledgement (Message.create_ack).

  ris_peer.py PORT [ACK_CODE]   -> {"listening": PORT}, then one line per message received:
                                   {"MSH": {...}, "PID": {...}, "ORC": {...}, "OBR": {...}, "ZDS": "...", "raw"}
"""
import asyncio
import json
import sys

import hl7
from hl7.mllp import start_hl7_server


def field(message, key):
    try:
        return str(message[key])
    except (IndexError, KeyError):
        return ""


def describe(message):
    return {
        "MSH": {n: field(message, f"MSH.{n}") for n in ("3", "4", "10", "11", "12", "18")} | {"9": "^".join(filter(None, (field(message, f"MSH.9.1.{c}") for c in (1, 2, 3))))},
        "PID": {"3": field(message, "PID.3.1.1"), "3.4": field(message, "PID.3.1.4"), "5": field(message, "PID.5"), "7": field(message, "PID.7"), "8": field(message, "PID.8")},
        "ORC": {n: field(message, f"ORC.{n}") for n in ("1", "2", "3", "5")},
        "OBR": {n: field(message, f"OBR.{n}") for n in ("2", "18", "19", "20", "24")},
        "ZDS": field(message, "ZDS.1.1.1"),
        "raw": str(message),
    }


async def main():
    port = int(sys.argv[1])
    code = sys.argv[2] if len(sys.argv) > 2 else "AA"

    async def answer(reader, writer):
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                print(json.dumps(describe(message)), flush=True)
                writer.writemessage(message.create_ack(ack_code=code))
                await writer.drain()
        except asyncio.IncompleteReadError:
            if not writer.is_closing():
                writer.close()
                await writer.wait_closed()

    async with await start_hl7_server(answer, host="127.0.0.1", port=port, encoding="utf-8") as server:
        print(json.dumps({"listening": port}), flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
