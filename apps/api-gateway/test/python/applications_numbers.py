"""The Python plivo SDK against the gateway: Application, Number and Message calls as an application makes them.

Run by plivo-python-sdk.int-spec.ts with GATEWAY_URL, AUTH_ID, AUTH_TOKEN, NUMBER and MESSAGE_URL
in the environment; prints one JSON object with what each call returned (or raised), which the
test asserts on. Only the two base URIs are changed, as an application would change them.
"""
import json
import os
import sys

import plivo
import plivo.rest.client as rest

BASE = os.environ["GATEWAY_URL"].rstrip("/") + "/v1/Account"
rest.PLIVO_API_BASE_URI = BASE
rest.API_VOICE_BASE_URI = BASE
rest.API_VOICE_BASE_URI_FALLBACK_1 = BASE
rest.API_VOICE_BASE_URI_FALLBACK_2 = BASE

client = plivo.RestClient(os.environ["AUTH_ID"], os.environ["AUTH_TOKEN"])
number = os.environ["NUMBER"]
message_url = os.environ["MESSAGE_URL"]
out = {}


def failure(call):
    """The SDK's exception class and message for a call that must fail."""
    try:
        call()
    except plivo.exceptions.PlivoRestError as error:
        return {"error": type(error).__name__, "message": str(error)}
    return {"error": None}


def application(app):
    return {
        "app_id": app.app_id,
        "app_name": app.app_name,
        "message_url": app.message_url,
        "message_method": app.message_method,
        "log_incoming_message": app.log_incoming_message,
        "answer_url": app.answer_url,
        "resource_uri": app.resource_uri,
        "sub_account": app.sub_account,
    }


created = client.applications.create(
    app_name="python-replies",
    message_url=message_url,
    message_method="GET",
    log_incoming_messages=False,
    answer_url="https://example.com/answer",
)
app_id = created.app_id
out["create"] = {"app_id": app_id, "message": created.message, "api_id": created.api_id}
out["get"] = application(client.applications.get(app_id))
listed = client.applications.list(limit=20, offset=0)
out["list"] = {"total_count": listed.meta.total_count, "limit": listed.meta.limit, "app_ids": [a.app_id for a in listed.objects]}
out["list_by_name"] = [a.app_id for a in client.applications.list(app_name="python-replies").objects]
updated = client.applications.update(app_id, message_url=message_url + "?v=2", message_method="POST", log_incoming_messages=False)
out["update"] = {"message": updated.message}
out["after_update"] = application(client.applications.get(app_id))
out["bad_method"] = failure(lambda: client.applications.create(app_name="bad", message_method="PUT"))
out["missing_app"] = failure(lambda: client.applications.get("12345678901234567"))

numbers = client.numbers.list(limit=20)
out["numbers"] = {"total_count": numbers.meta.total_count, "numbers": [n.number for n in numbers.objects]}
out["number_before"] = {"application": client.numbers.get(number).application}
assigned = client.numbers.update(number, app_id=app_id, alias="front desk")
out["assign"] = {"message": assigned.message}
after = client.numbers.get(number)
out["number_after"] = {"application": after.application, "alias": after.alias, "number_type": after.number_type, "sms_enabled": after.sms_enabled}
out["assign_unknown_app"] = failure(lambda: client.numbers.update(number, app_id="98765432109876543"))
out["unknown_number"] = failure(lambda: client.numbers.get("14155550000"))

# The Message API through the same client: send, read back, list, and a 400 the SDK maps.
sent = client.messages.create(src=number, dst="12025550123<12025550124", text="Hello from the Python SDK")
out["send"] = {"message": sent.message, "uuids": len(sent.message_uuid), "api_id": sent.api_id}
record = client.messages.get(sent.message_uuid[0])
out["message_get"] = {"message_uuid": record.message_uuid, "message_state": record.message_state, "from_number": record.from_number, "units": record.units}
page = client.messages.list(limit=5, offset=0)
out["message_list"] = {"limit": page.meta.limit, "count": len(page.objects)}
out["send_not_owned"] = failure(lambda: client.messages.create(src="14155550000", dst="12025550123", text="x"))

client.applications.delete(app_id)
out["deleted_get"] = failure(lambda: client.applications.get(app_id))
out["number_after_delete"] = {"application": client.numbers.get(number).application}

json.dump(out, sys.stdout)
