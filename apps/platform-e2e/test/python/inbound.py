"""The Python plivo SDK's side of the inbound end-to-end test, one call per run.

GATEWAY_URL, AUTH_ID and AUTH_TOKEN in the environment; the first argument names the call and
the second is its JSON input. Prints one JSON object. Only the SDK's base URIs are changed.

  setup  {"number", "message_url"}                  create an application and assign the number to it
  verify {"method", "url", "nonce", "signature", "params"}   validate_v3_signature on a received request
  send   {"src", "dst", "text"}                     send a message
  get    {"message_uuid"}                           read a message record
"""
import json
import os
import sys

import plivo
import plivo.rest.client as rest
from plivo.utils.signature_v3 import validate_v3_signature

BASE = os.environ["GATEWAY_URL"].rstrip("/") + "/v1/Account"
rest.PLIVO_API_BASE_URI = BASE
rest.API_VOICE_BASE_URI = BASE
rest.API_VOICE_BASE_URI_FALLBACK_1 = BASE
rest.API_VOICE_BASE_URI_FALLBACK_2 = BASE

call, args = sys.argv[1], json.loads(sys.argv[2])
client = plivo.RestClient(os.environ["AUTH_ID"], os.environ["AUTH_TOKEN"])

if call == "setup":
    app = client.applications.create(app_name="python-e2e", message_url=args["message_url"], message_method="POST")
    assigned = client.numbers.update(args["number"], app_id=app.app_id)
    number = client.numbers.get(args["number"])
    out = {"app_id": app.app_id, "assigned": assigned.message, "application": number.application}
elif call == "verify":
    valid = validate_v3_signature(args["method"], args["url"], args["nonce"], os.environ["AUTH_TOKEN"], args["signature"], args["params"])
    out = {"valid": valid}
elif call == "send":
    sent = client.messages.create(src=args["src"], dst=args["dst"], text=args["text"])
    out = {"message_uuid": sent.message_uuid[0]}
elif call == "get":
    message = client.messages.get(args["message_uuid"])
    out = {"message_state": message.message_state, "error_code": message.error_code, "message_direction": message.message_direction}
else:
    raise SystemExit("unknown call " + call)

json.dump(out, sys.stdout)
