"""The HTTP gateway backend against a local stand-in gateway: the JSON it posts, success with the provider id,
temporary (5xx, unreachable) and permanent (4xx) failures."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from fanxiang.notifications.sms import HttpGatewayBackend, SmsError, SmsMessage


class Gateway(BaseHTTPRequestHandler):
    status = 200
    answer = b'{"id": "gw-42"}'
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Gateway.received.append((dict(self.headers), json.loads(self.rfile.read(length))))
        self.send_response(Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(Gateway.answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    Gateway.received = []
    Gateway.status, Gateway.answer = 200, b'{"id": "gw-42"}'
    settings.FANXIANG_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.FANXIANG_SMS_GATEWAY_KEY = "secret-key"
    settings.FANXIANG_SMS_GATEWAY_TIMEOUT = 2
    settings.FANXIANG_SMS_SIGN = "周口返乡创业"
    yield Gateway
    server.shutdown()
    server.server_close()


def test_posts_json_and_returns_the_provider_id(gateway):
    provider_id = HttpGatewayBackend().send(SmsMessage(to="13700000001", text="您好"))
    assert provider_id == "gw-42"
    headers, body = gateway.received[0]
    assert headers["Authorization"] == "Bearer secret-key"
    assert body["mobile"] == "13700000001" and body["content"] == "您好" and body["sign"] == "周口返乡创业"
    assert len(body["request_id"]) == 32


def test_server_error_is_temporary(gateway):
    gateway.status, gateway.answer = 503, b'{"error": "busy"}'
    with pytest.raises(SmsError) as exc:
        HttpGatewayBackend().send(SmsMessage(to="13700000001", text="x"))
    assert exc.value.code == "sms.gateway_http_503" and exc.value.retryable and "busy" in exc.value.message
    assert "secret-key" not in exc.value.message


def test_client_error_is_permanent(gateway):
    gateway.status, gateway.answer = 400, b'{"error": "bad mobile"}'
    with pytest.raises(SmsError) as exc:
        HttpGatewayBackend().send(SmsMessage(to="13700000001", text="x"))
    assert exc.value.code == "sms.gateway_http_400" and not exc.value.retryable


def test_unreachable_and_unconfigured(settings):
    settings.FANXIANG_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"
    settings.FANXIANG_SMS_GATEWAY_TIMEOUT = 1
    with pytest.raises(SmsError) as exc:
        HttpGatewayBackend().send(SmsMessage(to="13700000001", text="x"))
    assert exc.value.code == "sms.gateway_unreachable" and exc.value.retryable
    settings.FANXIANG_SMS_GATEWAY_URL = ""
    with pytest.raises(SmsError) as exc:
        HttpGatewayBackend().send(SmsMessage(to="13700000001", text="x"))
    assert exc.value.code == "sms.gateway_not_configured" and not exc.value.retryable


@pytest.mark.django_db
def test_gateway_failure_is_recorded_on_the_delivery(gateway, settings, demo):
    from fanxiang.notifications import services
    from fanxiang.portal.tests.factories import registry_person

    settings.FANXIANG_SMS_BACKEND = "fanxiang.notifications.sms.HttpGatewayBackend"
    person = registry_person(demo["officer_411625"], name="网关人", mobile="13700000002")
    n = services.notify(
        event="loan_rejected", recipient_entrepreneur=person, context={"name": "网关人", "reasons": "x"}
    )
    gateway.status, gateway.answer = 500, b"oops"
    d = services.delivery_send(delivery_id=n.deliveries.get(channel="sms").pk)
    assert d.status == "retrying" and d.last_error.startswith("sms.gateway_http_500")
    gateway.status, gateway.answer = 200, b'{"message_id": "m-7"}'
    d = services.delivery_send(delivery_id=d.pk, now=d.next_attempt_at)
    assert d.status == "sent" and d.provider_id == "m-7"
