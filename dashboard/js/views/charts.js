// charts.js - a day of one camera and profile as three synchronised charts
// (exposure time, analogue gain, mean luma) drawn by uPlot, which `make`
// copies from npm into dashboard/vendor/. New frames of the day are added
// as they are announced.

import * as api from "../api.js";
import { fillSelect, h, mount, spinner } from "../dom.js";
import * as f from "../format.js";
import * as store from "../store.js";

const PAGE = 1000; // the bridge's largest page
const MAX_POINTS = 50000;

const SERIES = [
	{ key: "exposure", title: "Exposure time", unit: "ms", color: "#ffb35c", log: true,
		pick: (it) => (typeof it.exposure_us === "number" ? it.exposure_us / 1000 : null),
		fmt: (v) => (v === null ? "—" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toPrecision(3)} ms`) },
	{ key: "gain", title: "Analogue gain", unit: "×", color: "#6cb8ff", log: false,
		pick: (it) => (typeof it.analogue_gain === "number" ? it.analogue_gain : null),
		fmt: (v) => (v === null ? "—" : `×${v.toFixed(2)}`) },
	{ key: "luma", title: "Mean luma", unit: "0–255", color: "#c4b5fd", log: false, range: [0, 255],
		pick: (it) => (typeof it.mean_luma === "number" ? it.mean_luma : null),
		fmt: (v) => (v === null ? "—" : v.toFixed(1)) },
];

let root;
let els = {};
let q = { camera: "", profile: "", date: "" };
let uPlot = null;
let plots = [];
let data = null; // [xs, ...series], ascending time
let seq = 0;
let visible = false;
let resizer = null;

export function init(el) {
	root = el;
	els.camera = h("select", { class: "input", "aria-label": "Camera", onchange: () => change({ camera: els.camera.value }) });
	els.profile = h("select", { class: "input", "aria-label": "Profile", onchange: () => change({ profile: els.profile.value }) });
	els.date = h("input", { class: "input", type: "date", "aria-label": "Day", onchange: () => change({ date: els.date.value }) });
	els.summary = h("div", { class: "metrics chart-summary" });
	els.charts = h("div", { class: "charts" });
	els.sub = h("p", null, "Exposure, gain and brightness through the day");
	mount(root,
		h("div", { class: "view-head" }, h("div", null, h("h1", null, "Charts"), els.sub)),
		h("div", { class: "card toolbar-card" },
			h("div", { class: "toolbar" },
				h("label", { class: "field" }, h("span", null, "Camera"), els.camera),
				h("label", { class: "field" }, h("span", null, "Profile"), els.profile),
				h("label", { class: "field" }, h("span", null, "Day"), els.date))),
		els.summary,
		els.charts);
	store.on("cameras", fill);
	store.on("frame", onFrame);
	resizer = new ResizeObserver(() => sizePlots());
	resizer.observe(els.charts);
}

export async function show(params) {
	visible = true;
	fill();
	const cam = params.camera || q.camera || els.camera.value;
	const prof = params.profile || q.profile || store.profilesOf(cam).enabled[0] || "a";
	const date = params.date || q.date || defaultDay(cam);
	const same = cam === q.camera && prof === q.profile && date === q.date && data;
	q = { camera: cam, profile: prof, date };
	fill();
	els.date.value = date;
	if (!same) await load();
}

export function hide() {
	visible = false;
}

// The day of the camera's last capture (on the location's clock), else today.
function defaultDay(cam) {
	const c = store.state.cameras.get(cam);
	const lc = c && c.status && c.status.last_capture;
	const d = lc && f.parseTime(lc.captured_at);
	return d ? f.dayKey(d) : f.dayKey();
}

function fill() {
	const cams = store.cameraList();
	q.camera = fillSelect(els.camera, cams.map((c) => ({ value: c.id, label: c.id })), q.camera);
	const { all } = store.profilesOf(q.camera);
	q.profile = fillSelect(els.profile, all.map((p) => ({ value: p, label: f.profileLabel(p) })), q.profile);
}

function change(patch) {
	q = { ...q, ...patch };
	if (!q.date) q.date = f.dayKey();
	els.date.value = q.date;
	history.replaceState(null, "", `#charts?${new URLSearchParams(q)}`);
	load();
}

async function loadLibrary() {
	if (uPlot) return uPlot;
	if (!document.querySelector("link[data-uplot]")) {
		document.head.append(h("link", { rel: "stylesheet", href: "vendor/uPlot.min.css", dataset: { uplot: "1" } }));
	}
	const mod = await import("../../vendor/uPlot.esm.js");
	uPlot = mod.default;
	return uPlot;
}

async function load() {
	const my = ++seq;
	if (!q.camera) {
		mount(els.charts, h("div", { class: "empty" }, "No camera has reported yet."));
		els.summary.replaceChildren();
		return;
	}
	mount(els.charts, h("div", { class: "empty" }, spinner(), "Reading the day's frames…"));
	let items = [];
	try {
		const lib = loadLibrary();
		for (let offset = 0; offset < MAX_POINTS; offset += PAGE) {
			const r = await api.images({ camera: q.camera, profile: q.profile, date: q.date, limit: PAGE, offset });
			if (my !== seq) return;
			items = items.concat(r.items);
			if (r.items.length < PAGE || (r.total !== null && items.length >= r.total)) break;
		}
		await lib;
	} catch (e) {
		if (my !== seq) return;
		mount(els.charts, h("div", { class: "notice bad" }, e.message.includes("import")
			? "The chart library is missing: run `make` on the server (it copies uPlot into dashboard/vendor/)."
			: `Could not read the frames: ${e.message}`));
		return;
	}
	if (my !== seq) return;
	items.sort((a, b) => String(a.captured_at).localeCompare(String(b.captured_at)));
	data = [items.map((it) => Date.parse(it.captured_at) / 1000), ...SERIES.map((s) => items.map(s.pick))];
	draw();
}

function draw() {
	for (const p of plots) p.destroy();
	plots = [];
	const n = data[0].length;
	els.sub.textContent = `${q.camera} · ${f.profileLabel(q.profile)} · ${f.longDate(f.zonedMidnight(q.date))}`;
	drawSummary();
	if (!n) {
		mount(els.charts, h("div", { class: "empty" }, h("strong", null, "No frames that day"),
			`Profile ${q.profile.toUpperCase()} of ${q.camera} captured nothing on ${q.date}.`));
		return;
	}
	const boxes = SERIES.map((s) => h("section", { class: "card chart-card", dataset: { chart: s.key } },
		h("div", { class: "card-head" }, h("h2", null, h("i", { class: "swatch", style: { background: s.color } }), s.title),
			h("span", { class: "card-sub" }, s.unit)),
		h("div", { class: "chart-box" })));
	mount(els.charts, boxes);
	const width = chartWidth(boxes[0]);
	SERIES.forEach((s, i) => {
		const el = boxes[i].querySelector(".chart-box");
		plots.push(new uPlot(options(s, width, n), [data[0], data[i + 1]], el));
	});
}

function chartWidth(box) {
	return Math.max(260, (box.querySelector(".chart-box") || box).clientWidth);
}

function sizePlots() {
	if (!plots.length) return;
	const box = els.charts.querySelector(".chart-box");
	if (!box) return;
	const w = Math.max(260, box.clientWidth);
	for (const p of plots) if (Math.abs(p.width - w) > 2) p.setSize({ width: w, height: plotHeight() });
}

const plotHeight = () => (window.innerWidth < 720 ? 170 : 210);

function options(s, width, n) {
	const axis = {
		stroke: "#8b97b0",
		grid: { stroke: "rgba(160,185,235,0.07)", width: 1 },
		ticks: { stroke: "rgba(160,185,235,0.12)", width: 1, size: 4 },
		font: "12px system-ui, sans-serif",
	};
	return {
		width,
		height: plotHeight(),
		tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), f.getZone()),
		cursor: { sync: { key: "skylapse-day" }, points: { size: 7 } },
		legend: { show: true, live: true },
		scales: { x: { time: true }, y: s.log ? { distr: 3, log: 10 } : s.range ? { auto: false, range: s.range } : { auto: true } },
		axes: [
			{ ...axis, space: 84, values: (u, vals) => {
				const span = u.scales.x.max - u.scales.x.min;
				return vals.map((v) => (v === null ? "" : f.clock(new Date(v * 1000), span < 900)));
			} },
			s.log ? { ...axis, size: 62, values: (u, vals) => vals.map((v) => (v === null ? "" : expLabel(v))) }
				: { ...axis, size: 62 },
		],
		series: [
			{ label: "Time", value: (u, v) => (v === null ? "—" : f.clock(new Date(v * 1000), true)) },
			{
				label: s.title,
				stroke: s.color,
				width: 2,
				fill: (u) => gradient(u, s.color),
				points: { show: n < 120, size: 4, fill: s.color },
				spanGaps: false,
				value: (u, v) => s.fmt(v),
			},
		],
	};
}

function expLabel(ms) {
	if (ms >= 1000) return `${+(ms / 1000).toPrecision(2)} s`;
	if (ms >= 1) return `${+ms.toPrecision(2)} ms`;
	return `${+(ms * 1000).toPrecision(2)} µs`;
}

function gradient(u, color) {
	// the legend asks for the fill before the plot has a size
	if (!u.bbox || !Number.isFinite(u.bbox.top) || !Number.isFinite(u.bbox.height)) return `${color}33`;
	const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
	g.addColorStop(0, `${color}55`);
	g.addColorStop(1, `${color}00`);
	return g;
}

function drawSummary() {
	const vals = (i) => data[i + 1].filter((v) => v !== null);
	const range = (i) => {
		const v = vals(i);
		if (!v.length) return "—";
		const lo = Math.min(...v);
		const hi = Math.max(...v);
		return lo === hi ? SERIES[i].fmt(lo) : `${SERIES[i].fmt(lo)} – ${SERIES[i].fmt(hi)}`;
	};
	const xs = data[0];
	const m = (label, value) => h("div", { class: "metric" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
	mount(els.summary,
		m("Frames", xs.length.toLocaleString()),
		m("From – to", xs.length ? `${f.clock(new Date(xs[0] * 1000))} – ${f.clock(new Date(xs[xs.length - 1] * 1000))}` : "—"),
		m("Exposure", range(0)),
		m("Gain", range(1)),
		m("Luma", range(2)));
}

// A frame of the shown day joins the charts at once.
function onFrame(ann) {
	if (!visible || !data || !plots.length) return;
	if (ann.camera !== q.camera || String(ann.profile).toLowerCase() !== q.profile) return;
	const d = f.parseTime(ann.captured_at);
	if (!d || f.dayKey(d) !== q.date) return;
	const t = d.getTime() / 1000;
	if (data[0].length && t <= data[0][data[0].length - 1]) return;
	data[0].push(t);
	SERIES.forEach((s, i) => data[i + 1].push(s.pick(ann)));
	plots.forEach((p, i) => p.setData([data[0], data[i + 1]]));
	drawSummary();
}
