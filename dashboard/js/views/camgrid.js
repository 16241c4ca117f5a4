// camgrid.js - the overview's cameras when there are many (issue 16: a
// hundred must stay usable): a grid of small tiles, filtered by name and by
// state, a page at a time. Only the shown page is drawn, a tile is rebuilt
// only when what it shows changed, and no image is asked for that the bridge
// has not announced (no 404 per camera without a frame).

import * as api from "../api.js";
import { h, icon, mount } from "../dom.js";
import * as f from "../format.js";

export const PAGE_SIZE = 24;

const STATES = [
	["", "Any state"],
	["online", "Online"],
	["offline", "Offline"],
	["problem", "Error or disk low"],
	["capturing", "Capturing"],
	["unknown", "Unknown"],
];

function stateOf(c) {
	const st = c.status || {};
	if (c.availability === "offline") return "offline";
	if (st.state === "error" || st.disk_low) return "problem";
	if (c.availability !== "online" && !c.status) return "unknown";
	return st.state === "capturing" ? "capturing" : "online";
}

function matches(c, text, state) {
	if (text && !c.id.toLowerCase().includes(text)) return false;
	if (!state) return true;
	const s = stateOf(c);
	return state === "online" ? s !== "offline" && s !== "unknown" : s === state;
}

// The newest frame the bridge announced for the camera, if any.
function newestFrame(c) {
	let best = null;
	for (const fr of Object.values(c.last_frames || {})) {
		if (fr && fr.path && (!best || String(fr.captured_at) > String(best.captured_at))) best = fr;
	}
	const lc = c.status && c.status.last_capture;
	if (!best && lc && lc.path) best = lc;
	return best ? { camera: c.id, ...best } : null;
}

const BADGE = { online: ["ok dot", "Online"], capturing: ["sun dot", "Capturing"],
	offline: ["bad dot", "Offline"], problem: ["bad", "Problem"], unknown: ["", "Unknown"] };

function tile(c, frame, onOpen) {
	const s = stateOf(c);
	const st = c.status || {};
	const disk = st.disk && typeof st.disk.free_pct === "number" ? st.disk.free_pct : null;
	const lc = st.last_capture;
	const [cls, text] = BADGE[s];
	return h("button", { type: "button", class: `cg-tile${s === "offline" ? " is-offline" : ""}`,
		dataset: { camera: c.id, state: s }, title: `Open ${c.id} in the gallery`, onclick: () => onOpen(c.id) },
	frame ? h("img", { class: "cg-thumb", loading: "lazy", decoding: "async", alt: `${c.id}, latest frame`,
		src: api.imageUrl(frame, 400) })
		: h("div", { class: "cg-thumb empty-hero" }, icon("camera")),
	h("div", { class: "cg-name" }, h("span", null, c.id),
		h("span", { class: `badge ${cls}`, dataset: { role: "availability" } }, text)),
	h("div", { class: "cg-meta" },
		lc && lc.captured_at ? h("span", { dataset: { ago: lc.captured_at } }, f.ago(lc.captured_at)) : h("span", null, "no capture"),
		h("span", { class: `num${st.disk_low ? " bad-text" : ""}` }, disk === null ? "" : `${disk.toFixed(0)} % free`)));
}

// A grid bound to onOpen(cameraId); draw(list) shows the cameras given.
export function createCameraGrid(onOpen) {
	let list = [];
	let page = 0;
	const cache = new Map(); // id -> {sig, el}
	const search = h("input", { class: "input", type: "search", name: "camera-filter",
		placeholder: "Filter by name", "aria-label": "Filter cameras by name", autocomplete: "off" });
	const state = h("select", { class: "input", name: "camera-state", "aria-label": "Filter cameras by state" },
		STATES.map(([v, t]) => h("option", { value: v }, t)));
	const count = h("span", { class: "cg-count num", "aria-live": "polite" });
	const grid = h("div", { class: "cg-grid" });
	const prev = h("button", { type: "button", class: "btn small", "aria-label": "Previous page",
		onclick: () => go(page - 1) }, "‹ Previous");
	const next = h("button", { type: "button", class: "btn small", "aria-label": "Next page",
		onclick: () => go(page + 1) }, "Next ›");
	const where = h("span", { class: "num cg-page" });
	const pager = h("nav", { class: "cg-pager", "aria-label": "Camera pages" }, prev, where, next);
	const el = h("section", { class: "card cam-grid-card", id: "camera-grid" },
		h("div", { class: "card-head" }, h("h2", null, "Cameras")),
		h("div", { class: "cg-bar" },
			h("label", { class: "field" }, h("span", null, "Name"), search),
			h("label", { class: "field" }, h("span", null, "State"), state),
			count),
		grid, pager);
	search.addEventListener("input", () => go(0));
	state.addEventListener("change", () => go(0));

	function go(p) {
		page = p;
		render();
	}

	function render() {
		const text = search.value.trim().toLowerCase();
		const shown = list.filter((c) => matches(c, text, state.value));
		const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
		page = Math.min(Math.max(0, page), pages - 1);
		const slice = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
		const tiles = slice.map((c) => {
			const frame = newestFrame(c);
			const st = c.status || {};
			const sig = JSON.stringify([c.availability, st.state, st.disk_low, st.disk && st.disk.free_pct,
				st.last_capture && st.last_capture.captured_at, frame && frame.path]);
			const hit = cache.get(c.id);
			if (hit && hit.sig === sig) return hit.el;
			const t = tile(c, frame, onOpen);
			cache.set(c.id, { sig, el: t });
			return t;
		});
		mount(grid, tiles.length ? tiles
			: h("div", { class: "empty" }, h("strong", null, "No camera matches"), "Change the name or the state filter."));
		count.textContent = shown.length === list.length ? `${list.length} cameras`
			: `${shown.length} of ${list.length} cameras`;
		where.textContent = `Page ${page + 1} of ${pages}`;
		prev.disabled = page === 0;
		next.disabled = page >= pages - 1;
		pager.hidden = pages === 1;
	}

	return {
		el,
		draw(cameras) {
			list = cameras;
			render();
		},
	};
}
