// browser.mjs - Debian's Chromium driven by playwright-core for the e2e tests:
// a fresh profile each run, nothing fetched from outside, and a record of
// every console error, page error and failed request.

import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

export async function launch() {
	const profile = mkdtempSync(join(tmpdir(), "skylapse-e2e-"));
	// launchPersistentContext gives the fresh --user-data-dir the brief asks for
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--autoplay-policy=no-user-gesture-required"],
		viewport: { width: 1440, height: 1000 },
		deviceScaleFactor: 1,
		timezoneId: process.env.E2E_TZ || "America/Denver",
		locale: "en-US",
	});
	const close = async () => {
		await context.close().catch(() => {});
		rmSync(profile, { recursive: true, force: true });
	};
	return { context, close };
}

// Records problems on a page. `allow(entry)` may excuse one (the outage test
// expects its own); everything else fails the test.
export function watch(page, base) {
	const problems = [];
	const allowed = [];
	let allow = () => false;
	const note = (entry) => (allow(entry) ? allowed : problems).push(entry);
	page.on("console", (m) => {
		if (m.type() === "error") note({ kind: "console", text: m.text(), url: m.location().url });
	});
	page.on("pageerror", (e) => note({ kind: "pageerror", text: String(e && e.stack || e) }));
	page.on("requestfailed", (r) => {
		const why = r.failure() ? r.failure().errorText : "failed";
		// a media element or the player closing aborts its own range request: not a failure
		if (why === "net::ERR_ABORTED" && /\/video$|\.jpg/.test(r.url())) return;
		// the event stream is cut when the page goes away
		if (why === "net::ERR_ABORTED" && r.url().endsWith("/events")) return;
		note({ kind: "requestfailed", text: why, url: r.url() });
	});
	page.on("response", (r) => {
		if (r.status() >= 400 && r.url().startsWith(base)) {
			note({ kind: "http", text: String(r.status()), url: r.url() });
		}
	});
	return {
		problems,
		allowed,
		setAllow(fn) {
			allow = fn;
		},
	};
}

export function shotsDir() {
	const dir = process.env.SHOTS_DIR || join(process.cwd(), "tests/e2e/screenshots");
	mkdirSync(dir, { recursive: true });
	return dir;
}
