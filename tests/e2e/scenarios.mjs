// scenarios.mjs - what a person does with the dashboard, in a real browser,
// against the real stack that tests/e2e/test_dashboard.py started:
//   BASE_URL=http://127.0.0.1:PORT node tests/e2e/scenarios.mjs NAME
// Each scenario fails on any console error, page error or failed request.
// It asks the test for things only the test can do (stop the broker) by
// printing "@@ <command>" and waiting for a line on stdin.

import { ask, base, check, open, runScenario, shot } from "./browser.mjs";

async function cameraOnline(page, timeout = 20000) {
	await page.waitForFunction(() => {
		const b = document.querySelector('.cam-card[data-camera="helios"] [data-role="availability"]');
		return b && b.textContent.trim() === "Online";
	}, null, { timeout });
}

// Waits until every image on the page that is in view has loaded.
async function imagesLoaded(page, selector) {
	await page.waitForFunction((sel) => {
		const imgs = [...document.querySelectorAll(sel)];
		return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
	}, selector, { timeout: 15000 });
}

const scenarios = {
	// The overview shows the camera online, its latest frame, the timeline.
	async overview(page) {
		await open(page);
		await cameraOnline(page);
		await page.waitForSelector(".cam-hero-img", { timeout: 20000 });
		await imagesLoaded(page, ".cam-hero-img");
		const rows = await page.locator(".tl-row[data-schedule]").count();
		check(rows >= 1, "the timeline shows no schedule");
		check(await page.locator(".tl-now").count() === 1, "no now marker on the timeline");
		const active = await page.locator('.tl-row.is-active[data-schedule="sky"]').count();
		check(active === 1, "the schedule whose window is open is not highlighted");
		// the retained status follows the frame's preview: wait for it, bounded
		const shown = await page.waitForFunction(() => {
			const v = [...document.querySelectorAll(".cam-card .metric")]
				.find((m) => m.textContent.includes("Exposure"))?.querySelector(".value");
			return v && v.textContent.trim() !== "—";
		}, null, { timeout: 10000 }).then(() => true, () => false);
		check(shown, "no exposure shown");
		await shot(page, "overview");
	},

	// Capture now makes a frame appear; the gallery opens it with its metadata.
	async capture(page) {
		await open(page);
		await cameraOnline(page);
		await page.selectOption('#capture select[name="camera"]', "helios");
		await page.selectOption('#capture select[name="profile"]', "b");
		await page.click('#capture button[type="submit"]');
		const fig = page.locator(".cap-frame[data-path]").first();
		await fig.waitFor({ timeout: 20000 });
		const path = await fig.getAttribute("data-path");
		check(/^helios\/profile-b\/\d{4}-\d\d-\d\d\/capture_.*\.jpg$/.test(path), `odd frame path ${path}`);
		await imagesLoaded(page, ".cap-frame img");
		// the camera card shows it too, announced by the bridge's event
		await page.waitForSelector(`.cam-card img[data-path="${path}"]`, { timeout: 15000 });
		await shot(page, "capture");

		await page.click(".cap-frame .linkish");
		await page.waitForSelector("dialog.viewer[open]", { timeout: 15000 });
		await page.waitForFunction((p) => {
			const img = document.querySelector("dialog.viewer .vw-img");
			return img && img.dataset.path === p && img.complete && img.naturalWidth > 0;
		}, path, { timeout: 15000 });
		for (const key of ["exposure", "gain", "luma"]) {
			const v = (await page.locator(`dialog.viewer [data-meta="${key}"]`).textContent()).trim();
			check(v && v !== "—", `the viewer shows no ${key}`);
		}
		const kv = await page.locator("dialog.viewer .vw-kv").textContent();
		for (const label of ["White balance", "Colour temperature", "Light"]) {
			check(kv.includes(label), `the viewer lacks ${label}`);
		}
		check(await page.locator(`.grid .tile[data-path="${path}"]`).count() === 1, "the frame is not in the grid");
		await shot(page, "viewer");

		await page.keyboard.press("Escape");
		await page.waitForFunction(() => !document.querySelector("dialog.viewer[open]"), null, { timeout: 5000 });

		// every profile: the new frame is the newest; the keyboard steps to older ones and back
		await page.selectOption('#view-gallery select[aria-label="Profile"]', "");
		const tile = page.locator(`.grid .tile[data-path="${path}"]`);
		await tile.waitFor({ timeout: 10000 });
		await tile.click();
		await page.waitForFunction((p) => document.querySelector("dialog.viewer .vw-img").dataset.path === p, path);
		const counter = async () => (await page.locator("dialog.viewer .vw-counter").textContent()).trim();
		const at = await counter();
		const total = Number(at.replace(/^.* of /, "").replace(/,/g, ""));
		check(total >= 2, `only ${total} frames in the gallery`);
		const index = Number(at.replace(/ of .*$/, "").replace(/,/g, ""));
		const key = index < total ? "ArrowRight" : "ArrowLeft";
		await page.keyboard.press(key);
		await page.waitForFunction((p) => document.querySelector("dialog.viewer .vw-img").dataset.path !== p, path);
		check((await counter()) !== at, "the arrow key did not move the counter");
		await page.keyboard.press(key === "ArrowRight" ? "ArrowLeft" : "ArrowRight");
		await page.waitForFunction((p) => document.querySelector("dialog.viewer .vw-img").dataset.path === p, path);
		await page.keyboard.press("Escape");
		await page.waitForFunction(() => !document.querySelector("dialog.viewer[open]"), null, { timeout: 5000 });
	},

	// A backend that is not the Pi's primary: the authorization error is shown as it is.
	async refused(page, w) {
		// the 403 is the answer this test wants; the browser logs it as a failed load
		w.setAllow((p) => (p.kind === "http" && p.text === "403" && p.url.endsWith("/capture")) ||
			(p.kind === "console" && /status of 403/.test(p.text)));
		await open(page);
		await cameraOnline(page);
		await page.selectOption('#capture select[name="profile"]', "a");
		await page.click('#capture button[type="submit"]');
		const err = page.locator(".cap-error");
		await err.waitFor({ timeout: 20000 });
		const text = await err.textContent();
		check(text.includes("Backend not authorized: only 'dagon' can trigger captures"), `error shown: ${text}`);
		check(w.allowed.some((p) => p.kind === "http"), "no 403 was seen");
		await shot(page, "refused");
	},

	// A bridge with API_TOKEN: a change is refused with 401, the page asks for the
	// token once, keeps it, and the capture goes through.
	async token(page, w) {
		w.setAllow((p) => (p.kind === "http" && p.text === "401" && p.url.endsWith("/capture")) ||
			(p.kind === "console" && /status of 401/.test(p.text)));
		await open(page);
		await cameraOnline(page);
		await page.selectOption('#capture select[name="profile"]', "a");
		await page.click('#capture button[type="submit"]');
		const input = page.locator('dialog[open] input[type="password"]');
		await input.waitFor({ timeout: 15000 });
		await shot(page, "token");
		await input.fill(process.env.E2E_TOKEN || "");
		await page.click('dialog[open] button[value="ok"]');
		await page.locator(".cap-frame[data-path]").first().waitFor({ timeout: 20000 });
		check(w.allowed.length > 0, "the first capture was not refused");
		const kept = await page.evaluate(() => localStorage.getItem("skylapse.api_token"));
		check(kept === process.env.E2E_TOKEN, "the token was not kept");
	},

	// A video made elsewhere (the scheduler's own timelapse, another client)
	// appears on the open timelapse page and ends done with its thumbnail,
	// without a reload: the job's events drive the list.
	async arrival(page) {
		const id = process.env.E2E_JOB;
		await open(page, "timelapses");
		await page.waitForSelector(".jobs");
		await page.evaluate(() => { window.__sameDocument = true; });
		check(await page.locator(`.job[data-job="${id}"]`).count() === 0, "the job is listed before it was sent");
		await ask("send-job");
		await page.waitForSelector(`.job[data-job="${id}"]`, { timeout: 15000 });
		await page.waitForSelector(`.job[data-job="${id}"][data-state="done"], .job[data-job="${id}"][data-state="failed"]`,
			{ timeout: 120000 });
		check(await page.locator(`.job[data-job="${id}"][data-state="done"]`).count() === 1, "the job failed");
		await imagesLoaded(page, `.job[data-job="${id}"] .job-media img`);
		check(await page.evaluate(() => window.__sameDocument === true), "the page was reloaded");
		await shot(page, "arrival");
	},

	// A night's star trails made elsewhere (as the scheduler sends it): shown as a
	// picture that opens the image, with no Play button.
	async startrails(page) {
		const id = process.env.E2E_JOB;
		await open(page, "timelapses");
		await page.waitForSelector(".jobs");
		await ask("send-job");
		const card = `.job[data-job="${id}"]`;
		await page.waitForSelector(`${card}[data-state="done"], ${card}[data-state="failed"]`, { timeout: 120000 });
		check(await page.locator(`${card}[data-state="done"]`).count() === 1, "the star trails job failed");
		check(/Star trails/.test(await page.locator(`${card} h3`).textContent()), "not titled as star trails");
		check(await page.locator(`${card} button:has-text('Play')`).count() === 0, "a picture offers Play");
		await imagesLoaded(page, `${card} .job-media img`);
		const href = await page.locator(`${card} a.job-media`).getAttribute("href");
		const r = await page.request.get(new URL(href, `${base}/`).href);
		check(r.ok() && r.headers()["content-type"] === "image/jpeg", `the picture is not served: ${r.status()} ${r.headers()["content-type"]}`);
		await shot(page, "startrails");
	},

	// A timelapse: progress, then a video that plays and seeks.
	async timelapse(page) {
		const ranges = [];
		page.on("response", (r) => {
			if (r.url().endsWith("/video") && r.status() === 206) ranges.push(r.headers()["content-range"]);
		});
		await open(page, "timelapses");
		await page.waitForFunction(() => document.querySelector('#timelapse-form select[name="camera"]').value === "helios");
		await page.selectOption('#timelapse-form select[name="profile"]', "a");
		await page.check('#timelapse-form input[name="range"][value="time"]');
		// datetime-local fields read the browser's clock: the range is the last hour and the next two minutes
		await page.evaluate(() => {
			const local = (t) => {
				const d = new Date(t);
				const p = (n) => String(n).padStart(2, "0");
				return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
			};
			document.querySelector('#timelapse-form input[name="from"]').value = local(Date.now() - 3600e3);
			document.querySelector('#timelapse-form input[name="to"]').value = local(Date.now() + 120e3);
		});
		await page.check('#timelapse-form input[name="rate"][value="duration"]');
		await page.fill('#timelapse-form input[name="duration"]', "4");
		await page.selectOption('#timelapse-form select[name="width"]', "640");
		// every state a job card shows, in order
		await page.evaluate(() => {
			window.__jobStates = [];
			new MutationObserver(() => {
				const card = document.querySelector(".job[data-job]");
				const s = card && card.dataset.state;
				const hasBar = card && card.querySelector(".progress") !== null;
				const last = window.__jobStates[window.__jobStates.length - 1];
				if (s && (!last || last.state !== s)) window.__jobStates.push({ state: s, bar: hasBar });
			}).observe(document.querySelector(".jobs"), { childList: true, subtree: true, attributes: true });
		});
		await page.click('#timelapse-form button[type="submit"]');
		await page.waitForSelector(".job[data-job]", { timeout: 10000 });
		await shot(page, "timelapse-progress");
		await page.waitForSelector('.job[data-state="done"], .job[data-state="failed"]', { timeout: 120000 });
		const states = await page.evaluate(() => window.__jobStates);
		const err = await page.locator(".job .job-error").first().textContent().catch(() => "");
		check(await page.locator('.job[data-state="done"]').count() === 1, `the job did not finish: ${JSON.stringify(states)} ${err}`);
		check(states.some((s) => (s.state === "queued" || s.state === "running") && s.bar),
			`no progress was shown before done: ${JSON.stringify(states)}`);
		await page.waitForSelector(".job[data-state='done'] .job-media.playable img", { timeout: 15000 }).catch(() => {});
		await shot(page, "timelapse-done");

		await page.click(".job[data-state='done'] .job-media.playable");
		await page.waitForSelector("dialog.player[open] video", { timeout: 10000 });
		await page.waitForFunction(() => {
			const v = document.querySelector("dialog.player video");
			return v && v.readyState >= 2 && v.duration > 0;
		}, null, { timeout: 20000 });
		const t0 = await page.evaluate(() => document.querySelector("dialog.player video").currentTime);
		await page.waitForFunction((t) => {
			const v = document.querySelector("dialog.player video");
			return !v.paused && v.currentTime !== t;
		}, t0, { timeout: 10000 });
		const seek = await page.evaluate(() => new Promise((resolve) => {
			const v = document.querySelector("dialog.player video");
			v.pause();
			const target = v.duration * 0.6;
			v.addEventListener("seeked", () => resolve({ target, at: v.currentTime, duration: v.duration }), { once: true });
			v.currentTime = target;
		}));
		check(Math.abs(seek.at - seek.target) < 0.5, `seek landed at ${seek.at} for ${seek.target}`);
		await page.evaluate(() => document.querySelector("dialog.player video").play());
		await page.waitForTimeout(500);
		await shot(page, "player");
		check(ranges.length > 0, "the video was never fetched with a Range request (206)");
		console.log(`video ${seek.duration.toFixed(2)} s, seeked to ${seek.at.toFixed(2)} s, ranges: ${ranges.length}, states: ${states.map((s) => s.state).join(" > ")}`);
	},

	// The day's keogram, asked from the gallery, shows when done.
	async keogram(page) {
		await open(page, "gallery?camera=helios&profile=a");
		await page.waitForSelector(".grid .tile", { timeout: 15000 });
		await page.click("button:has-text('Keogram')");
		await page.waitForSelector(".keogram:not([hidden])", { timeout: 10000 });
		await page.waitForSelector(".keo-img, .keogram .notice.bad", { timeout: 120000 });
		const failed = await page.locator(".keogram .notice.bad").count();
		check(!failed, `keogram failed: ${failed && (await page.locator(".keogram .notice.bad").textContent())}`);
		await imagesLoaded(page, ".keo-img");
		await shot(page, "keogram");
	},

	// The broker goes away: the page says so, and recovers by itself.
	async outage(page) {
		await open(page);
		await cameraOnline(page);
		await ask("stop-broker");
		await page.waitForSelector('[data-banner="broker"]', { timeout: 20000 });
		const text = await page.locator('[data-banner="broker"]').textContent();
		check(/broker/i.test(text), `odd outage text: ${text}`);
		await shot(page, "outage");
		await ask("start-broker");
		await page.waitForSelector('[data-banner="broker"]', { state: "detached", timeout: 30000 });
		await page.waitForSelector('#link[data-state="live"]', { timeout: 30000 });
		await cameraOnline(page, 30000);
		await shot(page, "recovered");
	},

	// Settings: a wrong interval is refused with the message under its
	// field and nothing saved; a right one is saved and the scheduler's
	// status (shown beside the field, from its retained status) follows.
	async settings(page, w) {
		w.setAllow((p) => (p.kind === "http" && p.text === "422" && p.url.endsWith("/config")) ||
			(p.kind === "console" && /status of 422/.test(p.text)));
		await open(page, "settings");
		const row = page.locator('tr[data-schedule="sky"]');
		await row.waitFor({ timeout: 15000 });
		const running = row.locator("[data-running]");
		const runs = (n) => page.waitForFunction((v) =>
			document.querySelector('tr[data-schedule="sky"] [data-running]')?.dataset.interval === v,
		String(n), { timeout: 20000 });
		await runs(3);
		const interval = row.locator('input[name="interval_seconds"]');
		const before = await page.evaluate(() => fetch("config").then((r) => r.text()));

		// a wrong interval, and profile C changed with a gain out of range
		await interval.fill("0");
		await page.selectOption("#set-profiles select.set-add", "c");
		const prof = page.locator('tr[data-profile="c"]');
		await prof.waitFor({ timeout: 5000 });
		await prof.locator('select[aria-label="Enabled"]').selectOption("true");
		await prof.locator('input[aria-label="Name"]').fill("Night sky");
		await prof.locator('select[aria-label="Exposure"]').selectOption("false");
		await prof.locator('input[aria-label="Time (µs)"]').fill("2000000");
		const gain = prof.locator('input[aria-label="Gain"]');
		await gain.fill("99");
		await page.click('#settings-form button[type="submit"]');
		const msg = row.locator(".field-msg:not([hidden])");
		await msg.first().waitFor({ timeout: 10000 });
		check((await msg.first().textContent()).includes("0 is outside 1..86400"),
			`the interval's message is ${await msg.first().textContent()}`);
		const gainMsg = prof.locator(".field-msg:not([hidden])");
		check(await gainMsg.count() === 1 && (await gainMsg.textContent()).includes("between 1 and 16"),
			`the gain's message is ${await gainMsg.allTextContents()}`);
		check(await gain.evaluate((el) => el.classList.contains("has-error")), "the gain is not marked");
		check(await interval.evaluate((el) => el.classList.contains("has-error")), "the field is not marked");
		check((await page.locator(".set-status").textContent()).startsWith("Not saved"), "no 'Not saved'");
		check(w.allowed.some((p) => p.kind === "http"), "no 422 was seen");
		const after = await page.evaluate(() => fetch("config").then((r) => r.text()));
		check(after === before, "a refused file was saved");
		await shot(page, "settings-refused");

		await interval.fill("7");
		await gain.fill("4");
		await page.click('#settings-form button[type="submit"]');
		await page.waitForFunction(() => document.querySelector(".set-status")?.textContent.startsWith("Saved"),
			null, { timeout: 10000 });
		check(await msg.count() === 0, "a message stayed after the save");
		await runs(7);
		check((await running.textContent()).includes("every 7 s"), "the running interval is not shown");
		const st = await page.evaluate(() => fetch("status").then((r) => r.json()));
		check(st.source === "scheduler" && st.schedules.sky.interval_seconds === 7,
			`/status says ${JSON.stringify(st.schedules.sky)} from ${st.source}`);
		await shot(page, "settings");
	},

	// The focus aid: started, the crop shows with its figure and the best so
	// far, then stopped.
	async focus(page) {
		await open(page, "focus");
		await page.waitForFunction(() => document.querySelector("#view-focus select")?.value === "helios",
			null, { timeout: 15000 });
		await page.click("#view-focus .btn.primary");
		await page.waitForFunction(() => {
			const i = document.querySelector(".focus-img");
			return i && i.complete && i.naturalWidth > 0;
		}, null, { timeout: 20000 });
		const v = (await page.locator(".focus-value").textContent()).trim();
		check(/^[0-9.]+$/.test(v), `no sharpness figure: ${v}`);
		check(/^best [0-9.]+$/.test((await page.locator(".focus-best").textContent()).trim()), "no best");
		check((await page.locator(".focus-meta").textContent()).includes("crop "), "no crop described");
		await shot(page, "focus");
		await page.click("#view-focus .btn.ghost");
		await page.waitForFunction(() => document.querySelector("#view-focus [role=status]")
			?.textContent.startsWith("Ended (stopped)"), null, { timeout: 15000 });
	},

	// A phone: every view fits the width, nothing scrolls sideways.
	async phone(page) {
		await page.setViewportSize({ width: 390, height: 844 });
		for (const v of ["overview", "gallery", "charts", "timelapses", "settings"]) {
			await open(page, v);
			await page.waitForTimeout(v === "charts" ? 1500 : 600);
			const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
			check(over <= 0, `${v} is ${over}px wider than the phone`);
			await shot(page, `phone-${v}`);
		}
		await page.setViewportSize({ width: 1440, height: 1000 });
		await open(page, "charts");
		await page.waitForSelector(".chart-card canvas", { timeout: 15000 });
		await shot(page, "charts");
	},
};

await runScenario(scenarios);
