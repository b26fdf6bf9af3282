"""Thousands of generated payloads through the legacy service and gotify.send, on both server behaviours.

Every outcome is either a delivery (Gotify received a well-formed message) or a translated
``ServiceValidationError``/``HomeAssistantError`` (or Home Assistant's own schema refusing a field) whose
text renders; no other exception, and no unhandled exception in a task. ``FUZZ_PAYLOADS`` (per server
behaviour) and ``FUZZ_SEED`` set the budget and the seed; scripts/fuzz runs a large budget.
"""

import logging
import os
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.gotify.compat import vol
from custom_components.gotify.const import DOMAIN

from .fuzzing import PayloadGenerator, readable
from .gotify_double import GotifyDouble
from .helpers import notify_entity

PAYLOADS = int(os.environ.get("FUZZ_PAYLOADS", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))


@pytest.fixture
def other_applications() -> list[str]:
    """The account has a Garage application too, before ``home`` is set up."""
    return ["Garage"]


def _well_formed(body: dict[str, Any]) -> bool:
    return (
        isinstance(body.get("message"), str)
        and bool(body["message"].strip())
        and isinstance(body.get("priority"), int)
        and 0 <= body["priority"] <= 10
        and isinstance(body.get("extras"), dict)
        and isinstance(body["extras"].get("client::notification", {}).get("click", {}).get("url"), str)
    )


async def test_fuzzed_payloads(
    hass: HomeAssistant, gotify: GotifyDouble, home: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    generator = PayloadGenerator(SEED * 10 + int(gotify.version[0]), ["Home Assistant", "Garage"])
    entity = notify_entity(hass, home)
    outcomes = {"delivered": 0, "refused": 0}
    caplog.set_level(logging.WARNING)
    for index in range(PAYLOADS):
        legacy = index % 2 == 0
        payload = generator.legacy() if legacy else generator.send()
        before = len(gotify.requests_to("POST", "/message"))
        try:
            if legacy:
                await hass.services.async_call("notify", "gotify_home_assistant", payload, blocking=True)
            else:
                await hass.services.async_call(
                    DOMAIN, "send", {"entity_id": entity, **payload}, blocking=True, return_response=True
                )
        except (HomeAssistantError, vol.Invalid) as err:
            readable(err)
            outcomes["refused"] += 1
            continue
        except Exception as err:  # this is what the fuzz looks for
            pytest.fail(
                f"payload {index} ({'legacy' if legacy else 'gotify.send'}) raised {err!r}: {payload!r}"
            )
        sent = gotify.requests_to("POST", "/message")[before:]
        assert sent, f"payload {index} succeeded but nothing reached Gotify: {payload!r}"
        assert all(_well_formed(request.json) for request in sent), (payload, [r.json for r in sent])
        outcomes["delivered"] += 1

    print(f"{PAYLOADS} payloads on {gotify.version}: {outcomes}")
    assert outcomes["delivered"] > PAYLOADS // 10, outcomes
    assert outcomes["refused"] > PAYLOADS // 10, outcomes
    assert len(home.runtime_data.outbox) == 0  # the server was up: nothing queued
    unhandled = [
        record.getMessage()
        for record in caplog.records
        if record.exc_info
        or "Task exception" in record.getMessage()
        or "Error doing job" in record.getMessage()
    ]
    assert not unhandled, unhandled
