#!/usr/bin/env bash
# Installs Debian's Chromium and its WebDriver when missing: the browser test of the drivers'
# page (tests/tests/browser.rs) drives /usr/bin/chromium through /usr/bin/chromedriver.
# Idempotent; nothing but Debian packages is downloaded (Selenium Manager never runs). No
# recommended packages (a desktop's worth); one font package so that text has glyphs.
set -euo pipefail
if ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1; then
    echo "installing chromium and chromium-driver"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium chromium-driver fonts-liberation >/dev/null
fi
