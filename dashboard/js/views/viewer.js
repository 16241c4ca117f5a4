// viewer.js - one frame at full size with its metadata, in a modal dialog.
// Arrow keys (and swipes) step through the gallery's frames; the gallery
// supplies a cursor that can cross page boundaries.

import * as api from "../api.js";
import { h, icon, mount } from "../dom.js";
import * as f from "../format.js";

let dlg = null;
let parts = {};
let cursor = null; // {get(i), count(), index, load(i) -> Promise<frame|null>}

function build() {
	parts.img = h("img", { class: "vw-img", alt: "" });
	parts.meta = h("div", { class: "vw-meta" });
	parts.counter = h("span", { class: "vw-counter num" });
	parts.prev = h("button", { class: "btn icon vw-prev", type: "button", title: "Previous (←)", "aria-label": "Previous frame", onclick: () => step(-1) }, icon("left"));
	parts.next = h("button", { class: "btn icon vw-next", type: "button", title: "Next (→)", "aria-label": "Next frame", onclick: () => step(1) }, icon("right"));
	parts.download = h("a", { class: "btn icon", title: "Download", "aria-label": "Download", download: "" }, icon("download"));
	dlg = h("dialog", { class: "sheet viewer", "aria-label": "Frame viewer" },
		h("div", { class: "vw" },
			h("div", { class: "vw-stage" }, parts.img, parts.prev, parts.next),
			h("aside", { class: "vw-side" },
				h("div", { class: "vw-top" }, parts.counter,
					h("div", { class: "vw-actions" }, parts.download,
						h("button", { class: "btn icon", type: "button", title: "Close (Esc)", "aria-label": "Close", onclick: () => dlg.close() }, icon("x")))),
				parts.meta,
				h("p", { class: "vw-keys muted" }, "← → to step · Home / End · Esc to close"))));
	dlg.addEventListener("keydown", onKey);
	dlg.addEventListener("click", (e) => {
		if (e.target === dlg) dlg.close();
	});
	let x0 = null;
	parts.img.addEventListener("pointerdown", (e) => {
		x0 = e.clientX;
	});
	parts.img.addEventListener("pointerup", (e) => {
		if (x0 !== null && Math.abs(e.clientX - x0) > 50) step(e.clientX < x0 ? 1 : -1);
		x0 = null;
	});
	document.body.append(dlg);
}

function onKey(e) {
	if (e.target.closest && e.target.closest("input, select, textarea")) return;
	const map = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -1, ArrowDown: 1, PageUp: -10, PageDown: 10 };
	if (map[e.key]) {
		e.preventDefault();
		step(map[e.key]);
	} else if (e.key === "Home") {
		e.preventDefault();
		go(0);
	} else if (e.key === "End" && cursor.count() !== null) {
		e.preventDefault();
		go(cursor.count() - 1);
	}
}

const row = (label, value) => [h("dt", null, label), h("dd", null, value ?? "—")];

function drawMeta(fr) {
	const luma = typeof fr.mean_luma === "number" ? fr.mean_luma : null;
	mount(parts.meta,
		h("div", { class: "vw-title" },
			h("span", { class: "profile-chip" }, fr.profile || "?"),
			h("div", null, h("div", { class: "vw-when num" }, f.dateTime(fr.captured_at)),
				h("div", { class: "muted num" }, `${fr.camera || ""} · UTC ${String(fr.captured_at || "").slice(11, 23)}`))),
		h("div", { class: "metrics vw-metrics" },
			h("div", { class: "metric" }, h("div", { class: "label" }, "Exposure"), h("div", { class: "value", dataset: { meta: "exposure" } }, f.exposure(fr.exposure_us))),
			h("div", { class: "metric" }, h("div", { class: "label" }, "Gain"), h("div", { class: "value", dataset: { meta: "gain" } }, f.gain(fr.analogue_gain))),
			h("div", { class: "metric" }, h("div", { class: "label" }, "EV"), h("div", { class: "value", dataset: { meta: "ev" } }, f.ev(fr.ev))),
			h("div", { class: "metric" }, h("div", { class: "label" }, "Mean luma"), h("div", { class: "value", dataset: { meta: "luma" } }, f.num(luma, 1)),
				h("div", { class: "meter" }, h("i", { style: { width: `${luma === null ? 0 : (luma / 255) * 100}%`,
					background: "linear-gradient(90deg, #334, #fff)" } })))),
		h("dl", { class: "kv vw-kv" },
			row("White balance", fr.awb),
			row("Colour temperature", typeof fr.colour_temp_k === "number" ? `${fr.colour_temp_k} K` : null),
			row("Light", typeof fr.lux === "number" ? `${f.num(fr.lux, fr.lux < 10 ? 2 : 0)} lux` : null),
			row("Exposure time", typeof fr.exposure_us === "number" ? `${fr.exposure_us.toLocaleString()} µs` : null),
			row("Size", fr.width && fr.height ? `${fr.width} × ${fr.height} · ${f.bytes(fr.size)}` : f.bytes(fr.size)),
			fr.bracket ? row("Bracket", `${fr.bracket.index + 1} of ${fr.bracket.count} (EV ${f.ev(fr.bracket.ev)})`) : null,
			row("Schedule", fr.schedule || (fr.request_id ? "on request" : null)),
			fr.backend_name ? row("Requested by", fr.backend_name) : null,
			row("SHA-256", fr.sha256 ? h("span", { class: "mono", title: fr.sha256 }, `${fr.sha256.slice(0, 16)}…`) : null),
			row("File", h("span", { class: "mono" }, api.imagePath(fr)))));
}

async function go(i) {
	if (!cursor) return;
	const n = cursor.count();
	if (i < 0 || (n !== null && i >= n)) return;
	const fr = await cursor.load(i);
	if (!fr) return;
	cursor.index = i;
	const url = api.imageUrl(fr);
	parts.img.src = url;
	parts.img.alt = `Frame of ${fr.camera} at ${f.dateTime(fr.captured_at)}`;
	parts.img.dataset.path = api.imagePath(fr);
	parts.download.href = url;
	parts.counter.textContent = n !== null ? `${(i + 1).toLocaleString()} of ${n.toLocaleString()}` : `#${i + 1}`;
	parts.prev.disabled = i === 0;
	parts.next.disabled = n !== null && i >= n - 1;
	drawMeta(fr);
	// the neighbours load while this one is looked at
	for (const j of [i + 1, i - 1]) {
		const nb = cursor.get(j);
		if (nb) new Image().src = api.imageUrl(nb);
	}
}

function step(d) {
	if (cursor) go(Math.max(0, cursor.index + d));
}

// Opens the viewer on index `i` of `cur` (see the cursor shape above).
export function open(cur, i) {
	if (!dlg) build();
	cursor = cur;
	cursor.index = i;
	if (!dlg.open) dlg.showModal();
	go(i);
}

export function isOpen() {
	return Boolean(dlg && dlg.open);
}

export function close() {
	if (dlg && dlg.open) dlg.close();
}

export function onClose(fn) {
	if (!dlg) build();
	dlg.addEventListener("close", fn);
}
