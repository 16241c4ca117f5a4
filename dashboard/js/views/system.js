// system.js - the System health view: every agent's availability and
// version, the broker link, the disks of the cameras and of the server, the
// transfer backlog, the encoder queue and the last errors, as GET /system
// reports them. Live: the events that change any of it (camera, backend,
// encoder, transfer, job, broker) make the view read /system again, at most
// once a second and only while it is shown.

import * as api from "../api.js";
import { h, mount } from "../dom.js";
import * as f from "../format.js";
import * as store from "../store.js";

const TOPICS = ["cameras", "backend", "encoder", "transfer", "job", "broker", "refresh"];
const KIND_NAMES = { bridge: "Bridge", scheduler: "Scheduler", camera: "Camera",
	encoder: "Encoder", transfer: "Transfer" };

let root;
let els = {};
let visible = false;
let report = null;
let failed = null;
let timer = 0;
let lastFetch = 0;
let inFlight = false;
let again = false;

export function init(el) {
	root = el;
	els.summary = h("p", { class: "sys-summary" });
	els.agents = h("div", { class: "sys-agents" });
	els.disks = h("div");
	els.pipeline = h("div");
	els.errors = h("div");
	mount(root,
		h("div", { class: "view-head" }, h("div", null, h("h1", null, "System health"), els.summary)),
		h("div", { class: "sys-grid" },
			h("section", { class: "card sys-wide", id: "sys-agents" },
				h("div", { class: "card-head" }, h("h2", null, "Agents"),
					h("span", { class: "card-sub" }, "availability and version of every program")),
				els.agents),
			h("section", { class: "card", id: "sys-pipeline" },
				h("div", { class: "card-head" }, h("h2", null, "Broker, transfer and encoder")), els.pipeline),
			h("section", { class: "card", id: "sys-disks" },
				h("div", { class: "card-head" }, h("h2", null, "Disks"),
					h("span", { class: "card-sub" }, "the cameras' and the server's")), els.disks),
			h("section", { class: "card sys-wide", id: "sys-errors" },
				h("div", { class: "card-head" }, h("h2", null, "Last errors"),
					h("span", { class: "card-sub" }, "newest first")), els.errors)));
	for (const t of TOPICS) store.on(t, schedule);
	setInterval(() => {
		if (visible) for (const e of root.querySelectorAll("[data-ago]")) e.textContent = f.ago(e.dataset.ago);
	}, 1000);
	draw();
}

export function show() {
	visible = true;
	load();
}

export function hide() {
	visible = false;
}

// At most one read a second: a hundred cameras publishing must not turn into
// a hundred reads.
function schedule() {
	if (!visible) return;
	const wait = Math.max(0, 1000 - (Date.now() - lastFetch));
	if (!timer) timer = setTimeout(() => {
		timer = 0;
		load();
	}, wait);
}

async function load() {
	if (inFlight) {
		again = true;
		return;
	}
	inFlight = true;
	lastFetch = Date.now();
	try {
		report = await api.system();
		failed = null;
	} catch (e) {
		failed = e.message;
	} finally {
		inFlight = false;
	}
	draw();
	if (again) {
		again = false;
		schedule();
	}
}

function availBadge(av) {
	if (av === "online") return h("span", { class: "badge ok dot", dataset: { role: "availability" } }, "online");
	if (av === "offline") return h("span", { class: "badge bad dot", dataset: { role: "availability" } }, "offline");
	return h("span", { class: "badge", dataset: { role: "availability" } }, "unknown");
}

function when(iso) {
	return iso ? h("span", { class: "num", title: f.dateTime(iso), dataset: { ago: iso } }, f.ago(iso)) : "—";
}

function draw() {
	if (!report) {
		mount(els.agents, h("div", { class: "empty" }, failed ? `Cannot read /system: ${failed}` : "Reading the system state…"));
		return;
	}
	const r = report;
	const s = r.summary || {};
	els.summary.textContent = `${s.online ?? 0} of ${s.agents ?? 0} agents online` +
		(s.offline ? ` · ${s.offline} offline` : "") + (s.errors ? ` · ${s.errors} with an error` : "") +
		(failed ? ` · last read failed: ${failed}` : "");
	drawAgents(r.agents || []);
	drawPipeline(r);
	drawDisks(r.disks || []);
	drawErrors(r.errors || []);
}

function drawAgents(agents) {
	mount(els.agents, h("table", { class: "sys-table" },
		h("thead", null, h("tr", null, ["Kind", "Name", "Availability", "Version", "State", "Last error"]
			.map((t) => h("th", null, t)))),
		h("tbody", null, agents.map((a) => h("tr", {
			class: a.availability === "offline" ? "is-offline" : null,
			dataset: { kind: a.kind, id: a.id } },
		h("td", null, KIND_NAMES[a.kind] || a.kind),
		h("td", { class: "sys-name" }, a.id),
		h("td", null, availBadge(a.availability)),
		h("td", { class: "num", dataset: { role: "version" } }, a.version ? `v${a.version}` : "—"),
		h("td", null, a.state || (typeof a.running === "number" ? `${a.running} running, ${a.queued ?? 0} queued` : "—")),
		h("td", { class: a.last_error || a.config_error ? "bad-text" : "muted" },
			a.last_error || a.config_error || "none"))))));
}

function drawPipeline(r) {
	const b = r.broker || {};
	const t = r.transfer;
	const e = r.encoder || {};
	mount(els.pipeline, h("dl", { class: "kv" },
		h("dt", null, "Broker"), h("dd", { dataset: { role: "broker" } },
			b.connected ? h("span", { class: "badge ok dot" }, "connected") : h("span", { class: "badge bad dot" }, "unreachable"),
			" ", h("span", { class: "muted" }, b.url || "")),
		h("dt", null, "Transfer"), h("dd", null, t ? availBadge(t.availability) : h("span", { class: "muted" }, "none on this broker")),
		t ? [h("dt", null, "Backlog"), h("dd", { class: "num", dataset: { role: "backlog" } },
			typeof t.backlog === "number" ? `${t.backlog.toLocaleString()} frame${t.backlog === 1 ? "" : "s"} on the Pi` : "unknown"),
		h("dt", null, "Last sync"), h("dd", null, when(t.last_sync)),
		h("dt", null, "State"), h("dd", null, t.state || "—")] : null,
		h("dt", null, "Encoder queue"), h("dd", { class: "num", dataset: { role: "queue" } },
			`${e.queued ?? 0} queued, ${e.running ?? 0} running`),
		h("dt", null, "Workers"), h("dd", { class: "num" }, `${e.workers_online ?? 0} of ${e.workers ?? 0} online`)));
}

function drawDisks(disks) {
	if (!disks.length) {
		mount(els.disks, h("div", { class: "empty" }, "No disk figures yet."));
		return;
	}
	mount(els.disks, disks.map((d) => {
		const pct = typeof d.free_pct === "number" ? d.free_pct : null;
		const label = d.where === "server" ? `Server: ${d.id}` : `Pi: ${d.id}`;
		return h("div", { class: "cam-disk sys-disk", dataset: { where: d.where, id: d.id } },
			h("div", { class: "cam-disk-row" }, h("span", { title: d.path || "" }, label),
				h("span", { class: `num${d.low ? " bad-text" : ""}` }, pct === null ? "unknown"
					: `${f.bytes(d.free_bytes)} free of ${f.bytes(d.total_bytes)} (${pct.toFixed(1)} %)`)),
			h("div", { class: `meter${d.low ? " low" : ""}` },
				h("i", { style: { width: `${pct === null ? 0 : 100 - pct}%` } })));
	}));
}

function drawErrors(errors) {
	if (!errors.length) {
		mount(els.errors, h("div", { class: "empty" }, h("strong", null, "No errors"), "Every agent reports none."));
		return;
	}
	mount(els.errors, h("ul", { class: "sys-errors" }, errors.map((e) => h("li", { dataset: { kind: e.kind, id: e.id } },
		h("div", { class: "sys-err-head" }, h("strong", null, `${KIND_NAMES[e.kind] || e.kind} ${e.id}`),
			e.error_kind ? h("span", { class: "badge bad" }, e.error_kind) : null, when(e.at)),
		h("div", { class: "sys-err-text" }, e.error)))));
}
