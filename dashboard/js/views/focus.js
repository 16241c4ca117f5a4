// focus.js - the focus aid: a live crop of the camera's frame with its
// sharpness figure and the best so far, for a person turning the lens at
// install. Start sends a session (POST /cameras/{id}/focus); while this view
// is open it renews it every minute, polls the newest frame twice a second,
// and stops it on leaving. A session nobody renews ends by itself.

import * as api from "../api.js";
import { fillSelect, h, icon, mount } from "../dom.js";
import * as store from "../store.js";

const DURATION_S = 180;
const RENEW_MS = 60000;
const POLL_MS = 500;
const HISTORY = 90;

let els = {};
let running = false; // a session this page started and keeps alive
let pollTimer = 0;
let renewTimer = 0;
let lastSeq = null;
let history = [];
let shown = false;

export function init(el) {
	els.camera = h("select", { class: "input", "aria-label": "Camera", onchange: reset });
	els.crop = h("select", { class: "input", "aria-label": "Crop" },
		h("option", { value: "0.1" }, "Small (1/10 of the width)"),
		h("option", { value: "0.25", selected: true }, "Medium (1/4)"),
		h("option", { value: "0.5" }, "Large (1/2)"));
	els.x = h("input", { class: "input", type: "range", min: "0", max: "1", step: "0.01", value: "0.5",
		"aria-label": "Across" });
	els.y = h("input", { class: "input", type: "range", min: "0", max: "1", step: "0.01", value: "0.5",
		"aria-label": "Down" });
	els.lens = h("input", { class: "input", type: "number", min: "0", max: "32", step: "0.05",
		placeholder: "by hand", "aria-label": "Lens position (dioptres)" });
	els.start = h("button", { class: "btn primary", type: "button", onclick: start },
		icon("play"), "Start");
	els.stop = h("button", { class: "btn ghost", type: "button", onclick: stop, disabled: true },
		icon("stop"), "Stop");
	els.msg = h("p", { class: "muted", role: "status", "aria-live": "polite" });
	els.img = h("img", { class: "focus-img", alt: "The focus crop, at 1:1 pixels" });
	els.value = h("div", { class: "focus-value", "aria-live": "off" }, "–");
	els.best = h("div", { class: "focus-best" }, "best –");
	els.bar = h("div", { class: "focus-bar-fill" });
	els.spark = h("canvas", { class: "focus-spark", width: 360, height: 60, "aria-hidden": "true" });
	els.meta = h("p", { class: "muted focus-meta" });
	mount(el,
		h("div", { class: "view-head" }, h("div", null, h("h1", null, "Focus"),
			h("p", null, "Turn the lens slowly and watch the figure: the sharpest focus is where it " +
				"peaks. Point the crop at detail (stars, the horizon, a far edge); flat sky has nothing " +
				"to focus on."))),
		h("div", { class: "focus-grid" },
			h("div", { class: "card focus-controls" },
				h("label", { class: "field" }, h("span", null, "Camera"), els.camera),
				h("label", { class: "field" }, h("span", null, "Crop"), els.crop),
				h("label", { class: "field" }, h("span", null, "Across"), els.x),
				h("label", { class: "field" }, h("span", null, "Down"), els.y),
				h("label", { class: "field" }, h("span", null, "Lens position (dioptres)"), els.lens,
					h("small", null, "Only for a motorised lens (Camera Module 3); empty: turned by hand.")),
				h("div", { class: "toolbar" }, els.start, els.stop),
				els.msg),
			h("div", { class: "card focus-live" },
				h("div", { class: "focus-figures" },
					h("div", null, h("div", { class: "eyebrow" }, "Sharpness"), els.value),
					els.best),
				h("div", { class: "focus-bar", title: "this frame against the best so far" }, els.bar),
				els.spark,
				els.img,
				els.meta)));
	store.on("cameras", fillCameras);
}

export function show() {
	shown = true;
	fillCameras();
	poll();
}

export function hide() {
	shown = false;
	clearTimeout(pollTimer);
	if (running) stop();
}

function fillCameras() {
	const list = store.cameraList().map((c) => ({ value: c.id, label: c.id }));
	fillSelect(els.camera, list);
}

function reset() {
	lastSeq = null;
	history = [];
	draw(null);
}

function body() {
	const b = { action: "start", duration_s: DURATION_S, crop: Number(els.crop.value),
		x: Number(els.x.value), y: Number(els.y.value) };
	if (els.lens.value !== "") b.lens_position = Number(els.lens.value);
	return b;
}

async function send(b) {
	const cam = els.camera.value;
	if (!cam) {
		els.msg.textContent = "No camera is known yet.";
		return false;
	}
	try {
		await api.focusSend(cam, b);
		return true;
	} catch (e) {
		els.msg.textContent = e.message;
		return false;
	}
}

async function start() {
	history = [];
	if (!(await send(body()))) return;
	running = true;
	els.start.textContent = "Apply";
	els.stop.disabled = false;
	els.msg.textContent = "Starting…";
	clearInterval(renewTimer);
	renewTimer = setInterval(() => send(body()), RENEW_MS);
	poll();
}

async function stop() {
	clearInterval(renewTimer);
	running = false;
	els.start.replaceChildren(icon("play"), "Start");
	els.stop.disabled = true;
	await send({ action: "stop" });
}

async function poll() {
	clearTimeout(pollTimer);
	if (!shown) return;
	const cam = els.camera.value;
	if (cam) {
		try {
			draw(await api.focus(cam));
		} catch (e) {
			if (e.status !== 404) els.msg.textContent = e.message;
		}
	}
	pollTimer = setTimeout(poll, POLL_MS);
}

function fmt(v) {
	return v === null || v === undefined ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(2);
}

function draw(d) {
	const st = d && d.state;
	const fr = d && d.frame;
	if (st) {
		if (st.active) els.msg.textContent = `Running: ${st.remaining_s} s left unless renewed.`;
		else if (st.error) els.msg.textContent = `Refused or failed: ${st.error}`;
		else if (st.ended) els.msg.textContent = `Ended (${st.ended}).`;
		if (!st.active && running && st.ended) {
			running = false;
			clearInterval(renewTimer);
			els.start.replaceChildren(icon("play"), "Start");
			els.stop.disabled = true;
		}
	}
	if (!fr || fr.seq === lastSeq) return;
	lastSeq = fr.seq;
	els.img.src = fr.url.replace(/^\//, "");
	els.value.textContent = fmt(fr.sharpness);
	els.best.textContent = `best ${fmt(fr.best)}`;
	const pct = fr.best > 0 ? Math.min(100, (100 * fr.sharpness) / fr.best) : 0;
	els.bar.style.width = `${pct}%`;
	els.bar.classList.toggle("at-best", pct >= 98);
	history.push(fr.sharpness);
	if (history.length > HISTORY) history.shift();
	spark();
	els.meta.textContent = `crop ${fr.crop.width}×${fr.crop.height} at ${fr.crop.x},${fr.crop.y} ` +
		`of ${fr.frame_width}×${fr.frame_height} · exposure ${(fr.exposure_us / 1000).toFixed(1)} ms, ` +
		`gain ${Number(fr.analogue_gain).toFixed(2)}` +
		(fr.lens_position !== null && fr.lens_position !== undefined ? ` · lens ${fr.lens_position} dpt` : "");
}

function spark() {
	const c = els.spark;
	const g = c.getContext && c.getContext("2d");
	if (!g) return;
	g.clearRect(0, 0, c.width, c.height);
	const max = Math.max(...history, 1e-9);
	g.strokeStyle = "#ffb35c";
	g.lineWidth = 2;
	g.beginPath();
	history.forEach((v, i) => {
		const x = (i / Math.max(HISTORY - 1, 1)) * c.width;
		const y = c.height - 2 - (v / max) * (c.height - 4);
		if (i === 0) g.moveTo(x, y);
		else g.lineTo(x, y);
	});
	g.stroke();
}
