"""The inspector page in a real browser (headless Debian Chromium via Selenium): the layer's conversations,
the rejected requests, the demo's figures, live refresh, and untrusted input shown as text, never run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any, List

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.inspector.support import REPO, XSS_NAME, XSS_TEXT, XSS_USER, api_request, generic_turn, run_layer

ALEXA = ["alexa/launch", "alexa/intent", "alexa/session_ended"]
LEX_V2 = ["lex/v2_dialog_code_hook", "lex/v2_fulfillment"]
WEBCHAT = ["generic/webchat_function_url", "generic/webchat_apigw_rest"]


def conversation(driver: Any, platform: str, user: str) -> Any:
    found = [
        c
        for c in driver.find_elements(By.CSS_SELECTOR, "details.conversation[data-platform='%s']" % platform)
        if c.get_attribute("data-user") == user
    ]
    assert len(found) == 1, f"{len(found)} conversations for {platform}/{user}"
    return found[0]


def turns(conv: Any) -> List[tuple]:
    """(direction, bubble text, meta text) of each turn, in order. The bubble text is the message, after
    what kind of input it was ("voice", "LaunchRequest", ...) when the record says."""
    return [
        (
            t.get_attribute("data-direction"),
            t.find_element(By.CLASS_NAME, "bubble").text,
            t.find_element(By.CLASS_NAME, "meta").text,
        )
        for t in conv.find_elements(By.CSS_SELECTOR, "li.turn")
    ]


def texts(conv: Any) -> List[tuple]:
    """(direction, message text) of each turn, without the kind."""
    return [
        (
            t.get_attribute("data-direction"),
            " ".join(x.text for x in t.find_elements(By.CSS_SELECTOR, ".bubble .text")),
        )
        for t in conv.find_elements(By.CSS_SELECTOR, "li.turn")
    ]


def no_alert(driver: Any) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 - the property raises when no dialog is open


def test_given_layer_runs_and_rejections_when_page_loads_then_transcripts_rejections_and_figures_show(
    inspected, browser, tmp_path, artifacts
):
    run_layer(inspected, ALEXA + LEX_V2 + WEBCHAT, str(tmp_path / "spool"))
    assert inspected.wait_for(3 + 2 + 4)
    wrong = api_request(inspected, "messages/generic/", generic_turn("web-1", "hi"), token="wrong-token-123")
    missing = api_request(inspected, "messages/generic/", {"is_sender_bot": False, "user": {"id": "web-2"}})
    assert (wrong[0], missing[0]) == (401, 400)
    inspected.set_demo_report(
        {
            "rounds": 1,
            "bots": [
                {
                    "bot": "alexa_skill",
                    "invocations": 3,
                    "added_p50_ms": 0.91,
                    "added_p99_ms": 3.5,
                    "delivered": 3,
                }
            ],
            "layer": {"delivered": 9, "retried": 2},
        }
    )

    browser.get(inspected.inspector_url)
    assert browser.title == "Botanalytics inspector"

    # Alexa: each request/response pair is one user turn and one bot turn, with intent and slot
    alexa = conversation(browser, "alexa", "amzn1.ask.account.AGF7EXAMPLEUSERID3XQ5N2L4K")
    got = turns(alexa)
    assert [d for d, _, _ in got] == ["user", "bot"] * 3
    assert got[0][1] == "LaunchRequest"
    assert got[1][1].endswith(
        "Welcome to the Flower Shop. You can order roses, tulips or lilies. What would you like?"
    )
    assert got[2][1] == "IntentRequest"
    assert "intent: OrderFlowersIntent" in got[2][2] and "slot: FlowerType=roses" in got[2][2]
    assert "Your roses are ordered. You can pick them up tomorrow." in got[3][1]
    assert got[4][1] == "SessionEndedRequest" and "reason: USER_INITIATED" in got[4][2]
    assert "2024-01-01 12:00:00 UTC" in got[0][2] and "2024-01-01 12:00:07 UTC" in got[2][2]
    assert "amzn1.ask.skill.7c1f2e5a" in alexa.find_element(By.TAG_NAME, "summary").text

    # Lex V2: the flat user_content / bot_content shape, intent and state
    lex = turns(conversation(browser, "lex", "U04ABCDEF12:T01ABCDEF:D05ABCDEF"))
    assert lex[0][:2] == ("user", "text I would like to order some flowers")
    assert "intent: OrderFlowers" in lex[0][2] and "channel: Slack" in lex[0][2]
    assert lex[1][0] == "bot" and "What type of flowers would you like to order?" in lex[1][1]
    assert "state: InProgress" in lex[1][2]
    lex2 = turns(conversation(browser, "lex", "us-east-1:4c3b2a19-8d7e-4f6a-b5c4-d3e2f1a0b9c8"))
    assert [(d, t) for d, t, _ in lex2] == [
        ("user", "voice I want roses"),
        ("bot", "text Your roses are ordered."),
    ]

    # Generic web chat: is_sender_bot, user name, NLU payload, the message's own timestamp
    grace = conversation(browser, "generic", "web-55aa01")
    assert "Grace" in grace.find_element(By.TAG_NAME, "summary").text
    chat = turns(grace)
    assert [(d, t) for d, t, _ in chat] == [
        ("user", "hi there"),
        ("bot", "Hi Grace! How can I help you today?"),
    ]
    assert "intent: greet (0.97)" in chat[0][2] and "nlu: rasa" in chat[0][2]
    assert "2024-01-01 12:00:10 UTC" in chat[0][2]
    assert [t for _, t, _ in turns(conversation(browser, "generic", "web-7f3a91"))] == [
        "Hello!",
        "Hi Ada! How can I help you today?",
    ]

    # the raw JSON of a record, on demand
    raw = grace.find_element(By.CSS_SELECTOR, "li.record details")
    assert not raw.find_element(By.TAG_NAME, "pre").is_displayed()
    raw.find_element(By.TAG_NAME, "summary").click()
    shown = json.loads(raw.find_element(By.TAG_NAME, "pre").text)
    assert shown["nlu_payload"]["intent"] == {"name": "greet", "confidence": 0.97}

    # rejections: the same JSON error the API answered, and why
    rejections = browser.find_elements(By.CSS_SELECTOR, "li.rejection")
    by_status = {r.get_attribute("data-status"): r for r in rejections}
    assert set(by_status) == {"401", "400"}
    assert by_status["401"].find_element(By.CLASS_NAME, "error-json").text == wrong[1]
    assert "not the collector's token" in by_status["401"].text
    assert by_status["400"].find_element(By.CLASS_NAME, "error-json").text == missing[1]
    assert "missing required field 'message'" in missing[1]
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "wrong-token-123" not in page and inspected.token not in page

    # the figures: platforms, records, rejected, retries and latency reported by the demo
    platforms = {
        r.get_attribute("data-platform"): r.text
        for r in browser.find_elements(By.CSS_SELECTOR, "#platforms tr[data-platform]")
    }
    assert set(platforms) == {"alexa", "lex", "generic"}
    figures = {
        c.get_attribute("data-figure"): c.find_element(By.CLASS_NAME, "card-value").text
        for c in browser.find_elements(By.CSS_SELECTOR, ".card")
    }
    assert figures["records stored"] == "9" and figures["rejected"] == "2" and figures["retries"] == "2"
    assert figures["added latency p50"] == "0.91 ms"
    assert "alexa_skill" in browser.find_element(By.ID, "demo-bots").text

    browser.set_window_size(
        1280, min(browser.execute_script("return document.documentElement.scrollHeight"), 4000)
    )
    assert browser.save_screenshot(str(artifacts / "inspector.png"))
    browser.set_window_size(1280, 1000)
    no_alert(browser)


def test_given_html_in_api_input_when_page_loads_and_refreshes_then_it_is_text_and_never_runs(
    inspected, browser, artifacts
):
    browser.get(inspected.inspector_url)
    WebDriverWait(browser, 5).until(lambda d: "live" in d.find_element(By.ID, "live").get_attribute("class"))
    assert api_request(inspected, "messages/generic/", generic_turn("web-ok", "first"))[0] == 201
    # the page picks the record up by itself (no reload): the live refresh
    WebDriverWait(browser, 8).until(lambda d: d.find_elements(By.CSS_SELECTOR, "details.conversation"))
    raw = browser.find_element(By.CSS_SELECTOR, "li.record details")
    raw.find_element(By.TAG_NAME, "summary").click()

    # hostile values: message text, user id and name, a rejected body, a path
    assert (
        api_request(inspected, "messages/generic/", generic_turn(XSS_USER, XSS_TEXT, name=XSS_NAME))[0] == 201
    )
    assert (
        api_request(inspected, "messages/generic/", {"user": XSS_TEXT}, token="<script>alert(4)</script>")[0]
        == 401
    )
    assert api_request(inspected, "<img/src=x/onerror=alert(5)>/", {"x": XSS_TEXT})[0] == 404
    WebDriverWait(browser, 8).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "details.conversation")) == 2
    )
    WebDriverWait(browser, 8).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.rejection")) == 2)

    for how in ("live refresh", "page load"):
        if how == "page load":
            browser.refresh()
        no_alert(browser)
        assert browser.execute_script("return window.__pwned === undefined"), how
        assert not browser.find_elements(
            By.CSS_SELECTOR, "#content img, #content script, #content svg, #content b"
        )
        hostile = conversation(browser, "generic", XSS_USER)
        assert turns(hostile)[0][1] == XSS_TEXT, how
        assert XSS_NAME in hostile.find_element(By.TAG_NAME, "summary").text
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "<img/src=x/onerror=alert(5)>/" in body
        if how == "live refresh":  # the raw JSON the reader opened stayed open across the refresh
            assert browser.find_element(By.CSS_SELECTOR, "li.record details[open] pre").is_displayed()
    details = hostile.find_element(By.CSS_SELECTOR, "li.record details")
    details.find_element(By.TAG_NAME, "summary").click()
    assert json.loads(details.find_element(By.TAG_NAME, "pre").text)["message"]["text"] == XSS_TEXT
    no_alert(browser)
    assert browser.execute_script("return window.__pwned === undefined")
    browser.save_screenshot(str(artifacts / "inspector-xss.png"))


def test_given_make_demo_with_serve_when_it_finishes_then_last_line_is_the_page_showing_its_run(browser):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    env = {k: v for k, v in env.items() if not k.startswith("BOTANALYTICS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.demo", "--rounds", "1", "--serve"],
        cwd=str(REPO),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: List[str] = []
    done = threading.Event()

    def read() -> None:
        for line in iter(proc.stdout.readline, ""):
            lines.append(line.rstrip("\n"))
            if "Ctrl-C" in line:
                done.set()
        done.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert done.wait(60), "the demo did not finish"
        deadline = time.monotonic() + 5
        while not lines[-1].startswith("inspector: ") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lines[-1].startswith("inspector: http://127.0.0.1:"), lines[-3:]
        url = lines[-1].split(" ", 1)[1]
        assert any(line.startswith("inspector: " + url) for line in lines[:3]), "printed at start too"
        browser.get(url)
        platforms = {
            r.get_attribute("data-platform")
            for r in browser.find_elements(By.CSS_SELECTOR, "#platforms tr[data-platform]")
        }
        assert platforms == {"alexa", "lex", "generic"}
        bots = browser.find_element(By.ID, "demo-bots").text
        assert "alexa_skill" in bots and "lex_bot" in bots and "webchat" in bots
        assert browser.find_elements(By.CSS_SELECTOR, "details.conversation[data-platform='lex']")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, proc.stderr.read()
