// overview.js - the live view: the sky timeline, one card per camera (state,
// latest frame of each profile, exposure, disk), Capture now, the backend.
// Redrawn from store events; frames swap in when the bridge announces them.

import * as api from "../api.js";
import { fillSelect, h, icon, mount, spinner } from "../dom.js";
import * as f from "../format.js";
import * as store from "../store.js";
import { createCameraGrid } from "./camgrid.js";
import { renderTimeline } from "./timeline.js";

// More cameras than this and the overview shows the grid (camgrid.js)
// instead of one large card each.
const GRID_FROM = 7;

let root;
let nav;
let els = {};
let fetchedLatest = new Set(); // cameras whose latest frames were looked up by /images
let grid = null;

export function init(el, ctx) {
	root = el;
	nav = ctx;
	els.title = h("h1", null, "Tonight's sky");
	els.sub = h("p");
	els.dayBadge = h("span", { class: "badge" });
	els.timeline = h("div", { class: "timeline" });
	els.cameras = h("div", { class: "cam-list" });
	els.backend = h("div");
	els.capture = captureCard();
	mount(root,
		h("div", { class: "view-head" }, h("div", null, els.title, els.sub), els.dayBadge),
		h("section", { class: "card timeline-card" },
			h("div", { class: "card-head" }, h("h2", null, "Today"), h("span", { class: "card-sub" }, "midnight to midnight, local time")),
			els.timeline),
		h("div", { class: "ov-grid" },
			h("div", { class: "ov-main" }, els.cameras),
			h("div", { class: "ov-side" }, els.capture.card,
				h("section", { class: "card" },
					h("div", { class: "card-head" }, h("h2", null, "Backend")), els.backend))));

	store.on("cameras", () => {
		drawCameras();
		els.capture.refresh();
	});
	store.on("backend", () => {
		drawHead();
		drawTimeline();
		drawBackend();
	});
	store.on("schedules", drawTimeline);
	store.on("broker", drawBackend);
	store.on("refresh", () => {
		fetchedLatest = new Set();
		drawAll();
	});
	// clock-driven redraws only: relative times and the "now" marker
	setInterval(tickAgo, 1000);
	setInterval(() => {
		drawHead();
		drawTimeline();
	}, 30000);
	drawAll();
}

export function show() {
	tickAgo();
}

function drawAll() {
	drawHead();
	drawTimeline();
	drawCameras();
	drawBackend();
	els.capture.refresh();
}

function tickAgo() {
	for (const e of root.querySelectorAll("[data-ago]")) e.textContent = f.ago(e.dataset.ago);
}

/* ---- heading ---- */

function drawHead() {
	const b = store.state.backend || {};
	const now = new Date();
	const hr = f.zonedParts(now).h;
	els.title.textContent = hr < 5 ? "Tonight's sky" : hr < 12 ? "This morning's sky"
		: hr < 18 ? "This afternoon's sky" : "This evening's sky";
	const sun = api.sunOf(b);
	const bits = [f.longDate(now), `${f.clock(now)} ${f.getZone().replace(/_/g, " ")}`];
	if (sun.sunrise) bits.push(`sunrise ${f.clock(sun.sunrise)}`);
	if (sun.sunset) bits.push(`sunset ${f.clock(sun.sunset)}`);
	els.sub.textContent = bits.join(" · ");
	const day = b.is_daytime;
	els.dayBadge.hidden = typeof day !== "boolean";
	els.dayBadge.className = `badge ${day ? "sun" : "info"} day-badge`;
	els.dayBadge.replaceChildren(icon(day ? "sun" : "moon"), day ? "Daytime" : "Night");
}

function drawTimeline() {
	const b = store.state.backend || {};
	renderTimeline(els.timeline, {
		sun: api.sunOf(b),
		schedules: store.state.schedules.length ? store.state.schedules : api.normSchedules(b.schedules),
		active: b.active_schedules || [],
		isDay: b.is_daytime,
		now: new Date(),
	});
}

/* ---- cameras ---- */

// What each camera card shows per profile: a newer frame replaces the shown
// one only once its image has loaded, so a card never flashes an empty box.
const shown = new Map(); // "camera/profile" -> frame
const pending = new Set(); // paths being preloaded

function latestFrames(c) {
	for (const [p, fr] of Object.entries(c.last_frames || {})) {
		if (!fr || !fr.path) continue;
		const key = `${c.id}/${p}`;
		const cur = shown.get(key);
		if (!cur) {
			shown.set(key, fr);
		} else if (cur.path !== fr.path && !pending.has(fr.path)) {
			pending.add(fr.path);
			const img = new Image();
			img.onload = img.onerror = () => {
				pending.delete(fr.path);
				const now = shown.get(key);
				if (!now || String(now.captured_at) < String(fr.captured_at)) shown.set(key, fr);
				drawCameras();
			};
			img.src = api.imageUrl({ camera: c.id, ...fr }, 1280);
		}
	}
	return [...shown.entries()].filter(([k]) => k.startsWith(`${c.id}/`)).map(([, fr]) => ({ camera: c.id, ...fr }))
		.sort((a, b) => String(b.captured_at).localeCompare(String(a.captured_at)));
}

function drawCameras() {
	const list = store.cameraList();
	if (!list.length) {
		mount(els.cameras, h("section", { class: "card" }, h("div", { class: "empty" },
			h("strong", null, "No camera has reported yet"),
			"A camera appears here as soon as its capture agent connects to the broker.")));
		return;
	}
	if (list.length >= GRID_FROM) {
		grid = grid || createCameraGrid((id) => nav.go("gallery", { camera: id }));
		if (els.cameras.firstChild !== grid.el) mount(els.cameras, grid.el);
		grid.draw(list);
		return;
	}
	const cards = new Map([...els.cameras.querySelectorAll(".cam-card")].map((e) => [e.dataset.camera, e]));
	const next = list.map((c) => cameraCard(c, cards.get(c.id)));
	mount(els.cameras, next);
	for (const c of list) {
		if (!latestFrames(c).length && !fetchedLatest.has(c.id)) lookUpLatest(c.id);
	}
}

// The bridge keeps each profile's newest frame; when it does not say, ask /images once.
async function lookUpLatest(id) {
	fetchedLatest.add(id);
	const { enabled } = store.profilesOf(id);
	const found = {};
	await Promise.all(enabled.map(async (p) => {
		try {
			const r = await api.images({ camera: id, profile: p, limit: 1 });
			if (r.items[0]) found[p] = { camera: id, ...r.items[0] };
		} catch {
			// nothing to show for that profile
		}
	}));
	if (Object.keys(found).length) store.mergeCamera(id, { last_frames: found });
}

function stateBadge(c) {
	const st = c.status;
	if (c.availability === "offline") return h("span", { class: "badge bad dot", dataset: { role: "availability" } }, "Offline");
	const online = h("span", { class: "badge ok dot", dataset: { role: "availability" } }, "Online");
	if (c.availability !== "online" && !st) return h("span", { class: "badge", dataset: { role: "availability" } }, "Unknown");
	return online;
}

function stateChip(st) {
	if (!st) return null;
	const cls = st.state === "error" ? "bad" : st.state === "capturing" ? "sun" : "info";
	return h("span", { class: `badge ${cls}` }, st.state || "?");
}

function metric(label, value, unit) {
	return h("div", { class: "metric" }, h("div", { class: "label" }, label),
		h("div", { class: "value" }, value, unit ? h("small", null, unit) : null));
}

function frameImg(frame, cls, width) {
	return h("img", { class: cls, src: api.imageUrl(frame, width), alt: `${frame.camera} profile ${frame.profile} at ${f.clock(frame.captured_at, true)}`,
		decoding: "async", dataset: { path: api.imagePath(frame) } });
}

function openInGallery(frame) {
	nav.go("gallery", { camera: frame.camera, profile: String(frame.profile).toLowerCase(),
		open: api.imagePath(frame) });
}

function cameraCard(c) {
	const st = c.status || {};
	const lc = st.last_capture || null;
	const frames = latestFrames(c);
	const hero = frames[0];
	const disk = st.disk;
	const freePct = disk && typeof disk.free_pct === "number" ? disk.free_pct : null;

	const heroBox = hero
		? h("button", { class: "cam-hero", type: "button", onclick: () => openInGallery(hero), title: "Open in the gallery" },
			frameImg(hero, "cam-hero-img", 1280),
			h("div", { class: "cam-hero-cap" }, h("span", { class: "profile-chip" }, hero.profile),
				h("span", { class: "num" }, f.clock(hero.captured_at, true)),
				h("span", { class: "muted", dataset: { ago: hero.captured_at } }, f.ago(hero.captured_at))))
		: h("div", { class: "cam-hero empty-hero" }, h("div", null, icon("camera"), h("span", null, "No frame yet")));

	const strip = frames.length > 1
		? h("div", { class: "cam-strip" }, frames.sort((a, b) => String(a.profile).localeCompare(String(b.profile)))
			.map((fr) => h("button", { type: "button", class: "cam-tile", onclick: () => openInGallery(fr),
				title: `${f.profileLabel(fr.profile)} · ${f.clock(fr.captured_at, true)}` },
			frameImg(fr, "", 400), h("span", { class: "profile-chip" }, fr.profile))))
		: null;

	return h("section", { class: `card cam-card${c.availability === "offline" ? " is-offline" : ""}`, dataset: { camera: c.id } },
		h("div", { class: "card-head" },
			h("h2", null, icon("camera", "h-ic"), c.id),
			h("div", { class: "cam-badges" }, stateChip(c.status), stateBadge(c))),
		h("div", { class: "cam-body" },
			h("div", { class: "cam-visual" }, heroBox, strip),
			h("div", { class: "cam-info" },
				h("div", { class: "metrics" },
					metric("Last capture", lc ? h("span", { dataset: { ago: lc.captured_at } }, f.ago(lc.captured_at)) : "never"),
					metric("Exposure", f.exposure(lc && lc.exposure_us)),
					metric("Gain", f.gain(lc && lc.analogue_gain)),
					metric("Mean luma", f.num(lc && lc.mean_luma, 0), "/ 255"),
					metric("Light", f.num(lc && lc.lux, 0), "lux"),
					metric("Colour", f.num(lc && lc.colour_temp_k, 0), "K")),
				h("div", { class: "cam-disk" },
					h("div", { class: "cam-disk-row" }, h("span", null, "Disk"),
						h("span", { class: "num" }, disk ? `${f.bytes(disk.free_bytes)} free of ${f.bytes(disk.total_bytes)}` : "—")),
					h("div", { class: `meter${freePct !== null && freePct < 10 ? " low" : ""}` },
						h("i", { style: { width: `${freePct === null ? 0 : 100 - freePct}%` } }))),
				h("div", { class: "cam-foot" },
					st.camera_model || st.source ? h("span", null, [st.camera_model, st.source].filter(Boolean).join(" · ")) : null,
					typeof st.captures_total === "number" ? h("span", { class: "num" }, `${st.captures_total.toLocaleString()} captures`) : null,
					st.errors_total ? h("span", { class: "num bad-text" }, `${st.errors_total} error${st.errors_total === 1 ? "" : "s"}`) : null,
					st.primary_backend ? h("span", null, `primary: ${st.primary_backend}`) : null,
					st.version ? h("span", null, `v${st.version}`) : null))));
}

/* ---- capture now ---- */

function captureCard() {
	const camSel = h("select", { class: "input", name: "camera", "aria-label": "Camera" });
	const profSel = h("select", { class: "input", name: "profile", "aria-label": "Profile" });
	const btn = h("button", { class: "btn primary", type: "submit" }, icon("camera"), "Capture now");
	const out = h("div", { class: "cap-result", "aria-live": "polite" });
	const form = h("form", { class: "cap-form", onsubmit: (e) => {
		e.preventDefault();
		run();
	} },
	h("label", { class: "field" }, h("span", null, "Camera"), camSel),
	h("label", { class: "field" }, h("span", null, "Profile"), profSel),
	btn);
	camSel.addEventListener("change", fillProfiles);

	function fillProfiles() {
		const { all, enabled } = store.profilesOf(camSel.value);
		const order = [...enabled, ...all.filter((p) => !enabled.includes(p))];
		fillSelect(profSel, order.map((p) => ({ value: p,
			label: `${f.profileLabel(p)}${enabled.includes(p) ? "" : " (disabled)"}` })));
	}

	function refresh() {
		const cams = store.cameraList();
		fillSelect(camSel, cams.map((c) => ({ value: c.id, label: c.id })));
		fillProfiles();
		btn.disabled = !cams.length || busy;
	}

	let busy = false;
	async function run() {
		const cam = camSel.value;
		const prof = profSel.value;
		busy = true;
		btn.disabled = true;
		btn.replaceChildren(spinner(), "Capturing…");
		mount(out, h("div", { class: "cap-wait" }, `Asking ${cam} for a frame with profile ${prof.toUpperCase()}…`));
		try {
			const r = await api.capture(cam, prof);
			const frames = (r && r.frames) || [];
			if (r && r.status === "error") throw new api.ApiError(200, r.error || "The capture failed.");
			mount(out, frames.length
				? frames.map((fr) => {
					const frame = { camera: cam, ...fr };
					return h("figure", { class: "cap-frame", dataset: { path: api.imagePath(frame) } },
						h("button", { type: "button", class: "cap-img", onclick: () => openInGallery(frame) }, frameImg(frame, "")),
						h("figcaption", null,
							h("span", null, h("span", { class: "profile-chip" }, frame.profile), " ",
								h("span", { class: "num" }, f.clock(frame.captured_at, true))),
							h("span", { class: "num muted" }, `${f.exposure(frame.exposure_us)} · ${f.gain(frame.analogue_gain)}`),
							h("button", { type: "button", class: "linkish", onclick: () => openInGallery(frame) }, "Open in gallery →")));
				})
				: h("div", { class: "notice" }, "The camera answered without a frame."));
		} catch (e) {
			const title = e.status === 403 ? "Not authorized"
				: e.status === 504 ? "No answer from the camera"
					: e.status === 503 ? "Broker unreachable" : "Capture failed";
			mount(out, h("div", { class: "notice bad cap-error", role: "alert" },
				h("strong", null, title), h("div", { class: "cap-error-text" }, e.message)));
		} finally {
			busy = false;
			btn.replaceChildren(icon("camera"), "Capture now");
			btn.disabled = !store.cameraList().length;
		}
	}

	const card = h("section", { class: "card capture-card", id: "capture" },
		h("div", { class: "card-head" }, h("h2", null, "Capture now"),
			h("span", { class: "card-sub" }, "one frame, right away")),
		form, out);
	return { card, refresh };
}

/* ---- backend ---- */

function drawBackend() {
	const s = store.state;
	const b = s.backend;
	if (!b) {
		mount(els.backend, h("div", { class: "empty" }, "Waiting for the backend status…"));
		return;
	}
	const avail = s.backendAvailability;
	const active = b.active_schedules || [];
	mount(els.backend,
		h("dl", { class: "kv" },
			h("dt", null, "Name"), h("dd", null, b.backend_name || s.backendName || "—"),
			h("dt", null, "Scheduler"), h("dd", null, avail === "online" ? h("span", { class: "badge ok dot" }, "online")
				: avail === "offline" ? h("span", { class: "badge bad dot" }, "offline") : h("span", { class: "muted" }, "—")),
			h("dt", null, "Broker"), h("dd", null, s.broker === "down" ? h("span", { class: "badge bad dot" }, "unreachable")
				: s.broker === "connected" ? h("span", { class: "badge ok dot" }, "connected") : "—"),
			h("dt", null, "Time zone"), h("dd", null, b.timezone || f.getZone()),
			h("dt", null, "Now"), h("dd", { class: "num" }, b.is_daytime ? "daytime" : "night"),
			h("dt", null, "Active"), h("dd", null, active.length ? active.join(", ") : h("span", { class: "muted" }, "no window open")),
			h("dt", null, "Pi"), h("dd", null, b.pi_host || "—"),
			h("dt", null, "Cameras"), h("dd", null, String(store.cameraList().length))));
}
