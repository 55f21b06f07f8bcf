"""The hotline's traffic mix for locust, driven by bench/load.py (see there for the numbers).

Each simulated client is an operator's console or a sender, sending its next request
as soon as the last one is answered: intake, queue refreshes, identity lookups, case
updates, and bursts of inbound SMS through the Twilio webhook, signed as Twilio signs.
Inputs come from files bench/load.py writes: case references and caller names that
exist in the database under test.
"""

import json
import os
import random
import secrets
from pathlib import Path
from urllib.parse import urlencode

from locust import HttpUser, constant, task
from twilio.request_validator import RequestValidator

TOKEN = os.environ["LOAD_API_TOKEN"]
TWILIO_TOKEN = os.environ["LOAD_TWILIO_TOKEN"]
PUBLIC_URL = os.environ["LOAD_PUBLIC_URL"]
REFERENCES = Path(os.environ["LOAD_REFERENCES"]).read_text().split()
NAMES = [line.split("\t") for line in Path(os.environ["LOAD_NAMES"]).read_text().splitlines()]
BODIES = [json.loads(line) for line in Path(os.environ["LOAD_BODIES"]).read_text().splitlines()]
SMS = [
    "Здравствуйте, в Судже нет воды третий день, нужна вода и лекарства",
    "Доброго дня, потрібна евакуація, мама на візку",
    "Hello, my parents in Sudzha need insulin urgently",
    "Нужна эвакуация, двое детей, Гуево",
]


class Hotline(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"
        self.rng = random.Random()

    @task(3)
    def intake(self) -> None:
        self.client.post("/api/v1/cases", json=self.rng.choice(BODIES), name="POST /api/v1/cases")

    @task(5)
    def queue_refresh(self) -> None:
        self.client.get("/api/v1/cases?limit=25", name="GET /api/v1/cases")

    @task(3)
    def identity_match(self) -> None:
        given, family = self.rng.choice(NAMES)
        self.client.get(
            "/api/v1/people/match",
            params={"given_name": given, "family_name": family, "limit": 5},
            name="GET /api/v1/people/match",
        )

    @task(2)
    def case_update(self) -> None:
        reference = self.rng.choice(REFERENCES)
        self.client.post(
            f"/api/v1/cases/{reference}/events",
            json={"kind": "note", "text": "Перезвонили, ждут эвакуацию."},
            name="POST /api/v1/cases/{reference}/events",
        )

    @task(1)
    def webhook_burst(self) -> None:
        # A sender delivers several messages back to back, as after a network outage.
        for _ in range(5):
            sid = "SM" + secrets.token_hex(16)
            params = {
                "MessageSid": sid,
                "SmsMessageSid": sid,
                "SmsSid": sid,
                "AccountSid": "AC" + "0" * 32,
                "From": f"+7910{self.rng.randrange(10**7):07d}",
                "To": "+380931234567",
                "Body": self.rng.choice(SMS),
                "NumMedia": "0",
                "NumSegments": "1",
                "SmsStatus": "received",
                "ApiVersion": "2010-04-01",
            }
            url = f"{PUBLIC_URL}/channels/twilio/"
            signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
            self.client.post(
                "/channels/twilio/",
                data=urlencode(params),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                    "Authorization": "",
                },
                name="POST /channels/twilio/ (burst of 5)",
            )
