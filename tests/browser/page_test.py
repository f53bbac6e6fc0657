"""The drivers' page in headless Chromium, driven by Selenium for `tests/tests/browser.rs`.

The Rust test runs csms and the simulated charge points; this script is the driver at the
browser: the live list, the language switch, registering and signing in, a Green Card and its
top-up, reserving now, the session's receipt and NPS question, booking later and cancelling.
It reports each step as one JSON line on stdout and waits for a line on stdin where the Rust
side must act (plug a car in, unplug it, charge, finish). Every wait is bounded; any failure
is reported as {"step": "error", ...} with what the page showed, and the exit status is 1.

Debian's /usr/bin/chromium and /usr/bin/chromedriver are used explicitly, so Selenium Manager
never runs (and SE_OFFLINE forbids it to download anything if it did).

Usage: page_test.py BASE_URL NEAR_CHARGE_POINT_ID FAR_CHARGE_POINT_ID
With CITERE_SCREENSHOTS=DIR, a screenshot of the page is saved there at every step.
"""

import json
import os
import signal
import shutil
import sys
import tempfile
import time

os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECS = 10
# The whole script ends before the Rust test's own 60 s bound, closing the browser itself.
DEADLINE_SECS = 50
GIJON = "lat=43.5453&lon=-5.6635"


SCREENSHOTS = os.environ.get("CITERE_SCREENSHOTS")
current = None


def report(step, **fields):
    if SCREENSHOTS and current is not None:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        current.save_screenshot(os.path.join(SCREENSHOTS, f"{step}.png"))
    print(json.dumps({"step": step, **fields}), flush=True)


def wait_for_go(expected):
    line = sys.stdin.readline()
    if not line:
        raise RuntimeError(f"stdin closed while waiting for {expected!r}")
    told = json.loads(line).get("go")
    if told != expected:
        raise RuntimeError(f"expected {expected!r} from the test, got {line!r}")


def describe(error):
    return f"{type(error).__name__}: {getattr(error, 'msg', None) or error}"


def on_alarm(signum, frame):
    raise TimeoutError(f"the browser script ran past {DEADLINE_SECS} s")


def browser(profile):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--deny-permission-prompts",
        "--window-size=412,915",  # a phone
        "--lang=es-ES",
        f"--user-data-dir={profile}",
    ]:
        options.add_argument(flag)
    # No location for the page: it must fall back to Gijón (the URL pins it there too).
    options.add_experimental_option(
        "prefs", {"profile.default_content_setting_values.geolocation": 2}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


class Page:
    def __init__(self, driver):
        self.driver = driver

    def by_testid(self, testid):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def until(self, what, check, secs=WAIT_SECS):
        """Waits until `check()` returns something truthy (re-finding elements each time)."""

        def attempt(_):
            try:
                return check()
            except Exception:  # stale or not yet there: try again
                return None

        return WebDriverWait(self.driver, secs, poll_frequency=0.1).until(
            attempt, message=f"not within {secs} s: {what}"
        )

    def attr(self, testid, name):
        return self.by_testid(testid).get_attribute(name)

    def click(self, testid):
        self.until(
            f"{testid} clickable",
            lambda: self.by_testid(testid).is_enabled() and self.by_testid(testid).is_displayed(),
        )
        self.click_element(self.by_testid(testid))

    def click_element(self, element):
        # Centred first: the tab bar fixed at the bottom of a phone screen would take the click.
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def type(self, testid, text):
        field = self.by_testid(testid)
        field.clear()
        field.send_keys(text)

    def marker(self):
        return self.driver.execute_script("return window.__citereLoadedOnce || null")

    def notice(self):
        try:
            node = self.by_testid("notice")
            return node.text if node.is_displayed() else None
        except Exception:
            return None


def live_updates(page, base, near):
    """The list shows the near charge point free, then occupied and free again, live."""
    driver = page.driver
    row = f"connector-{near}-1"
    driver.get(f"{base}/?{GIJON}#cerca")
    page.until("the event stream is live", lambda: page.attr("live-state", "data-live") == "on")
    page.until(f"{row} shows free", lambda: page.attr(row, "data-free") == "true")
    order = [
        li.get_attribute("data-cp-id")
        for li in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stations"] > li')
    ]
    # Set once; a reload would wipe it, so its survival proves the updates came live.
    driver.execute_script("window.__citereLoadedOnce = 'yes'")
    report(
        "free",
        order=order,
        badge=page.by_testid(f"badge-{near}-1").text,
        place=page.by_testid("place").text,
        title=driver.title,
    )

    wait_for_go("plugged")
    page.until(f"{row} turns occupied", lambda: page.attr(row, "data-free") == "false")
    report(
        "occupied",
        status=page.attr(row, "data-status"),
        badge=page.by_testid(f"badge-{near}-1").text,
        reserveDisabled=not page.by_testid(f"reserve-{near}-1").is_enabled(),
        reloaded=page.marker() != "yes",
    )

    wait_for_go("unplugged")
    page.until(f"{row} is free again", lambda: page.attr(row, "data-free") == "true")
    report("free-again", status=page.attr(row, "data-status"), reloaded=page.marker() != "yes")


def language(page, near):
    page.click("lang-switch")
    page.until("English", lambda: page.by_testid("tab-near").text == "Nearby")
    english = page.by_testid(f"badge-{near}-1").text
    page.click("lang-switch")
    page.until("Spanish again", lambda: page.by_testid("tab-near").text == "Cerca")
    report("language", english=english, spanish=page.by_testid(f"badge-{near}-1").text)


def account(page):
    """Registers, signs out, signs in with the form, gets a Green Card and tops it up."""
    driver = page.driver
    page.click("tab-account")
    email = f"conductora-{int(time.time() * 1000)}@example.com"
    password = "una-clave-larga-2024"
    page.type("register-name", "Conductora de Prueba")
    page.type("register-email", email)
    page.type("register-password", password)
    page.click("register-submit")
    page.until("signed in", lambda: page.by_testid("signed-in").is_displayed(), secs=15)
    page.click("logout")
    page.until("signed out", lambda: page.by_testid("login-email").is_displayed())
    page.type("login-email", email)
    page.type("login-password", password)
    page.click("login-submit")
    page.until("signed in again", lambda: page.by_testid("signed-in").is_displayed(), secs=15)
    page.until("the greeting", lambda: "Conductora" in page.by_testid("hello").text)
    report("signed-in", email=email, hello=page.by_testid("hello").text)

    page.click("issue-card")
    card = page.until(
        "a Green Card",
        lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid^="card-"]'),
    )
    id_tag = card.get_attribute("data-testid").removeprefix("card-")
    page.click(f"topup-{id_tag}-2000")
    page.until(
        "the balance shows 20 €", lambda: page.attr(f"balance-{id_tag}", "data-cents") == "2000"
    )
    report(
        "topped-up",
        idTag=id_tag,
        balanceCents=int(page.attr(f"balance-{id_tag}", "data-cents")),
        balance=page.by_testid(f"balance-{id_tag}").text,
    )
    return id_tag


def confirm_reservation(page, id_tag):
    """Confirms the open dialog with `id_tag`; returns the outcome banner."""
    page.until("the dialog", lambda: page.by_testid("reserve-dialog").is_displayed())
    page.until("the card to reserve with", lambda: page.attr("reserve-card", "value") == id_tag)
    before = page.attr("reservation-result", "data-reservation-id")
    page.click("reserve-confirm")
    return page.until(
        "the reservation is confirmed",
        lambda: page.by_testid("reservation-result")
        if page.attr("reservation-result", "data-reservation-id") not in (None, before)
        else None,
        secs=15,
    )


def reserve_now(page, near, far, id_tag):
    row = f"connector-{near}-1"
    page.click("tab-near")
    page.click(f"reserve-{near}-1")
    result = confirm_reservation(page, id_tag)
    page.until(f"{row} is held for us", lambda: page.attr(row, "data-free") == "false")
    report(
        "reserved",
        status=result.get_attribute("data-status"),
        reservationId=int(result.get_attribute("data-reservation-id")),
        text=result.text,
        connectorStatus=page.attr(row, "data-status"),
        farListed=bool(page.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="cp-{far}"]')),
        reloaded=page.marker() != "yes",
    )


def history_and_nps(page):
    """After the member charged: the session with its receipt, and the NPS question answered."""
    wait_for_go("charged")
    driver = page.driver
    page.click("tab-account")
    session = page.until(
        "the finished session",
        lambda: driver.find_element(By.CSS_SELECTOR, '[data-testid^="session-"]'),
    )
    transaction_id = int(session.get_attribute("data-testid").removeprefix("session-"))
    page.click_element(session.find_element(By.TAG_NAME, "summary"))
    lines = len(session.find_elements(By.CSS_SELECTOR, "tbody tr"))
    page.until("the NPS question", lambda: page.by_testid("nps").is_displayed())
    asked = int(page.attr("nps", "data-transaction-id"))
    page.click("nps-9")
    page.driver.find_element(By.CSS_SELECTOR, "#nps-form textarea").send_keys("Muy cómodo")
    page.click("nps-send")
    page.until("the question goes", lambda: not page.by_testid("nps").is_displayed())
    report("nps", transactionId=transaction_id, asked=asked, lines=lines, score=9)


def book_later_and_cancel(page, near, id_tag):
    """Books a later slot (the form proposes the next full hour) and cancels it."""
    page.click("tab-later")
    page.click("later-search")
    page.click(f"book-{near}-2")
    result = confirm_reservation(page, id_tag)
    booked = int(result.get_attribute("data-reservation-id"))
    report("booked", status=result.get_attribute("data-status"), reservationId=booked)

    page.click("tab-account")
    page.click(f"cancel-reservation-{booked}")
    page.until(
        "the booking shows cancelled",
        lambda: page.attr(f"reservation-{booked}", "data-status") == "Cancelled",
    )
    report("cancelled", reservationId=booked)


def run(page, base, near, far):
    live_updates(page, base, near)
    language(page, near)
    id_tag = account(page)
    reserve_now(page, near, far, id_tag)
    history_and_nps(page)
    book_later_and_cancel(page, near, id_tag)

    wait_for_go("done")
    errors = [
        entry["message"]
        for entry in page.driver.get_log("browser")
        if entry["level"] == "SEVERE" and "Uncaught" in entry["message"]
    ]
    if errors:
        raise RuntimeError(f"script errors in the page: {errors}")
    report("done")


def main():
    base, near, far = sys.argv[1], sys.argv[2], sys.argv[3]
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEADLINE_SECS)
    profile = tempfile.mkdtemp(prefix="citere-browser-")
    driver = None
    try:
        global current
        driver = current = browser(profile)
        driver.set_page_load_timeout(WAIT_SECS)
        page = Page(driver)
        try:
            run(page, base, near, far)
        except Exception as e:
            logs = [entry["message"] for entry in driver.get_log("browser")][-10:]
            report("error", error=describe(e), notice=page.notice(), console=logs)
            return 1
        return 0
    except Exception as e:
        report("error", error=describe(e))
        return 1
    finally:
        signal.alarm(0)
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
