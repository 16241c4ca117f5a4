// gallery.js - every frame by camera, profile and day: a paged grid of
// lazy-loaded thumbnails (a day of 10,000 frames is one page at a time),
// the full-size viewer, and the day's keogram.

import * as api from "../api.js";
import { fillSelect, h, icon, mount, spinner } from "../dom.js";
import * as f from "../format.js";
import * as jobs from "../jobs.js";
import * as store from "../store.js";
import * as viewer from "./viewer.js";

const PAGE = 60;
const THUMB_WIDTH = 400;

let root;
let els = {};
let q = { camera: "", profile: "", date: "" };
let page = { offset: 0, items: [], total: null, more: false };
let loadSeq = 0;
let visible = false;
let pendingOpen = null;
let keogramId = null;

export function init(el) {
	root = el;
	els.camera = h("select", { class: "input", "aria-label": "Camera", onchange: () => setQuery({ camera: els.camera.value }) });
	els.profile = h("select", { class: "input", "aria-label": "Profile", onchange: () => setQuery({ profile: els.profile.value }) });
	els.date = h("input", { class: "input", type: "date", "aria-label": "Day", onchange: () => setQuery({ date: els.date.value }) });
	els.allDays = h("button", { class: "btn ghost small", type: "button", onclick: () => setQuery({ date: "" }) }, "All days");
	els.keoBtn = h("button", { class: "btn", type: "button", onclick: makeKeogram, title: "A picture of the whole day: the centre column of every frame" }, icon("barcode"), "Keogram");
	els.count = h("p", { class: "num" });
	els.keogram = h("section", { class: "card keogram", hidden: true });
	els.grid = h("div", { class: "grid", role: "list" });
	els.newer = h("button", { class: "btn", type: "button", onclick: () => load(page.offset - PAGE) }, icon("left"), "Newer");
	els.older = h("button", { class: "btn", type: "button", onclick: () => load(page.offset + PAGE) }, "Older", icon("right"));
	els.pageInfo = h("span", { class: "muted num" });
	mount(root,
		h("div", { class: "view-head" },
			h("div", null, h("h1", null, "Gallery"), els.count)),
		h("div", { class: "card toolbar-card" },
			h("div", { class: "toolbar" },
				h("label", { class: "field" }, h("span", null, "Camera"), els.camera),
				h("label", { class: "field" }, h("span", null, "Profile"), els.profile),
				h("div", { class: "field" }, h("span", null, "Day"),
					h("div", { class: "inline" }, els.date, els.allDays)),
				h("div", { class: "toolbar-end" }, els.keoBtn))),
		els.keogram,
		els.grid,
		h("nav", { class: "pager", "aria-label": "Pages" }, els.newer, els.pageInfo, els.older));

	store.on("cameras", fillFilters);
	store.on("frame", onFrame);
	store.on("job", onJob);
	viewer.onClose(() => {
		if (visible) history.replaceState(null, "", location.hash.replace(/&?open=[^&]*/, "").replace(/\?$/, ""));
	});
}

export function show(params) {
	visible = true;
	fillFilters();
	const next = {
		camera: params.camera ?? q.camera,
		profile: params.profile ?? q.profile,
		date: params.date ?? q.date,
	};
	if (!next.camera) next.camera = els.camera.value || "";
	pendingOpen = params.open || null;
	const same = next.camera === q.camera && next.profile === q.profile && next.date === q.date && page.items.length;
	q = next;
	syncControls();
	if (same && !pendingOpen) return;
	load(0);
}

export function hide() {
	visible = false;
	viewer.close();
}

function fillFilters() {
	const cams = store.cameraList();
	fillSelect(els.camera, cams.map((c) => ({ value: c.id, label: c.id })), q.camera);
	const { all } = store.profilesOf(q.camera || els.camera.value);
	fillSelect(els.profile, [{ value: "", label: "All profiles" }, ...all.map((p) => ({ value: p, label: f.profileLabel(p) }))], q.profile);
}

function syncControls() {
	els.camera.value = q.camera;
	els.profile.value = q.profile;
	els.date.value = q.date;
	els.allDays.hidden = !q.date;
	els.keoBtn.disabled = !q.camera || !q.profile;
	els.keoBtn.title = q.profile ? "A picture of the whole day: the centre column of every frame"
		: "Pick one profile to make a keogram";
}

function setQuery(patch) {
	q = { ...q, ...patch };
	if (patch.camera !== undefined) fillFilters();
	const params = Object.fromEntries(Object.entries(q).filter(([, v]) => v));
	history.replaceState(null, "", `#gallery${Object.keys(params).length ? `?${new URLSearchParams(params)}` : ""}`);
	syncControls();
	keogramId = null;
	load(0);
}

function params(offset, limit = PAGE) {
	return { camera: q.camera, profile: q.profile, date: q.date, limit, offset };
}

async function load(offset) {
	offset = Math.max(0, offset);
	const seq = ++loadSeq;
	if (!page.items.length) mount(els.grid, skeleton());
	try {
		const r = await api.images(params(offset));
		if (seq !== loadSeq) return;
		page = { offset, items: r.items, total: r.total, more: r.total !== null ? offset + r.items.length < r.total : r.items.length === PAGE };
	} catch (e) {
		if (seq !== loadSeq) return;
		page = { offset, items: [], total: null, more: false };
		mount(els.grid, h("div", { class: "notice bad" }, `Could not list the frames: ${e.message}`));
		drawPager();
		return;
	}
	draw();
	showKeogram();
	if (pendingOpen) {
		const path = pendingOpen;
		pendingOpen = null;
		const i = page.items.findIndex((it) => api.imagePath(it) === path);
		if (i >= 0) viewer.open(cursor(), page.offset + i);
	}
}

function skeleton() {
	return Array.from({ length: 12 }, () => h("div", { class: "tile skeleton" }));
}

function draw() {
	if (!page.items.length) {
		mount(els.grid, h("div", { class: "empty" }, h("strong", null, "No frames here"),
			q.date ? `Nothing was captured${q.profile ? ` with profile ${q.profile.toUpperCase()}` : ""} on ${q.date}.`
				: "Frames appear here as soon as a camera captures them."));
	} else {
		mount(els.grid, page.items.map((it, i) => tile(it, i)));
	}
	drawPager();
}

function tile(it, i) {
	const fr = { camera: q.camera, ...it };
	return h("button", { class: "tile", type: "button", role: "listitem", dataset: { path: api.imagePath(fr) },
		onclick: () => viewer.open(cursor(), page.offset + i),
		title: `${f.dateTime(fr.captured_at)} · ${f.profileLabel(fr.profile)}` },
	h("img", { src: api.imageUrl(fr, THUMB_WIDTH), loading: "lazy", decoding: "async", alt: "" }),
	h("span", { class: "tile-cap" },
		h("span", { class: "profile-chip" }, fr.profile || "?"),
		h("span", { class: "num" }, f.clock(fr.captured_at, true)),
		q.date ? null : h("span", { class: "muted tile-day" }, shortDay(fr.captured_at))));
}

function shortDay(iso) {
	const d = f.parseTime(iso);
	if (!d) return "";
	const k = f.dayKey(d);
	return k === f.dayKey() ? "today" : k.slice(5);
}

function drawPager() {
	const n = page.items.length;
	const total = page.total;
	els.newer.disabled = page.offset === 0;
	els.older.disabled = !page.more;
	els.pageInfo.textContent = n ? `${(page.offset + 1).toLocaleString()}–${(page.offset + n).toLocaleString()}${total !== null ? ` of ${total.toLocaleString()}` : ""}` : "";
	const what = [q.camera, q.profile ? `profile ${q.profile.toUpperCase()}` : "all profiles", q.date || "all days"].filter(Boolean).join(" · ");
	els.count.textContent = total !== null ? `${total.toLocaleString()} frames · ${what}` : what;
}

// The viewer's cursor over all frames of the query, newest first.
function cursor() {
	return {
		index: 0,
		count: () => page.total,
		get: (i) => {
			const j = i - page.offset;
			return j >= 0 && j < page.items.length ? { camera: q.camera, ...page.items[j] } : null;
		},
		load: async (i) => {
			const have = cursor().get(i);
			if (have) return have;
			const off = Math.floor(i / PAGE) * PAGE;
			await load(off);
			const j = i - page.offset;
			if (j >= 0 && j < page.items.length) return { camera: q.camera, ...page.items[j] };
			if (!page.more && page.total === null) page.total = page.offset + page.items.length;
			return null;
		},
	};
}

// A frame just captured joins the first page if it fits the filters.
function onFrame(ann) {
	if (!visible || page.offset !== 0) return;
	const p = String(ann.profile || "").toLowerCase();
	if (q.camera && ann.camera !== q.camera) return;
	if (q.profile && p !== q.profile) return;
	if (q.date && f.dayKey(f.parseTime(ann.captured_at) || new Date()) !== q.date) return;
	const path = api.imagePath(ann);
	if (page.items.some((it) => api.imagePath({ camera: q.camera, ...it }) === path)) return;
	// the viewer's position is an index into this list: keep it still while someone looks
	if (viewer.isOpen()) {
		if (page.total !== null) page.total++;
		return;
	}
	page.items = [{ ...ann, path }, ...page.items].slice(0, PAGE);
	if (page.total !== null) page.total++;
	page.more = page.more || page.total === null || page.total > PAGE;
	// indices shift by one: redraw keeps each tile's click on its own frame
	draw();
	els.grid.firstChild.classList.add("fresh");
}

/* ---- keogram ---- */

function dayForKeogram() {
	if (q.date) return q.date;
	const newest = page.items[0];
	return newest ? f.dayKey(f.parseTime(newest.captured_at)) : f.dayKey();
}

async function makeKeogram() {
	const day = dayForKeogram();
	const from = f.zonedMidnight(day).toISOString();
	const to = f.zonedMidnight(f.addDays(day, 1)).toISOString();
	els.keoBtn.disabled = true;
	try {
		keogramId = await jobs.submit({ kind: "keogram", camera: q.camera, profile: q.profile, from, to });
		showKeogram();
	} catch (e) {
		els.keogram.hidden = false;
		mount(els.keogram, h("div", { class: "notice bad" }, `The keogram could not be started: ${e.message}`));
	} finally {
		els.keoBtn.disabled = !q.camera || !q.profile;
	}
}

// The keogram of the shown camera, profile and day: the one just asked for,
// else the newest finished one known.
function pickKeogram() {
	const day = dayForKeogram();
	const all = jobs.list().filter((j) => j.kind === "keogram");
	if (keogramId) {
		const j = all.find((x) => x.job_id === keogramId);
		if (j) return j;
	}
	return all.find((j) => j.state === "done" && j.camera === q.camera && j.profile === q.profile &&
		(j.date === day || (j.from && f.dayKey(f.parseTime(j.from)) === day)));
}

function showKeogram() {
	const j = q.profile ? pickKeogram() : null;
	els.keogram.hidden = !j;
	if (!j) return;
	const head = h("div", { class: "card-head" },
		h("h2", null, icon("barcode", "h-ic"), "Keogram"),
		h("span", { class: "card-sub" }, [j.title, j.range].filter(Boolean).join(" · ")));
	let body;
	if (j.state === "done") {
		body = h("figure", { class: "keo-figure" },
			h("img", { class: "keo-img", src: api.outputUrl(j.job_id), alt: `Keogram of ${j.title}`, dataset: { job: j.job_id } }),
			h("figcaption", { class: "keo-axis muted num" }, h("span", null, "start of day"), h("span", null, `${(j.frames_done || j.frames_total || 0).toLocaleString()} frames, one column each`), h("span", null, "end of day")));
	} else if (j.state === "failed" || j.state === "cancelled") {
		body = h("div", { class: "notice bad" }, `Keogram ${j.state}${j.error ? `: ${j.error}` : "."}`);
	} else {
		body = h("div", { class: "keo-progress" }, spinner(),
			h("div", { class: `progress ${j.state}` }, h("i", { style: { width: `${Math.round(j.progress * 100)}%` } })),
			h("span", { class: "num muted" }, j.state === "queued" ? "queued" : `${Math.round(j.progress * 100)}%`));
	}
	mount(els.keogram, head, body);
}

function onJob(j) {
	if (visible && j && (j.job_id === keogramId || !els.keogram.hidden)) showKeogram();
}
