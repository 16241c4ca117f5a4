// settings.js - the configuration file edited in the browser: location,
// schedules (a table: add, edit, remove) and profiles, saved with PUT /config.
//
// The page keeps the whole file it read (GET /config) and changes only the
// keys its fields stand for, so sections it does not show (encoder,
// retention, capture, pi ...) go back as they came. The bridge checks the
// file as `--check` does; each problem comes back with the key path it is
// about ("schedules.night.interval_seconds"), shown under the field of that
// path (or its nearest shown parent, else in the list above Save). Each
// schedule row also says what the scheduler runs now, from its status, so a
// saved change can be seen taking effect.

import * as api from "../api.js";
import { h, icon, mount } from "../dom.js";
import * as store from "../store.js";

const ANCHORS = ["sunrise", "sunset", "solar_noon", "civil_dawn", "civil_dusk", "nautical_dawn",
	"nautical_dusk", "astronomical_dawn", "astronomical_dusk"];
const LETTERS = "abcdefgh".split("");

let root;
let els = {};
let file = null; // the file as read, with the edits of this page
let rows = []; // schedules in order: {name, body}; names may be edited
let busy = false;

export function init(el) {
	root = el;
	els.sub = h("p", null, "The configuration file: checked as --check does, saved with the previous one kept, applied without a restart.");
	els.body = h("div", { class: "set-body" }, h("div", { class: "empty" }, "Loading the configuration…"));
	mount(root, h("div", { class: "view-head" }, h("div", null, h("h1", null, "Settings"), els.sub)), els.body);
	store.on("schedules", drawRunning);
	store.on("backend", drawRunning);
}

export function show() {
	if (!file && !busy) load();
}

async function load() {
	busy = true;
	try {
		file = (await api.config()) || {};
		rows = Object.entries(file.schedules || {}).map(([name, body]) => ({ name, body }));
		draw();
	} catch (e) {
		mount(els.body, h("div", { class: "notice bad", role: "alert" }, `Cannot read the configuration: ${e.message}`));
	} finally {
		busy = false;
	}
}

/* ---- fields: each writes its value into the file under its key ---- */

// An input for obj[key]: "" removes the key (the default applies again).
function input(obj, key, path, attrs = {}) {
	const num = attrs.type === "number";
	const v = obj[key];
	const el = h("input", { class: "input", ...attrs, value: v === undefined || v === null ? "" : String(v),
		dataset: { field: path } });
	el.addEventListener("input", () => {
		const raw = el.value.trim();
		if (raw === "") delete obj[key];
		else obj[key] = num ? Number(raw) : raw;
	});
	return el;
}

function checkbox(obj, key, path, dflt) {
	const el = h("input", { type: "checkbox", checked: obj[key] === undefined ? dflt : obj[key] === true,
		dataset: { field: path } });
	el.addEventListener("change", () => {
		obj[key] = el.checked;
	});
	return el;
}

function select(obj, key, path, options, attrs = {}) {
	const el = h("select", { class: "input", ...attrs, dataset: { field: path } },
		options.map((o) => h("option", { value: o }, o.replace(/_/g, " "))));
	el.value = obj[key] ?? options[0];
	el.addEventListener("change", () => {
		obj[key] = el.value;
	});
	return el;
}

// A true/false key that may be left to the built-in value: three choices.
function triState(obj, key, path, yes, no, label) {
	const el = h("select", { class: "input", "aria-label": label, dataset: { field: path } },
		h("option", { value: "" }, "built-in"), h("option", { value: "true" }, yes), h("option", { value: "false" }, no));
	el.value = obj[key] === true ? "true" : obj[key] === false ? "false" : "";
	el.addEventListener("change", () => {
		if (el.value === "") delete obj[key];
		else obj[key] = el.value === "true";
	});
	return el;
}

// A labelled field with room for its message.
function field(label, control, cls = "") {
	return h("label", { class: `field ${cls}` }, h("span", null, label), control,
		h("small", { class: "field-msg", hidden: true }));
}

/* ---- location ---- */

function locationCard() {
	if (!file.location || typeof file.location !== "object") file.location = {};
	const loc = file.location;
	return h("section", { class: "card set-card", id: "set-location", dataset: { field: "location" } },
		h("div", { class: "card-head" }, h("h2", null, "Location")),
		h("div", { class: "set-grid" },
			field("Latitude", input(loc, "latitude", "location.latitude", { type: "number", step: "any", min: "-90", max: "90" })),
			field("Longitude", input(loc, "longitude", "location.longitude", { type: "number", step: "any", min: "-180", max: "180" })),
			field("Time zone", input(loc, "timezone", "location.timezone", { placeholder: "Europe/Paris" })),
			field("Name", input(loc, "name", "location.name", { placeholder: "shown in the top bar" }))),
		h("small", { class: "field-msg", hidden: true }));
}

/* ---- schedules ---- */

function profilesText(s) {
	if (Array.isArray(s.profiles)) return s.profiles.join(", ");
	return s.profile ?? "";
}

function scheduleRow(row) {
	const s = row.body;
	const p = () => `schedules.${row.name}`;
	const name = h("input", { class: "input", value: row.name, "aria-label": "Name", dataset: { field: p() } });
	name.addEventListener("input", () => {
		row.name = name.value.trim();
	});
	const type = select(s, "type", `${p()}.type`, ["solar_relative", "time_of_day"], { "aria-label": "Type" });
	const anchor = select(s, "anchor", `${p()}.anchor`, ANCHORS);
	const solar = h("div", { class: "set-window" },
		field("Anchor", anchor),
		field("Offset (min)", input(s, "offset_minutes", `${p()}.offset_minutes`, { type: "number", step: "1" })),
		field("Length (min)", input(s, "duration_minutes", `${p()}.duration_minutes`, { type: "number", step: "1", min: "1" })));
	const tod = h("div", { class: "set-window" },
		field("Start", input(s, "start_time", `${p()}.start_time`, { type: "time" })),
		field("End", input(s, "end_time", `${p()}.end_time`, { type: "time" })));
	const showType = () => {
		if (type.value === "solar_relative" && !s.anchor) s.anchor = anchor.value;
		solar.hidden = type.value !== "solar_relative";
		tod.hidden = type.value !== "time_of_day";
	};
	type.addEventListener("change", showType);
	if (!s.type) s.type = "solar_relative";
	if (s.type === "solar_relative" && !s.anchor) s.anchor = ANCHORS[0];
	showType();
	const profiles = h("input", { class: "input", value: profilesText(s), placeholder: "all enabled",
		"aria-label": "Profiles", dataset: { field: `${p()}.profiles` } });
	profiles.addEventListener("input", () => {
		const ids = profiles.value.split(/[\s,]+/).filter(Boolean);
		delete s.profile;
		delete s.profiles;
		if (ids.length === 1) s.profile = ids[0];
		else if (ids.length > 1) s.profiles = ids;
	});
	const tl = s.timelapse && typeof s.timelapse === "object" ? s.timelapse : null;
	const auto = h("input", { type: "checkbox", checked: !tl || tl.auto !== false, dataset: { field: `${p()}.timelapse` } });
	auto.addEventListener("change", () => {
		if (!s.timelapse || typeof s.timelapse !== "object") s.timelapse = {};
		if (auto.checked) delete s.timelapse.auto;
		else s.timelapse.auto = false;
		if (!Object.keys(s.timelapse).length) delete s.timelapse;
	});
	const remove = h("button", { class: "btn ghost small", type: "button", title: "Remove this schedule",
		"aria-label": `Remove ${row.name}`, onclick: () => {
			rows = rows.filter((r) => r !== row);
			drawSchedules();
		} }, icon("x"));
	const interval = input(s, "interval_seconds", `${p()}.interval_seconds`, { type: "number", step: "1", min: "1",
		"aria-label": "Interval (s)", name: "interval_seconds" });
	const msg = () => h("small", { class: "field-msg", hidden: true });
	const tr = h("tr", { dataset: { schedule: row.name } },
		h("td", null, h("label", { class: "check" }, checkbox(s, "enabled", `${p()}.enabled`, true), h("span", { class: "sr-only" }, "Enabled")), msg()),
		h("td", null, name, msg()),
		h("td", { class: "set-type" }, type, msg()),
		h("td", { class: "set-window-cell" }, solar, tod),
		h("td", null, interval, msg(), h("small", { class: "set-running", dataset: { running: row.name } })),
		h("td", null, profiles, msg()),
		h("td", null, h("label", { class: "check" }, auto, "Video"), msg()),
		h("td", null, remove));
	// the row's fields are found by their path at save time: keep them current
	name.addEventListener("change", () => {
		tr.dataset.schedule = row.name;
		for (const el of tr.querySelectorAll("[data-field]")) {
			el.dataset.field = el.dataset.field.replace(/^schedules\.[^.]*/, `schedules.${row.name}`);
		}
		tr.querySelector(".set-running").dataset.running = row.name;
		drawRunning();
	});
	return tr;
}

function addSchedule() {
	let n = rows.length + 1;
	while (rows.some((r) => r.name === `schedule${n}`)) n++;
	rows.push({ name: `schedule${n}`, body: { enabled: true, type: "time_of_day", start_time: "12:00",
		end_time: "13:00", interval_seconds: 30 } });
	drawSchedules();
}

function drawSchedules() {
	mount(els.schedules, rows.length ? rows.map(scheduleRow)
		: h("tr", null, h("td", { colspan: "8", class: "muted" }, "No schedule: the scheduler only relays capture requests.")));
	drawRunning();
}

// What the scheduler runs now, beside what the file says.
function drawRunning() {
	if (!els.schedules) return;
	const running = new Map(store.state.schedules.map((s) => [s.name, s]));
	for (const el of els.schedules.querySelectorAll("[data-running]")) {
		const s = running.get(el.dataset.running);
		el.textContent = s && s.interval_seconds ? `running: every ${s.interval_seconds} s` : "not running yet";
		el.dataset.interval = s && s.interval_seconds ? String(s.interval_seconds) : "";
	}
}

function schedulesCard() {
	els.schedules = h("tbody");
	return h("section", { class: "card set-card", id: "set-schedules", dataset: { field: "schedules" } },
		h("div", { class: "card-head" }, h("h2", null, "Schedules"),
			h("button", { class: "btn ghost", type: "button", id: "add-schedule", onclick: addSchedule }, "Add schedule")),
		h("div", { class: "set-table-wrap" },
			h("table", { class: "set-table" },
				h("thead", null, h("tr", null, ["On", "Name", "Type", "Window", "Interval (s)", "Profiles", "Timelapse", ""]
					.map((t) => h("th", null, t)))),
				els.schedules)),
		h("small", { class: "field-msg", hidden: true }));
}

/* ---- profiles: what the file sets over the built-in a..h ---- */

function profileRow(id) {
	const pr = file.profiles[id];
	const p = `profiles.${id}`;
	const msg = () => h("small", { class: "field-msg", hidden: true });
	return h("tr", { dataset: { profile: id, field: p } },
		h("td", null, h("strong", null, id.toUpperCase())),
		h("td", null, triState(pr, "enabled", `${p}.enabled`, "on", "off", "Enabled"), msg()),
		h("td", null, input(pr, "name", `${p}.name`, { "aria-label": "Name", placeholder: "built-in" }), msg()),
		h("td", null, triState(pr, "ae", `${p}.ae`, "auto", "manual", "Exposure"), msg()),
		h("td", null, input(pr, "exposure_us", `${p}.exposure_us`, { type: "number", step: "1", min: "1", "aria-label": "Time (µs)" }), msg()),
		h("td", null, input(pr, "analogue_gain", `${p}.analogue_gain`, { type: "number", step: "any", min: "1", max: "16", "aria-label": "Gain" }), msg()),
		h("td", null, input(pr, "ev", `${p}.ev`, { type: "number", step: "any", min: "-8", max: "8", "aria-label": "EV" }), msg()),
		h("td", null, h("button", { class: "btn ghost small", type: "button", title: "Back to the built-in profile",
			"aria-label": `Remove ${id}`, onclick: () => {
				delete file.profiles[id];
				drawProfiles();
			} }, icon("x"))));
}

function drawProfiles() {
	const ids = Object.keys(file.profiles).sort();
	mount(els.profiles, ids.length ? ids.map(profileRow)
		: h("tr", null, h("td", { colspan: "8", class: "muted" }, "The built-in profiles a to h, unchanged.")));
	const free = LETTERS.filter((l) => !ids.includes(l) && !ids.includes(l.toUpperCase()));
	mount(els.addProfile, h("option", { value: "" }, "Change a profile…"),
		free.map((l) => h("option", { value: l }, `Profile ${l.toUpperCase()}`)));
}

function profilesCard() {
	if (!file.profiles || typeof file.profiles !== "object") file.profiles = {};
	els.profiles = h("tbody");
	els.addProfile = h("select", { class: "input set-add", "aria-label": "Add a profile" });
	els.addProfile.addEventListener("change", () => {
		if (!els.addProfile.value) return;
		file.profiles[els.addProfile.value] = {};
		drawProfiles();
	});
	return h("section", { class: "card set-card", id: "set-profiles", dataset: { field: "profiles" } },
		h("div", { class: "card-head" }, h("h2", null, "Profiles"), els.addProfile),
		h("p", { class: "muted" }, "What the file changes in the built-in profiles; an empty field keeps the built-in value."),
		h("div", { class: "set-table-wrap" },
			h("table", { class: "set-table" },
				h("thead", null, h("tr", null, ["", "On", "Name", "Exposure", "Time (µs)", "Gain", "EV", ""]
					.map((t) => h("th", null, t)))),
				els.profiles)),
		h("small", { class: "field-msg", hidden: true }));
}

/* ---- save ---- */

function build() {
	const out = { ...file, schedules: {} };
	for (const r of rows) {
		const s = { ...r.body };
		if (s.type === "time_of_day") {
			delete s.anchor;
			delete s.offset_minutes;
			delete s.duration_minutes;
		} else {
			delete s.start_time;
			delete s.end_time;
		}
		out.schedules[r.name] = s;
	}
	if (!rows.length && !file.schedules) delete out.schedules;
	if (file.profiles && !Object.keys(file.profiles).length) delete out.profiles;
	return out;
}

function clearMessages() {
	for (const m of root.querySelectorAll(".field-msg")) {
		m.hidden = true;
		m.textContent = "";
	}
	for (const el of root.querySelectorAll(".has-error, .has-warning")) el.classList.remove("has-error", "has-warning");
	mount(els.problems);
	els.problems.hidden = true;
}

// The element showing `path`, else its nearest parent shown ("a.b[0].c" -> "a.b" -> "a").
// A schedule's "profile" is edited in its "profiles" field.
function holderOf(path) {
	let p = path.replace(/^(schedules\.[^.]*\.profile)$/, "$1s");
	while (p) {
		const el = root.querySelector(`[data-field="${CSS.escape(p)}"]`);
		if (el) return el;
		const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
		p = cut > 0 ? p.slice(0, cut) : "";
	}
	return null;
}

function showProblems(problems) {
	const loose = [];
	for (const pr of problems || []) {
		const el = pr.field ? holderOf(pr.field) : null;
		const box = el && (el.closest(".field, td, .set-card") || el);
		const msg = box && [...box.children].find((c) => c.classList.contains("field-msg"));
		if (!msg) {
			loose.push(pr);
			continue;
		}
		const rest = pr.field.slice(el.dataset.field.length).replace(/^\./, "");
		const deeper = rest ? `${rest}: ` : "";
		msg.textContent = msg.textContent ? `${msg.textContent} · ${deeper}${pr.message}` : `${deeper}${pr.message}`;
		msg.hidden = false;
		msg.dataset.severity = pr.severity;
		el.classList.add(pr.severity === "error" ? "has-error" : "has-warning");
	}
	if (loose.length) {
		mount(els.problems, h("ul", null, loose.map((pr) =>
			h("li", { dataset: { severity: pr.severity } }, pr.field ? `${pr.field}: ${pr.message}` : pr.message))));
		els.problems.hidden = false;
	}
}

async function save(ev) {
	ev.preventDefault();
	clearMessages();
	els.status.textContent = "";
	els.status.className = "set-status";
	const dup = rows.map((r) => r.name).find((n, i, all) => all.indexOf(n) !== i);
	if (dup) {
		showProblems([{ field: `schedules.${dup}`, message: "two schedules have this name", severity: "error" }]);
		return;
	}
	els.save.disabled = true;
	try {
		const res = await api.saveConfig(build());
		file = build();
		showProblems(res && res.problems);
		els.status.textContent = "Saved; the scheduler applies it now.";
		els.status.classList.add("ok");
	} catch (e) {
		showProblems(e.body && e.body.problems);
		els.status.textContent = e.status === 422 ? "Not saved: fix the fields marked." : `Not saved: ${e.message}`;
		els.status.classList.add("bad");
	} finally {
		els.save.disabled = false;
	}
}

function draw() {
	els.problems = h("div", { class: "notice bad", role: "alert", hidden: true, id: "set-problems" });
	els.status = h("span", { class: "set-status", role: "status", "aria-live": "polite" });
	els.save = h("button", { class: "btn primary", type: "submit" }, icon("check"), "Save");
	mount(els.body, h("form", { class: "set-form", id: "settings-form", novalidate: true, onsubmit: save },
		locationCard(), schedulesCard(), profilesCard(), els.problems,
		h("div", { class: "set-actions" }, els.save, els.status)));
	drawSchedules();
	drawProfiles();
}
