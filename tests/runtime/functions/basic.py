"""Toy handlers without any extension: return values, errors, the context, /tmp, timeouts, crashes."""

import os
import time


def echo(event, context):
    if isinstance(event, dict) and "say" in event:
        print(event["say"])
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "tmpdir": os.environ.get("TMPDIR"),
        "pid": os.getpid(),
    }


def boom(event, context):
    raise ValueError("boom")


def write_then_sleep(event, context):
    """Write a marker file to /tmp (TMPDIR), then sleep (long enough to time out when asked to)."""
    path = os.path.join(os.environ["TMPDIR"], event.get("name", "marker.txt"))
    with open(path, "w") as f:
        f.write(context.aws_request_id)
    time.sleep(event.get("sleep_s", 0))
    return {"pid": os.getpid(), "tmp_files": sorted(os.listdir(os.environ["TMPDIR"]))}


def exit_hard(event, context):
    print("about to exit", flush=True)
    os._exit(3)
