// timelapses.js - encode jobs: a form to make a video (or a keogram, or star trails), every
// job with live progress from job-state events, failures with their reason,
// cancel, and a player that seeks (the bridge serves videos with Range).

import * as api from "../api.js";
import { fillSelect, h, icon, mount } from "../dom.js";
import * as f from "../format.js";
import * as jobs from "../jobs.js";
import * as store from "../store.js";

let root;
let els = {};
let form = {};
let player = null;
const linked = new Set(); // done jobs whose links (video, thumbnail) were fetched

export function init(el) {
	root = el;
	els.sub = h("p");
	els.list = h("div", { class: "jobs" });
	mount(root,
		h("div", { class: "view-head" }, h("div", null, h("h1", null, "Timelapses"), els.sub)),
		h("div", { class: "tl-grid" },
			h("div", { class: "tl-form-col" }, buildForm()),
			h("div", { class: "tl-list-col" }, els.list)));
	store.on("job", onJob);
	store.on("refresh", drawList);
	store.on("cameras", fillForm);
	store.on("schedules", fillForm);
}

export function show() {
	fillForm();
	drawList();
}

export function hide() {
	if (player && player.open) player.close();
}

/* ---- the form ---- */

const KIND_ICON = { video: "film", keogram: "barcode", startrails: "moon" };
const SUBMIT_LABEL = { video: "Generate video", keogram: "Make keogram", startrails: "Make star trails" };
const KIND_PREFIX = { keogram: "Keogram · ", startrails: "Star trails · " };

function radio(name, value, label, checked) {
	return h("label", null, h("input", { type: "radio", name, value, checked }), h("span", null, label));
}

function buildForm() {
	form.kind = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Kind" },
		radio("kind", "video", "Video", true), radio("kind", "keogram", "Keogram", false),
		radio("kind", "startrails", "Star trails", false));
	form.camera = h("select", { class: "input", name: "camera" });
	form.profile = h("select", { class: "input", name: "profile" });
	form.range = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Frames" },
		radio("range", "schedule", "Schedule window", true), radio("range", "time", "Time range", false));
	form.date = h("input", { class: "input", type: "date", name: "date", required: true });
	form.schedule = h("select", { class: "input", name: "schedule" });
	form.from = h("input", { class: "input", type: "datetime-local", name: "from" });
	form.to = h("input", { class: "input", type: "datetime-local", name: "to" });
	form.rate = h("div", { class: "segmented", role: "radiogroup", "aria-label": "Speed" },
		radio("rate", "fps", "Frame rate", true), radio("rate", "duration", "Length", false));
	form.fps = h("input", { class: "input", type: "number", name: "fps", min: "1", max: "240", step: "any", value: "30" });
	form.duration = h("input", { class: "input", type: "number", name: "duration", min: "1", step: "any", value: "10" });
	form.width = h("select", { class: "input", name: "width" },
		h("option", { value: "1920" }, "1920 · Full HD"), h("option", { value: "1280" }, "1280 · HD"),
		h("option", { value: "3840" }, "3840 · 4K"), h("option", { value: "640" }, "640 · preview"),
		h("option", { value: "0" }, "Source size"));
	form.codec = h("select", { class: "input", name: "codec" },
		h("option", { value: "h264" }, "H.264"), h("option", { value: "h265" }, "H.265 / HEVC"),
		h("option", { value: "vp9" }, "VP9"), h("option", { value: "av1" }, "AV1"));
	form.tier = h("select", { class: "input", name: "quality_tier" },
		h("option", { value: "" }, "Default"), h("option", { value: "preview" }, "Preview (small, fast)"),
		h("option", { value: "archive" }, "Archive (best)"));
	form.deflicker = h("input", { type: "checkbox", name: "deflicker", checked: true });
	form.error = h("div", { class: "notice bad", hidden: true, role: "alert" });
	form.submit = h("button", { class: "btn primary wide", type: "submit" }, icon("film"), "Generate");

	form.scheduleFields = h("div", { class: "form-row" },
		h("label", { class: "field" }, h("span", null, "Day"), form.date),
		h("label", { class: "field" }, h("span", null, "Schedule"), form.schedule));
	form.timeFields = h("div", { class: "form-row", hidden: true },
		h("label", { class: "field" }, h("span", null, "From"), form.from),
		h("label", { class: "field" }, h("span", null, "To"), form.to));
	form.fpsField = h("label", { class: "field" }, h("span", null, "Frames per second"), form.fps);
	form.durField = h("label", { class: "field", hidden: true }, h("span", null, "Video length (s)"), form.duration);
	form.videoOnly = h("div", { class: "form-stack" },
		h("fieldset", { class: "field" }, h("legend", null, "Speed"), form.rate),
		h("div", { class: "form-row" }, form.fpsField, form.durField,
			h("label", { class: "field" }, h("span", null, "Width"), form.width)),
		h("label", { class: "check" }, form.deflicker, "Deflicker (smooth brightness jumps)"),
		h("details", { class: "form-more" }, h("summary", null, "Codec and quality"),
			h("div", { class: "form-row" },
				h("label", { class: "field" }, h("span", null, "Codec"), form.codec),
				h("label", { class: "field" }, h("span", null, "Quality"), form.tier))));

	const el = h("form", { class: "card tl-form", id: "timelapse-form", novalidate: true, onsubmit: submit, onchange: sync },
		h("div", { class: "card-head" }, h("h2", null, "New timelapse"), form.kind),
		h("div", { class: "form-stack" },
			h("div", { class: "form-row" },
				h("label", { class: "field" }, h("span", null, "Camera"), form.camera),
				h("label", { class: "field" }, h("span", null, "Profile"), form.profile)),
			h("fieldset", { class: "field" }, h("legend", null, "Frames"), form.range),
			form.scheduleFields, form.timeFields,
			form.videoOnly,
			form.error,
			form.submit));
	form.el = el;
	form.camera.addEventListener("change", fillForm);
	// a schedule's frames are usually wanted with the profile it captures
	form.schedule.addEventListener("change", () => {
		const s = store.state.schedules.find((x) => x.name === form.schedule.value);
		const p = s && s.profiles && s.profiles[0] && String(s.profiles[0]).toLowerCase();
		if (p && [...form.profile.options].some((o) => o.value === p)) form.profile.value = p;
	});
	const now = new Date();
	form.to.value = f.toLocalInput(now);
	form.from.value = f.toLocalInput(new Date(now.getTime() - 3600e3));
	form.date.value = f.dayKey(now);
	return el;
}

const checked = (name) => (form.el.querySelector(`input[name="${name}"]:checked`) || {}).value;

function sync() {
	const time = checked("range") === "time";
	form.scheduleFields.hidden = time;
	form.timeFields.hidden = !time;
	const byLen = checked("rate") === "duration";
	form.fpsField.hidden = byLen;
	form.durField.hidden = !byLen;
	const kind = checked("kind");
	form.videoOnly.hidden = kind !== "video";
	form.submit.replaceChildren(icon(KIND_ICON[kind]), SUBMIT_LABEL[kind]);
}

function fillForm() {
	if (!form.el) return;
	const cams = store.cameraList();
	fillSelect(form.camera, cams.map((c) => ({ value: c.id, label: c.id })));
	const { all, enabled } = store.profilesOf(form.camera.value);
	fillSelect(form.profile, [...enabled, ...all.filter((p) => !enabled.includes(p))]
		.map((p) => ({ value: p, label: f.profileLabel(p) })));
	const scheds = store.state.schedules;
	const before = form.schedule.value;
	fillSelect(form.schedule, scheds.map((s) => ({ value: s.name, label: s.name })));
	if (!before && form.schedule.value) form.schedule.dispatchEvent(new Event("change"));
	if (!scheds.length) {
		const timeRadio = form.el.querySelector('input[name="range"][value="time"]');
		timeRadio.checked = true;
	}
	form.submit.disabled = !cams.length;
	sync();
}

function buildRequest() {
	const req = { camera: form.camera.value, profile: form.profile.value };
	const kind = checked("kind");
	if (kind !== "video") req.kind = kind;
	if (!req.camera) throw new Error("No camera to take frames from yet.");
	if (checked("range") === "time") {
		const a = f.fromLocalInput(form.from.value);
		const b = f.fromLocalInput(form.to.value);
		if (!a || !b) throw new Error("Give both ends of the time range.");
		if (b <= a) throw new Error("The range must end after it starts.");
		req.from = a.toISOString();
		req.to = b.toISOString();
	} else {
		if (!form.date.value) throw new Error("Pick a day.");
		if (!form.schedule.value) throw new Error("Pick a schedule.");
		req.date = form.date.value;
		req.schedule = form.schedule.value;
	}
	if (kind === "video") {
		if (checked("rate") === "duration") {
			const d = Number(form.duration.value);
			if (!(d > 0)) throw new Error("The length must be more than 0 seconds.");
			req.duration_seconds = d;
		} else {
			const fps = Number(form.fps.value);
			if (!(fps > 0 && fps <= 240)) throw new Error("Frames per second must be between 1 and 240.");
			req.fps = fps;
		}
		req.width = Number(form.width.value);
		req.codec = form.codec.value;
		req.deflicker = form.deflicker.checked;
		if (form.tier.value) req.quality_tier = form.tier.value;
	}
	return req;
}

async function submit(e) {
	e.preventDefault();
	form.error.hidden = true;
	let req;
	try {
		req = buildRequest();
	} catch (err) {
		form.error.textContent = err.message;
		form.error.hidden = false;
		return;
	}
	form.submit.disabled = true;
	try {
		await jobs.submit(req);
		drawList();
	} catch (err) {
		form.error.textContent = `The server refused the job: ${err.message}`;
		form.error.hidden = false;
	} finally {
		form.submit.disabled = false;
	}
}

/* ---- the list ---- */

const STATE_CLASS = { queued: "", running: "info", done: "ok", failed: "bad", cancelled: "warn" };

function drawCount(list) {
	const active = list.filter(jobs.isActive).length;
	els.sub.textContent = list.length
		? `${list.length} job${list.length === 1 ? "" : "s"}${active ? ` · ${active} in progress` : ""}`
		: "Videos, keograms and star trails made from the frames";
}

function drawList() {
	const list = jobs.list();
	drawCount(list);
	if (!list.length) {
		mount(els.list, h("div", { class: "empty" }, h("strong", null, "No timelapse yet"),
			"Pick a camera, a profile and a window, and generate the first one."));
		return;
	}
	mount(els.list, list.map(card));
	for (const j of list) if (j.state === "done" && !j.video_url && !linked.has(j.job_id)) fetchLinks(j.job_id);
}

// Job-state events carry no links: ask the bridge once the job is done.
async function fetchLinks(id) {
	linked.add(id);
	try {
		const j = await api.job(id);
		if (j) store.setJob({ ...j, job_id: id });
	} catch {
		// keep the card without a thumbnail
	}
}

function card(j) {
	const pct = Math.round((j.progress || 0) * 100);
	const done = j.state === "done";
	const thumb = j.thumbnail_url
		? h("img", { src: j.thumbnail_url.replace(/^\//, ""), alt: "", loading: "lazy", class: j.kind === "keogram" ? "keo-thumb" : "" })
		: h("div", { class: "job-ph" }, icon(KIND_ICON[j.kind] || "film"));
	const picture = jobs.isPicture(j);
	const media = done && !picture
		? h("button", { class: "job-media playable", type: "button", onclick: () => play(j), "aria-label": `Play ${j.title}` },
			thumb, h("span", { class: "play-badge" }, icon("play")))
		: done ? h("a", { class: "job-media", href: outputHref(j), target: "_blank", rel: "noopener" }, thumb)
			: h("div", { class: "job-media" }, thumb);
	const stats = [];
	if (j.frames_total) stats.push(`${(done ? j.frames_total : j.frames_done || 0).toLocaleString()}${done ? "" : ` / ${j.frames_total.toLocaleString()}`} frames`);
	if (j.frames_skipped) stats.push(`${j.frames_skipped} skipped`);
	if (typeof j.duration_seconds === "number" && !picture) stats.push(f.seconds(j.duration_seconds));
	if (typeof j.size === "number") stats.push(f.bytes(j.size));
	if (j.codec && !picture) stats.push(String(j.codec).toUpperCase());
	const when = j.finished_at || j.started_at || j.created_at;

	return h("article", { class: `card job state-${j.state}`, dataset: { job: j.job_id, state: j.state } },
		media,
		h("div", { class: "job-body" },
			h("div", { class: "job-head" },
				h("div", { class: "job-title" },
					h("h3", null, KIND_PREFIX[j.kind] || "", j.title),
					h("div", { class: "muted job-range" }, j.range || j.name)),
				h("span", { class: `badge ${STATE_CLASS[j.state] || ""} dot job-state` }, j.state || "unknown")),
			j.state === "queued" || j.state === "running"
				? h("div", { class: "job-progress" },
					h("div", { class: `progress ${j.state}`, role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(pct) },
						h("i", { style: { width: `${j.state === "queued" ? 100 : pct}%` } })),
					h("span", { class: "num job-pct" }, j.state === "queued" ? "waiting" : `${pct}%`))
				: null,
			j.state === "failed" ? h("div", { class: "notice bad job-error" }, h("strong", null, "Failed: "), j.error || "no reason given") : null,
			j.state === "cancelled" ? h("div", { class: "muted" }, "Cancelled.") : null,
			j.skipped && j.skipped.length ? h("details", { class: "job-skipped" },
				h("summary", null, `${j.frames_skipped || j.skipped.length} frames left out`),
				h("ul", null, j.skipped.slice(0, 20).map((s) => h("li", null, h("span", { class: "mono" }, s.path), ` — ${s.reason}`)))) : null,
			h("div", { class: "job-foot" },
				h("span", { class: "muted num" }, [stats.join(" · "), when ? f.dateTime(when) : null].filter(Boolean).join(" · ")),
				h("div", { class: "job-actions" },
					done && !picture ? h("button", { class: "btn small", type: "button", onclick: () => play(j) }, icon("play"), "Play") : null,
					done ? h("a", { class: "btn small ghost", href: outputHref(j), download: "" }, icon("download"), "Download") : null,
					jobs.isActive(j) ? h("button", { class: "btn small danger", type: "button", disabled: j.cancel_requested === true,
						onclick: (e) => cancel(j, e.currentTarget) }, icon("stop"), j.cancel_requested ? "Cancelling…" : "Cancel") : null))));
}

const outputHref = (j) => (j.video_url ? j.video_url.replace(/^\//, "") : api.outputUrl(j.job_id));

async function cancel(j, btn) {
	btn.disabled = true;
	btn.replaceChildren(icon("stop"), "Cancelling…");
	try {
		await jobs.cancel(j.job_id);
		store.setJob({ job_id: j.job_id, cancel_requested: true });
	} catch (e) {
		btn.disabled = false;
		btn.replaceChildren(icon("stop"), "Cancel");
		btn.title = e.message;
		const host = btn.closest(".job-body");
		host.append(h("div", { class: "notice bad" }, `Could not cancel: ${e.message}`));
	}
}

function onJob(j) {
	if (!root || !root.isConnected) return;
	if (j && !j.removed && j.state === "done" && !j.video_url && !linked.has(j.job_id)) fetchLinks(j.job_id);
	// one card changes in place; a new or removed job redraws the list
	const old = j && els.list.querySelector(`[data-job="${CSS.escape(j.job_id)}"]`);
	const full = store.state.jobs.get(j.job_id);
	if (old && full) {
		old.replaceWith(card(jobs.describe(full)));
		drawCount(jobs.list());
	} else {
		drawList();
	}
}

/* ---- the player ---- */

function play(j) {
	if (!player) {
		player = h("dialog", { class: "sheet player", "aria-label": "Timelapse player" });
		player.addEventListener("close", () => {
			const v = player.querySelector("video");
			if (v) {
				v.pause();
				v.removeAttribute("src");
				v.load();
			}
		});
		player.addEventListener("click", (e) => {
			if (e.target === player) player.close();
		});
		document.body.append(player);
	}
	const src = j.video_url ? j.video_url.replace(/^\//, "") : api.videoUrl(j.job_id);
	// muted: browsers allow a muted video to start by itself (timelapses have no sound)
	const video = h("video", { src, controls: true, autoplay: true, muted: true, playsinline: true, loop: true,
		preload: "auto", poster: j.thumbnail_url ? j.thumbnail_url.replace(/^\//, "") : null, class: "player-video" });
	video.muted = true;
	const speeds = [0.25, 0.5, 1, 2, 4].map((s) => h("button", { type: "button", class: `btn small${s === 1 ? " on" : ""}`,
		onclick: (e) => {
			video.playbackRate = s;
			for (const b of e.currentTarget.parentNode.children) b.classList.toggle("on", b === e.currentTarget);
		} }, `${s}×`));
	mount(player,
		h("div", { class: "player-body" },
			h("div", { class: "player-head" },
				h("div", null, h("h2", null, j.title), h("div", { class: "muted" }, [j.range, f.seconds(j.duration_seconds), f.bytes(j.size)].filter((x) => x && x !== "—").join(" · "))),
				h("button", { class: "btn icon", type: "button", "aria-label": "Close", onclick: () => player.close() }, icon("x"))),
			video,
			h("div", { class: "player-foot" },
				h("div", { class: "speeds", role: "group", "aria-label": "Speed" }, speeds),
				h("a", { class: "btn small ghost", href: src, download: "" }, icon("download"), "Download"))));
	player.showModal();
}
