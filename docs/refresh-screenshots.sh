#!/bin/sh
# Refreshes docs/report-demo.png and docs/compare-demo.png from the demo
# district, through the headless-Chromium tests of tests/report_browser.rs
# (needs Chromium: the Debian package `chromium`, or CATCHMENT_CHROMIUM).
# Run from anywhere: ./docs/refresh-screenshots.sh
set -eu
cd "$(dirname "$0")/.."
CATCHMENT_REFRESH_DOCS=1 cargo test --release --test report_browser -- --nocapture
