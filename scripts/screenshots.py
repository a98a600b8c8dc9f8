"""Screenshots of the main pages at a phone's and a desktop's width, in Swedish, for the
people who want to see the platform without running it. Run by `make screenshots`, which
starts a server with the demo story first; this script only drives the browser.

    python scripts/screenshots.py http://127.0.0.1:8765 PASSWORD docs/screenshots
"""

import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"phone": 390, "desktop": 1280}
# (file name, who, address): the pages a newcomer would open first.
PAGES = [
    ("home", None, "/"),
    ("intake", None, "/inquiries/new/"),
    ("register", None, "/register/"),
    ("needs", None, "/needs/"),
    ("login", None, "/accounts/login/"),
    ("queue", "coordinator", "/inquiries/"),
    ("inquiry", "coordinator", "/inquiries/{inquiry}/"),
    ("collaborations", "coordinator", "/collaborations/"),
    ("organisations", "coordinator", "/organisations/"),
    ("effects", "coordinator", "/effects/"),
    ("strategy", "coordinator", "/strategy/"),
    ("company-account", "company", "/account/"),
    ("committee-queue", "committee", "/inquiries/"),
]


def main(base: str, password: str, folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        contexts = {}
        for who in {who for _, who, _ in PAGES}:
            context = browser.new_context(base_url=base, locale="sv-SE", device_scale_factor=1)
            if who:
                page = context.new_page()
                page.goto("/accounts/login/")
                page.fill("input[name=login]", who)
                page.fill("input[name=password]", password)
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                page.close()
            contexts[who] = context
        first_inquiry = None
        for name, who, path in PAGES:
            page = contexts[who].new_page()
            if "{inquiry}" in path:
                if first_inquiry is None:
                    page.goto("/inquiries/")
                    link = page.locator("main table a[href^='/inquiries/']").first
                    first_inquiry = link.get_attribute("href").strip("/").split("/")[-1]
                path = path.format(inquiry=first_inquiry)
            for label, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
                page.goto(path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{label}.png"
                page.screenshot(path=str(target))
                # A palette of 128 colours keeps each file small enough to commit.
                Image.open(target).quantize(colors=128).save(target, optimize=True)
                print(f"  {target}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
