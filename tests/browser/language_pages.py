"""The check both dashboard language walks run on each page (test_dashboard_languages_a/_b):
a full-page screenshot first, so a failure can be looked at, then axe-core and nothing cut
off, naming the elements wider than `container` when something is."""

import os
from pathlib import Path

from .conftest import SCREENSHOTS, axe_violations
from .test_dashboard_pages import CUT_OFF

SHOTS = Path(os.environ.get("SHOTS_DIR") or SCREENSHOTS)
WIDEST = """(selector) => [...document.querySelectorAll(selector + ' *')]
  .filter(el => el.getBoundingClientRect().right > document.querySelector(selector).getBoundingClientRect().right + 1
             || el.getBoundingClientRect().left < document.querySelector(selector).getBoundingClientRect().left - 1)
  .map(el => `${el.tagName}#${el.id}.${el.className} ${Math.round(el.getBoundingClientRect().width)}px`)"""


def check_translated_page(page, shot: str, container: str) -> None:
    page.wait_for_load_state()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    assert axe_violations(page) == [], shot
    problems = page.evaluate(CUT_OFF)
    assert problems == [], (shot, problems, page.evaluate(WIDEST, container))
