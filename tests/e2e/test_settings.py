"""The Settings view in Chromium against its own stack (it rewrites the
stack's config.json, so it does not share the other scenarios' stack): a
wrong interval refused with its message, a right one saved and followed by
the scheduler's status."""
import json

from test_dashboard import run


def test_settings_change_an_interval_and_the_scheduler_follows(stack):
    stack.require("skylapse-scheduler")
    run(stack, "settings")
    saved = json.loads((stack.workdir / "config.json").read_text())
    assert saved["schedules"]["sky"]["interval_seconds"] == 7
    prev = json.loads((stack.workdir / "config.json.prev").read_text())
    assert prev["schedules"]["sky"]["interval_seconds"] == 3
    assert saved["profiles"] == {"c": {"enabled": True, "name": "Night sky", "ae": False,
                                       "exposure_us": 2000000, "analogue_gain": 4}}
    assert "profiles" not in prev
    # everything the page does not show went back as it came
    assert saved["capture"] == prev["capture"] and saved["pi"] == prev["pi"]
