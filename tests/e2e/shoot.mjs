// shoot.mjs - screenshots of every view of a running dashboard, desktop and
// phone sized, to look at the design by eye:
//   node tests/e2e/shoot.mjs http://127.0.0.1:8082
// Prints the console errors and failed requests it saw; exits 1 if any.

import { join } from "node:path";
import { launch, shotsDir, watch } from "./browser.mjs";

const base = (process.argv[2] || "http://127.0.0.1:8082").replace(/\/$/, "");
const dir = shotsDir();
const VIEWS = ["overview", "gallery", "charts", "timelapses", "settings", "focus", "system"];
const SIZES = [["desktop", { width: 1440, height: 1000 }], ["phone", { width: 390, height: 844 }]];

const { context, close } = await launch();
let bad = 0;
try {
	for (const [name, size] of SIZES) {
		const page = await context.newPage();
		await page.setViewportSize(size);
		const w = watch(page, base);
		for (const v of VIEWS) {
			await page.goto(`${base}/#${v}`);
			await page.waitForSelector('#link[data-state="live"]', { timeout: 10000 });
			await page.waitForTimeout(1500);
			const file = join(dir, `shoot-${v}-${name}.png`);
			await page.screenshot({ path: file, fullPage: true });
			console.log(file);
		}
		for (const p of w.problems) console.log(`problem: ${JSON.stringify(p)}`);
		bad += w.problems.length;
		await page.close();
	}
} finally {
	await close();
}
process.exit(bad ? 1 : 0);
