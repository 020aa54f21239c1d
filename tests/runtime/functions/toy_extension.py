"""A minimal internal extension, written the way a telemetry layer would write one.

It registers synchronously while the handler module is imported (so registration happens during
init, before the runtime's first `next`), for INVOKE only, then a daemon thread loops on
`event/next`. For each INVOKE it does `work_ms` of "post-response" work before asking for the next
event, which the emulator must count in the billed time but not in the caller's response time.
"""

import http.client
import json
import os
import threading
import time

_BASE = "/2020-01-01/extension"


def _request(method, path, body=None, headers=None):
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=None)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def register(name, events):
    """POST /register; returns (status, extension id or None, parsed body)."""
    status, headers, body = _request("POST", _BASE + "/register", json.dumps({"events": events}),
                                     {"Lambda-Extension-Name": name})
    ext_id = {k.lower(): v for k, v in headers.items()}.get("lambda-extension-identifier")
    return status, ext_id, json.loads(body or b"null")


class ToyExtension:
    def __init__(self, name="toy-ext", work_ms=50):
        self.name = name
        self.work_ms = work_ms
        self.seen = []                      # (requestId, deadlineMs, time the event arrived)
        self.done = []                      # requestIds whose post-response work finished
        self._new_event = threading.Condition()
        self.status, self.ext_id, self.body = register(name, ["INVOKE"])
        if self.status == 200:
            threading.Thread(target=self._loop, name=name, daemon=True).start()

    def _loop(self):
        headers = {"Lambda-Extension-Identifier": self.ext_id}
        while True:
            status, _, body = _request("GET", _BASE + "/event/next", headers=headers)
            event = json.loads(body)
            if event.get("eventType") != "INVOKE":
                return
            with self._new_event:
                self.seen.append(event)
                self._new_event.notify_all()
            time.sleep(self.work_ms / 1000.0)        # the post-response work
            self.done.append(event["requestId"])

    def wait_for(self, request_id, timeout=1.0):
        """Block until this extension has received the INVOKE for request_id."""
        with self._new_event:
            return self._new_event.wait_for(
                lambda: any(e["requestId"] == request_id for e in self.seen), timeout)
