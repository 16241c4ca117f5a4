// main.js - starts the dashboard: hash routing between the views, the
// live-link indicator, outage banners, and the API token prompt.

import * as api from "./api.js";
import { h, icon, mount } from "./dom.js";
import * as events from "./events.js";
import { clock, getZone } from "./format.js";
import * as store from "./store.js";
import * as overview from "./views/overview.js";
import * as gallery from "./views/gallery.js";
import * as charts from "./views/charts.js";
import * as timelapses from "./views/timelapses.js";
import * as settings from "./views/settings.js";
import * as focus from "./views/focus.js";
import * as system from "./views/system.js";

const VIEWS = { overview, gallery, charts, timelapses, settings, focus, system };
const started = new Set();
let current = null;

// "#gallery?camera=helios&profile=a" -> ["gallery", {camera, profile}]
function parseHash() {
	const raw = location.hash.replace(/^#\/?/, "");
	const [name, query] = raw.split("?");
	const params = Object.fromEntries(new URLSearchParams(query || ""));
	return [VIEWS[name] ? name : "overview", params];
}

export function go(name, params = {}) {
	const q = new URLSearchParams(params).toString();
	const target = `#${name}${q ? `?${q}` : ""}`;
	if (location.hash === target) route();
	else location.hash = target;
}

function route() {
	const [name, params] = parseHash();
	for (const sec of document.querySelectorAll("main > .view")) {
		sec.hidden = sec.dataset.view !== name;
	}
	for (const a of document.querySelectorAll(".tabs a")) {
		if (a.dataset.view === name) a.setAttribute("aria-current", "page");
		else a.removeAttribute("aria-current");
	}
	const view = VIEWS[name];
	const el = document.getElementById(`view-${name}`);
	if (!started.has(name)) {
		started.add(name);
		view.init(el, { go });
	}
	if (current && current !== view && current.hide) current.hide();
	current = view;
	view.show(params);
	document.title = name === "overview" ? "Skylapse" : `${name[0].toUpperCase()}${name.slice(1)} · Skylapse`;
}

/* ---- live link and banners ---- */

const LINK_TEXT = {
	connecting: "Connecting",
	live: "Live",
	reconnecting: "Reconnecting",
	degraded: "Broker down",
};

function drawLink() {
	const el = document.getElementById("link");
	const s = store.state;
	const v = s.link === "live" && s.broker === "down" ? "degraded" : s.link;
	el.dataset.state = v;
	el.querySelector(".link-text").textContent = LINK_TEXT[v] || v;
	el.title = v === "live" ? "Receiving live events from the bridge" : LINK_TEXT[v];
}

let recovered = 0; // time the last outage ended, for a short "back" note
let recoveredTimer = 0;

function banner(kind, title, text, key) {
	return h("div", { class: `banner ${kind}`, role: kind === "ok" ? "status" : "alert",
		dataset: { banner: key } },
	icon(kind === "ok" ? "check" : kind === "bad" ? "wifi" : "alert", "banner-icon"),
	h("div", null, h("strong", null, title), " ", text));
}

function drawBanners() {
	const s = store.state;
	const out = [];
	if (s.link === "reconnecting") {
		out.push(banner("bad", "Lost the connection to the Skylapse server.",
			"Reconnecting by itself; what you see may be out of date.", "link"));
	}
	if (s.broker === "down") {
		out.push(banner("bad", "The MQTT broker is unreachable.",
			"Cameras, the scheduler and encoders cannot be reached; this page shows the last known " +
			"state and recovers on its own when the broker is back.", "broker"));
	}
	if (s.link === "live" && s.broker !== "down") {
		const cams = store.cameraList();
		const off = cams.filter((c) => c.availability === "offline");
		// with many cameras one line says how many are away, not a banner each;
		// their disks and errors are on the System view
		const many = cams.length > 12 || off.length > 3;
		if (many && off.length) {
			out.push(banner("warn", `${off.length} camera${off.length === 1 ? " is" : "s are"} offline:`,
				`${off.slice(0, 5).map((c) => c.id).join(", ")}${off.length > 5 ? ", …" : ""} ` +
				"(see System).", "cameras-offline"));
		}
		for (const c of many ? [] : cams) {
			if (c.availability === "offline") {
				out.push(banner("warn", `Camera ${c.id} is offline`,
					`(since ${clock(new Date(c.since))}). Captures resume when it reconnects.`,
					`camera-${c.id}`));
			} else if (c.status && c.status.disk_low) {
				out.push(banner("warn", `Camera ${c.id} is nearly out of disk space:`,
					"captures are refused until space is freed.", `disk-${c.id}`));
			} else if (c.status && c.status.state === "error") {
				out.push(banner("warn", `Camera ${c.id} reports an error:`,
					c.status.last_error || "the camera is not ready.", `error-${c.id}`));
			}
		}
		if (s.backendAvailability === "offline") {
			out.push(banner("warn", `The scheduler${s.backendName ? ` “${s.backendName}”` : ""} is offline:`,
				"no scheduled captures until it is back.", "backend"));
		}
	}
	if (!out.length && Date.now() - recovered < 5000) {
		out.push(banner("ok", "Connection restored.", "Everything is live again.", "ok"));
	}
	mount(document.getElementById("banners"), out);
}

let lastBad = false;
function onHealthChange() {
	const bad = store.state.link === "reconnecting" || store.state.broker === "down";
	if (lastBad && !bad) {
		recovered = Date.now();
		clearTimeout(recoveredTimer);
		recoveredTimer = setTimeout(drawBanners, 5100);
	}
	lastBad = bad;
	drawLink();
	drawBanners();
}

function drawPlace() {
	const b = store.state.backend;
	const loc = b && b.location;
	const name = (loc && loc.name) || (b && b.location_name) || getZone().replace(/_/g, " ");
	document.getElementById("place").textContent = name;
}

/* ---- API token ---- */

function askToken() {
	return new Promise((resolve) => {
		const input = h("input", { class: "input", type: "password", autocomplete: "current-password",
			placeholder: "API_TOKEN", value: api.getToken() });
		const dlg = h("dialog", { class: "sheet small" },
			h("form", { class: "dialog-body", method: "dialog" },
				h("h2", null, "API token"),
				h("p", { class: "muted" },
					"This Skylapse server asks for a token to make changes (the API_TOKEN it was " +
					"started with). It is kept in this browser only."),
				h("label", { class: "field" }, h("span", null, "Token"), input),
				h("div", { class: "dialog-actions" },
					h("button", { class: "btn ghost", value: "cancel", type: "submit" }, "Cancel"),
					h("button", { class: "btn primary", value: "ok", type: "submit" }, "Save"))));
		dlg.addEventListener("close", () => {
			const ok = dlg.returnValue === "ok";
			if (ok) api.setToken(input.value.trim());
			dlg.remove();
			resolve(ok && input.value.trim() !== "");
		});
		document.body.append(dlg);
		dlg.showModal();
	});
}

/* ---- start ---- */

function start() {
	api.onUnauthorized(askToken);
	document.getElementById("token-button").addEventListener("click", askToken);
	store.on("link", onHealthChange);
	store.on("broker", onHealthChange);
	store.on("cameras", drawBanners);
	store.on("backend", () => {
		drawBanners();
		drawPlace();
	});
	window.addEventListener("hashchange", route);
	drawLink();
	drawPlace();
	route();
	events.connect();
}

start();
