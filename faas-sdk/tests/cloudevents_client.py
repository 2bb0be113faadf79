"""Sends CloudEvents built by the CloudEvents Python SDK to a faas function.

Run by `cloudevents_client.rs`, which pins the SDK (cloudevents==1.13.0) and
asserts what the function received. The events are built with
`cloudevents.http.CloudEvent`, converted with `to_binary` / `to_structured`
and posted with `urllib.request`, as an application using the SDK would.

    python3 cloudevents_client.py JSON_URL BYTES_URL

JSON_URL takes events whose data is an order (JSON), BYTES_URL any data.
Prints one JSON line per event: its name, the attributes the SDK gave it,
the headers and body sent, and the status of the answer.
"""

import base64
import json
import sys
import urllib.error
import urllib.request

import cloudevents
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent


def percent_encode(value):
    """A header value encoded as the HTTP binding requires (section 3.1.3.2).

    SDK 1.13.0 writes header values as they are; http.client can only send
    Latin-1, so non-ASCII values must be encoded by the sender.
    """
    encoded = []
    for byte in value.encode("utf-8"):
        if 0x21 <= byte <= 0x7E and byte not in (0x22, 0x25):
            encoded.append(chr(byte))
        else:
            encoded.append("%{:02X}".format(byte))
    return "".join(encoded)


def post(url, headers, body):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def order(order_id, quantity, **attributes):
    """An order event; `attributes` adds to or overrides its type and source."""
    return CloudEvent(
        {"type": "com.example.order.created", "source": "//orders/eu-west-1", **attributes},
        {"order_id": order_id, "quantity": quantity},
    )


# Orders: (name, mode, whether the script percent-encodes headers, data, attributes).
ORDERS = [
    (
        "binary-ascii",
        "binary",
        False,
        ("o-1", 2),
        {
            "id": "py-binary-1",
            "datacontenttype": "application/json",
            "subject": 'order "o-1" is ready',
            "time": "2026-01-02T03:04:05Z",
            "tenant": "acme",
        },
    ),
    # No `time`: the SDK sets the current time, written with `+00:00`.
    (
        "binary-unicode",
        "binary",
        True,
        ("o-2", 1),
        {
            "id": "py-binary-2",
            "datacontenttype": "application/json",
            "subject": "Bestellung für 5 € (100% bezahlt)",
            "tenant": "acme €",
        },
    ),
    (
        "structured",
        "structured",
        False,
        ("o-3", 7),
        {
            "id": "py-structured-1",
            "subject": "Bestellung für 5 €",
            "time": "2026-01-02T03:04:05+00:00",
            "dataschema": "https://example.com/order.json",
            "tenant": "acme €",
            "priority": 3,
        },
    ),
]


def events(json_url, bytes_url):
    """(name, url, mode, event, whether the script percent-encodes headers)."""
    for name, mode, encode, (order_id, quantity), attributes in ORDERS:
        yield name, json_url, mode, order(order_id, quantity, **attributes), encode
    kinds = [
        ("bytes", "com.example.blob", "//blobs", "application/octet-stream", b"\x00\xff\n"),
        ("text", "com.example.note", "//notes", "text/plain", "héllo"),
    ]
    for kind, event_type, source, content_type, data in kinds:
        for mode in ("binary", "structured"):
            attributes = {
                "type": event_type,
                "source": source,
                "id": "py-{}-{}".format(mode, kind),
                "datacontenttype": content_type,
            }
            yield mode + "-" + kind, bytes_url, mode, CloudEvent(attributes, data), False


def main():
    json_url, bytes_url = sys.argv[1], sys.argv[2]
    for name, url, mode, event, encode in events(json_url, bytes_url):
        headers, body = to_binary(event) if mode == "binary" else to_structured(event)
        if encode:
            headers = {
                key: percent_encode(value) if key.lower().startswith("ce-") else value
                for key, value in headers.items()
            }
        status, answer = post(url, headers, body)
        print(
            json.dumps(
                {
                    "name": name,
                    "sdk": cloudevents.__version__,
                    "attributes": {
                        key: value if isinstance(value, (str, int)) else str(value)
                        for key, value in event.get_attributes().items()
                    },
                    "headers": headers,
                    "body_base64": base64.b64encode(body).decode("ascii"),
                    "status": status,
                    "answer": answer,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
