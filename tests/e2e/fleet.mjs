// fleet.mjs - the dashboard with many cameras and its System view, in a real
// browser against the stack tests/e2e/test_fleet.py started:
//   BASE_URL=http://127.0.0.1:PORT FLEET=100 node tests/e2e/fleet.mjs many|system
// Like scenarios.mjs: fails on any console error, page error or failed
// request, and asks the test for what only it can do ("@@ <command>").

import { ask, base, check, open, runScenario, shot } from "./browser.mjs";

const FLEET = Number(process.env.FLEET || 100);
const text = (page, sel) => page.locator(sel).first().textContent().then((t) => t.trim());

async function waitText(page, sel, want, timeout = 15000) {
	await page.waitForFunction(([s, w]) => {
		const e = document.querySelector(s);
		return e && e.textContent.trim() === w;
	}, [sel, want], { timeout }).catch(async () => {
		throw new Error(`${sel} says "${await text(page, sel).catch(() => "(missing)")}", not "${want}"`);
	});
}

async function noSideScroll(page, what) {
	const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	check(over <= 0, `${what} is ${over}px wider than the phone`);
}

// The fleet's cameras as test_fleet.py publishes them: every tenth offline,
// an error on i % 7 == 3, disk low under 5 % free.
function fleetState(i) {
	if (i % 10 === 0) return "offline";
	if (i % 7 === 3 || (i + 1) / 2 < 5) return "problem";
	return "online";
}

const scenarios = {
	// Every agent with its availability and version, the disks, the broker,
	// the encoder queue; a camera breaking shows up without a reload.
	async system(page) {
		await open(page, "system");
		const row = (kind, id) => `#sys-agents tr[data-kind="${kind}"]${id ? `[data-id="${id}"]` : ""}`;
		for (const [kind, id] of [["bridge", "dagon"], ["scheduler", "dagon"], ["camera", "helios"], ["encoder", null]]) {
			await waitText(page, `${row(kind, id)} [data-role="availability"]`, "online", 20000);
			const v = await text(page, `${row(kind, id)} [data-role="version"]`);
			check(/^v\d/.test(v), `${kind} ${id} shows version "${v}"`);
		}
		check((await text(page, '#sys-pipeline [data-role="broker"]')).startsWith("connected"), "broker not connected");
		check(/^\d+ queued, \d+ running$/.test(await text(page, '#sys-pipeline [data-role="queue"]')), "no encoder queue");
		for (const sel of ['#sys-disks [data-where="server"][data-id="images"]',
			'#sys-disks [data-where="server"][data-id="timelapses"]']) {
			check((await text(page, sel)).includes("free of"), `${sel} shows no figures`);
		}
		await page.waitForSelector('#sys-disks [data-where="camera"][data-id="helios"]', { timeout: 15000 });
		await shot(page, "system");

		await page.evaluate(() => {
			window.__sameDocument = true;
		});
		await ask("break-camera");
		await waitText(page, `${row("camera", "zz-broken")} [data-role="availability"]`, "offline");
		await page.waitForFunction(() => {
			const first = document.querySelector("#sys-errors li");
			return first && first.dataset.id === "zz-broken" && first.textContent.includes("sensor zz-broken not answering");
		}, null, { timeout: 15000 });
		check(await page.evaluate(() => window.__sameDocument === true), "the page was reloaded");
		check((await text(page, ".sys-summary")).includes("1 offline"), `summary: ${await text(page, ".sys-summary")}`);
		await shot(page, "system-error");

		await page.setViewportSize({ width: 390, height: 844 });
		await noSideScroll(page, "the System view");
	},

	// A hundred cameras: a grid a page at a time, filtered by name and state,
	// following the broker live; one banner for the offline ones.
	async many(page) {
		const total = FLEET + 1; // the stack's own camera too
		const t0 = Date.now();
		await open(page, "overview");
		const live = Date.now() - t0;
		await waitText(page, ".cg-count", `${total} cameras`, 20000);
		console.log(`grid of ${total} cameras drawn ${Date.now() - t0} ms after navigation ` +
			`(the event stream live after ${live} ms)`);
		check(await page.locator(".cg-tile").count() === 24, "not 24 tiles on a page");
		check(await page.locator(".cam-card").count() === 0, "large cards drawn besides the grid");
		await waitText(page, ".cg-page", `Page 1 of ${Math.ceil(total / 24)}`);
		check(await page.locator(".cg-tile").first().getAttribute("data-camera") === "cam-000", "not sorted by name");
		await page.click('button[aria-label="Next page"]');
		await waitText(page, ".cg-page", `Page 2 of ${Math.ceil(total / 24)}`);
		check(await page.locator(".cg-tile").first().getAttribute("data-camera") === "cam-024", "page 2 starts elsewhere");
		await shot(page, "many-cameras");

		// by name
		await page.fill('input[name="camera-filter"]', "cam-05");
		await waitText(page, ".cg-count", `10 of ${total} cameras`);
		check(await page.locator(".cg-tile").count() === 10, "the name filter shows other tiles");
		check(await page.locator(".cg-pager").isHidden(), "a pager for one page");
		await page.fill('input[name="camera-filter"]', "");

		// by state
		const expect = (s) => [...Array(FLEET).keys()].filter((i) => fleetState(i) === s).length;
		await page.selectOption('select[name="camera-state"]', "problem");
		await waitText(page, ".cg-count", `${expect("problem")} of ${total} cameras`);
		await page.selectOption('select[name="camera-state"]', "offline");
		await waitText(page, ".cg-count", `${expect("offline")} of ${total} cameras`);
		const states = await page.locator(".cg-tile").evaluateAll((ts) => ts.map((t) => t.dataset.state));
		check(states.length === expect("offline") && states.every((s) => s === "offline"), `offline filter shows ${states}`);
		check(await page.locator('[data-banner="cameras-offline"]').count() === 1, "no single offline banner");
		check(await page.locator('[data-banner^="camera-cam"]').count() === 0, "one banner per offline camera");

		// live: a camera going away joins the filtered page without a reload
		await ask("cam-042-offline");
		await waitText(page, ".cg-count", `${expect("offline") + 1} of ${total} cameras`);
		check(await page.locator('.cg-tile[data-camera="cam-042"]').count() === 1, "cam-042 not among the offline");
		await shot(page, "many-cameras-offline");

		// the bridge pages too, sorted by id
		const api = await page.evaluate(async () => {
			const all = await fetch("cameras").then(async (r) => ({ bytes: (await r.text()).length }));
			const p = await fetch("cameras?limit=10&offset=95").then((r) => r.json());
			const sys = await fetch("system").then(async (r) => ({ text: await r.text() }));
			const body = JSON.parse(sys.text);
			return { bytes: all.bytes, page: p.cameras.map((c) => c.camera), total: p.total,
				systemBytes: sys.text.length, systemCameras: body.agents.filter((a) => a.kind === "camera").length,
				offline: body.summary.offline, cameraDisks: body.disks.filter((d) => d.where === "camera").length };
		});
		console.log(`GET /cameras with ${total} cameras: ${api.bytes} bytes; GET /system: ${api.systemBytes} bytes`);
		check(api.systemCameras === total && api.cameraDisks >= FLEET && api.offline >= expect("offline") + 1,
			`GET /system with the fleet: ${JSON.stringify(api)}`);
		check(api.total === total && api.page.length === total - 95 && api.page.at(-1) === "helios",
			`GET /cameras?limit=10&offset=95 gave ${JSON.stringify(api)}`);

		await page.setViewportSize({ width: 390, height: 844 });
		await noSideScroll(page, "the overview with many cameras");
		await shot(page, "many-cameras-phone");
	},
};

await runScenario(scenarios);
