"""Screenshots of the public pages, for the README: ``python -m tests.browser.screenshots URL DIR``.

Against a running server with demo data (``make run``): the directory at desktop and
phone widths, and the first trainer's profile, taken by the browser tests' Chromium.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.browser.conftest import chromium

SHOTS = (
    ("directory-desktop.png", "/", (1280, 1000)),
    ("directory-mobile.png", "/", (390, 844)),
    ("profile-desktop.png", None, (1280, 1000)),
    ("profile-mobile.png", None, (390, 844)),
)


def main(base: str, out: Path) -> None:
    browsers = chromium()
    driver = next(browsers)
    out.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(base + "/")
        profile = driver.find_element(By.CSS_SELECTOR, ".card h2 a").get_attribute("href")
        for name, path, (width, height) in SHOTS:
            driver.set_window_size(width, height)
            driver.get(base + path if path else str(profile))
            time.sleep(0.5)  # images decoded
            # The window's inner size is what the page sees: set it, not the outer size.
            inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
            driver.set_window_size(2 * width - inner[0], 2 * height - inner[1])
            time.sleep(0.3)
            driver.save_screenshot(str(out / name))
            print(out / name)
    finally:
        browsers.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
