"""A Green Card top-up through the card provider's page, in headless Chromium, for
`tests/tests/browser_redsys.rs`: the driver registers, gets a Green Card and tops it up by
20 €; the page sends the browser to the Redsys stand-in with the signed form, the driver pays
there, and back on the page the balance shows once the provider's notification reached the
CSMS. Each step is one JSON line on stdout; a failure is {"step": "error", ...}, exit status 1.

Usage: redsys_test.py BASE_URL
"""

import shutil
import signal
import sys
import tempfile
import time

from page_test import (  # the shared browser, page helpers and reporting
    GIJON,
    Page,
    browser,
    describe,
    on_alarm,
    report,
)
import page_test

DEADLINE_SECS = 40


def run(page, base):
    driver = page.driver
    driver.get(f"{base}/?{GIJON}#cuenta")
    page.type("register-name", "Conductora de Prueba")
    page.type("register-email", f"pago-{int(time.time() * 1000)}@example.com")
    page.type("register-password", "una-clave-larga-2024")
    page.click("register-submit")
    page.until("signed in", lambda: page.by_testid("signed-in").is_displayed(), secs=15)
    page.click("issue-card")
    card = page.until(
        "a Green Card",
        lambda: driver.find_element(page_test.By.CSS_SELECTOR, '[data-testid^="card-"]'),
    )
    id_tag = card.get_attribute("data-testid").removeprefix("card-")
    page.click(f"topup-{id_tag}-2000")
    page.until("the provider's page", lambda: page.by_testid("redsys-amount").text == "2000")
    report("at-provider", url=driver.current_url)
    page.click("redsys-pay")
    page.until(
        "back on the page with the balance",
        lambda: page.attr(f"balance-{id_tag}", "data-cents") == "2000",
        secs=15,
    )
    report("paid", idTag=id_tag, url=driver.current_url, notice=page.notice())


def main():
    base = sys.argv[1]
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(DEADLINE_SECS)
    profile = tempfile.mkdtemp(prefix="citere-browser-")
    driver = None
    try:
        driver = page_test.current = browser(profile)
        driver.set_page_load_timeout(10)
        page = Page(driver)
        try:
            run(page, base)
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
