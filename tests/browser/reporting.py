"""Helpers to walk the report flow's steps in a browser (privacy notice, where, what, photos, summary)."""

import io

from PIL import Image

from tests.factories import ROMA

# Zoomed on the Colosseum, where an existing site already is.
REPORT_URL = f"/segnala/#17/{ROMA[1]}/{ROMA[0]}"
SQUARE = [(-70, -50), (70, -50), (70, 50), (-70, 50)]
BOW_TIE = [(-70, -50), (70, 50), (70, -50), (-70, 50)]
STEPS = ["privacy", "where", "what", "photos", "summary"]


def jpeg(path, size=(640, 480)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (170, 120, 60)).save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def current_step(page):
    return page.get_attribute(".registry-step.is-current", "data-step")


def next_step(page):
    """Press Next and wait for the following step (its heading takes the focus)."""
    target = STEPS[STEPS.index(current_step(page)) + 1]
    page.click("#step-next")
    page.wait_for_selector(f".registry-step.is-current[data-step={target}]")
    return target


def walk_to(page, name):
    """From the privacy notice (accepted on the way) to step `name`."""
    if current_step(page) == "privacy" and not page.is_checked("#id_privacy"):
        page.click("label[for=id_privacy]")
    while current_step(page) != name:
        next_step(page)


def open_report(page, url=REPORT_URL, step="where"):
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#report-map.leaflet-container", state="attached")
    page.wait_for_load_state("load")
    walk_to(page, step)
    return page


def draw(page, offsets):
    """Click the corners on the map, then the first corner again to close the outline."""
    page.click("#mode-outline")
    page.locator("#report-map").scroll_into_view_if_needed()
    box = page.locator("#report-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in [*offsets, offsets[0]]:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(120)


def send(page):
    """From any step after "where": on to the summary, and send."""
    walk_to(page, "summary")
    page.click("#report-submit")


def wait_for_receipt(page, timeout=20_000):
    page.wait_for_selector("#report-receipt:not([hidden])", timeout=timeout)
    return page.inner_text("#report-receipt")
