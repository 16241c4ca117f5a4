// browser.mjs - Debian's Chromium driven by playwright-core for the e2e tests:
// a fresh profile each run, nothing fetched from outside, a record of every
// console error, page error and failed request, and what every scenario file
// shares (the base URL, asking the test, checks, screenshots, the runner).

import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
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

export const base = (process.env.BASE_URL || "http://127.0.0.1:8082").replace(/\/$/, "");
const shots = shotsDir();
let lines = null;

// Asks the test for what only it can do (stop the broker): prints
// "@@ <command>" and waits for "ok" on stdin.
export async function ask(command) {
	lines = lines || createInterface({ input: process.stdin })[Symbol.asyncIterator]();
	console.log(`@@ ${command}`);
	const { value, done } = await lines.next();
	if (done || value.trim() !== "ok") throw new Error(`test could not ${command}: ${value}`);
}

export function check(cond, message) {
	if (!cond) throw new Error(message);
}

export const shot = (page, name) =>
	page.screenshot({ path: join(shots, `e2e-${name}.png`), fullPage: true });

export async function open(page, hash = "overview") {
	await page.goto(`${base}/#${hash}`);
	await page.waitForSelector('#link[data-state="live"]', { timeout: 15000 });
}

// Runs the scenario named on the command line in a fresh browser; exits 0
// when it held with no console error, page error or failed request.
export async function runScenario(scenarios) {
	const name = process.argv[2];
	if (!scenarios[name]) {
		console.error(`unknown scenario ${name}; one of: ${Object.keys(scenarios).join(", ")}`);
		process.exit(2);
	}
	const { context, close } = await launch();
	const page = await context.newPage();
	const w = watch(page, base);
	let failed = null;
	try {
		await scenarios[name](page, w);
		// late errors (a request finishing after the last step) count too
		await page.waitForTimeout(300);
	} catch (e) {
		failed = e;
		await shot(page, `${name}-failure`).catch(() => {});
	}
	await close();
	for (const p of w.problems) console.log(`browser problem: ${JSON.stringify(p)}`);
	if (failed) {
		console.log(`FAILED: ${failed.stack || failed}`);
		process.exit(1);
	}
	if (w.problems.length) {
		console.log(`FAILED: ${w.problems.length} console errors or failed requests`);
		process.exit(1);
	}
	console.log(`ok ${name}`);
	process.exit(0);
}
