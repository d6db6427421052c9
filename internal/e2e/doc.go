// Package e2e holds end-to-end tests: the whole app started in process on a
// temporary SQLite database, driven from Go through a real headless
// Chromium (chromedp); they skip when /usr/bin/chromium is absent or with
// -short. Screenshots of every page go to testdata/screenshots/ (not
// committed) for a person to look at. The fault-injection test runs the
// built callboard binary instead, killing it with SIGKILL mid-workflow and
// starting it again on the same database.
package e2e
