// timeline.js - today's sky from midnight to midnight on the location's
// clock: the sky band coloured by the sun's anchors (night, the three
// twilights, day), each schedule's window as a bar, and a "now" marker.

import { h, mount } from "../dom.js";
import { clock, dayKey, minuteOfDay, parseTime } from "../format.js";

// Sky colours at each anchor, morning then evening; gradients run between.
const MORNING = [
	["astronomical_dawn", "#0b1230"],
	["nautical_dawn", "#1a2758"],
	["civil_dawn", "#3a3b7e"],
	["sunrise", "#e98e55"],
];
const EVENING = [
	["sunset", "#ee8450"],
	["civil_dusk", "#4b3a7c"],
	["nautical_dusk", "#1a2758"],
	["astronomical_dusk", "#0b1230"],
];
const NIGHT = "#070c1e";
const DAY = "#4f8fd0";
const NOON = "#6fabe6";

const LABELS = [
	["astronomical_dawn", "Astronomical dawn"],
	["nautical_dawn", "Nautical dawn"],
	["civil_dawn", "Civil dawn"],
	["sunrise", "Sunrise"],
	["solar_noon", "Solar noon"],
	["sunset", "Sunset"],
	["civil_dusk", "Civil dusk"],
	["nautical_dusk", "Nautical dusk"],
	["astronomical_dusk", "Astronomical dusk"],
];

const pct = (m) => `${((m / 1440) * 100).toFixed(3)}%`;

function skyGradient(sun, day, isDay) {
	const at = (k) => {
		const d = parseTime(sun[k]);
		return d && dayKey(d) === day ? minuteOfDay(d, day) : null;
	};
	const stops = [];
	const push = (m, c) => stops.push(`${c} ${pct(m)}`);
	const rise = at("sunrise");
	const set = at("sunset");
	if (rise === null && set === null) {
		const c = isDay ? DAY : NIGHT;
		return `linear-gradient(90deg, ${c}, ${c})`;
	}
	push(0, rise !== null && (set === null || rise < set) ? NIGHT : DAY);
	for (const [k, c] of MORNING) {
		const m = at(k);
		if (m !== null) push(m, c);
	}
	if (rise !== null) push(Math.min(rise + 45, 1440), DAY);
	const noon = at("solar_noon");
	if (noon !== null && rise !== null && set !== null && noon > rise && noon < set) push(noon, NOON);
	if (set !== null) push(Math.max(set - 45, 0), DAY);
	for (const [k, c] of EVENING) {
		const m = at(k);
		if (m !== null) push(m, c);
	}
	push(1440, set !== null ? NIGHT : DAY);
	return `linear-gradient(90deg, ${stops.join(", ")})`;
}

// Today's part of a window: [startMin, endMin] or null.
function span(win, day) {
	if (!win || !win.start || !win.end) return null;
	const s = parseTime(win.start);
	const e = parseTime(win.end);
	if (!s || !e || e <= s) return null;
	const a = minuteOfDay(s, day);
	const b = minuteOfDay(e, day);
	return b > a ? [a, b] : null;
}

function describe(s) {
	const bits = [];
	if (s.interval_seconds) bits.push(`every ${s.interval_seconds} s`);
	const profiles = s.profiles || (s.profile ? [s.profile] : null);
	if (profiles && profiles.length) bits.push(`profile ${profiles.map((p) => String(p).toUpperCase()).join(", ")}`);
	return bits.join(" · ");
}

// Draws into `el`. data: {sun, schedules, active (names), isDay, now (Date)}.
export function renderTimeline(el, data) {
	const now = data.now || new Date();
	const day = dayKey(now);
	const sun = data.sun || {};
	const active = new Set(data.active || []);
	const nowMin = minuteOfDay(now, day);

	const marks = [];
	for (const [k, label] of [["sunrise", "Sunrise"], ["solar_noon", "Noon"], ["sunset", "Sunset"]]) {
		const d = parseTime(sun[k]);
		if (!d || dayKey(d) !== day) continue;
		marks.push(h("div", { class: `tl-mark tl-mark-${k}`, style: { left: pct(minuteOfDay(d, day)) } },
			h("span", null, label), h("b", { class: "num" }, clock(d))));
	}

	const rows = [];
	for (const s of data.schedules || []) {
		const enabled = s.enabled !== false && s.state !== "OFF";
		const isActive = active.has(s.name) || s.active === true;
		const sp = span(s.window, day);
		const track = h("div", { class: "tl-track" });
		if (sp) {
			// a short window carries its times beside it, not inside
			const narrow = sp[1] - sp[0] < 150 ? " narrow" : "";
			track.append(h("div", {
				class: `tl-win${isActive ? " active" : ""}${enabled ? "" : " off"}${narrow}${sp[0] > 1100 ? " flip" : ""}`,
				style: { left: pct(sp[0]), width: pct(sp[1] - sp[0]) },
				title: `${s.name}: ${clock(s.window.start)}–${clock(s.window.end)}`,
			}, h("span", { class: "num" }, `${clock(s.window.start)}–${clock(s.window.end)}`)));
		} else {
			track.append(h("div", { class: "tl-none" }, s.next_window && s.next_window.start
				? `next window ${clock(s.next_window.start)}` : "no window today"));
		}
		rows.push(h("div", { class: `tl-row${isActive ? " is-active" : ""}`, dataset: { schedule: s.name } },
			h("div", { class: "tl-name" },
				h("span", { class: "tl-title" }, s.name),
				isActive ? h("span", { class: "badge ok dot" }, "active")
					: !enabled ? h("span", { class: "badge" }, "paused") : null,
				h("small", null, describe(s))),
			track));
	}
	if (!rows.length) {
		rows.push(h("div", { class: "tl-row" }, h("div", { class: "tl-name" }, h("span", { class: "muted" }, "No schedules")),
			h("div", { class: "tl-track" })));
	}

	const ticks = [];
	for (let hr = 0; hr <= 24; hr += 3) {
		// the "now" label covers the hour next to it
		const near = Math.abs(hr * 60 - nowMin) < 45 ? " near" : "";
		ticks.push(h("span", { class: `tl-tick num${hr % 6 ? " minor" : ""}${near}`, style: { left: pct(hr * 60) } },
			`${String(hr).padStart(2, "0")}:00`));
	}

	const legend = LABELS.map(([k, label]) => {
		const d = parseTime(sun[k]);
		return h("div", { class: "tl-leg" }, h("span", null, label),
			h("b", { class: "num" }, d ? clock(d) : "—"));
	});

	mount(el,
		h("div", { class: "tl", style: { "--now": String(nowMin / 1440) } },
			h("div", { class: "tl-row tl-sky" },
				h("div", { class: "tl-name" }, h("span", { class: "tl-title" }, "Sky")),
				h("div", { class: "tl-track" },
					h("div", { class: "tl-marks" }, marks),
					h("div", { class: "tl-band", style: { background: skyGradient(sun, day, data.isDay) } }))),
			rows,
			h("div", { class: "tl-row tl-axis-row" }, h("div"), h("div", { class: "tl-axis" }, ticks)),
			h("div", { class: "tl-now", title: `now ${clock(now)}` }, h("span", { class: "num" }, clock(now)))),
		h("div", { class: "tl-legend" }, legend));
}
