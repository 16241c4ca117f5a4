// events.js - the /events Server-Sent Events stream into the store.
//
// EventSource reconnects by itself after a dropped connection; when the
// bridge answers with an error instead (the stream is then closed for good)
// we open a new one with a growing delay. Every (re)open re-fetches the
// whole state, so nothing missed while the link was down stays stale.

import * as api from "./api.js";
import * as store from "./store.js";

// Event names of the bridge's /events (docs/BRIDGE.md); several spellings
// are accepted so a renamed event degrades to a re-fetch, not to silence.
const HANDLERS = {
	camera: onCamera,
	status: onCamera,
	availability: onCamera,
	frame: onFrame,
	job: onJob,
	backend: onBackend,
	health: onHealth,
	mqtt: onHealth,
	broker: onHealth,
	encoder: (d) => store.emit("encoder", d),
	transfer: (d) => store.emit("transfer", d),
};

let source = null;
let retryTimer = 0;
let delay = 1000;
let opened = false;

export function connect() {
	clearTimeout(retryTimer);
	if (source) source.close();
	store.setLink(opened ? "reconnecting" : "connecting");
	source = new EventSource("events");
	source.onopen = () => {
		delay = 1000;
		store.setLink("live");
		// the first open too: the page may have loaded before the bridge had its state
		store.refresh();
		opened = true;
	};
	source.onerror = () => {
		store.setLink("reconnecting");
		if (source.readyState === EventSource.CLOSED) {
			retryTimer = setTimeout(connect, delay);
			delay = Math.min(delay * 2, 15000);
		}
	};
	for (const [name, fn] of Object.entries(HANDLERS)) {
		source.addEventListener(name, (ev) => dispatch(name, fn, ev));
	}
	// unnamed events carry their kind inside
	source.onmessage = (ev) => {
		const d = parse(ev.data);
		const kind = d && (d.event || d.type || d.kind);
		if (kind && HANDLERS[kind]) HANDLERS[kind](d.data ?? d, kind);
	};
}

function dispatch(name, fn, ev) {
	const d = parse(ev.data);
	if (d !== undefined) fn(d, name);
}

function parse(text) {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

// {camera, availability?, status?} or a camera status carrying `camera`.
function onCamera(d, name) {
	if (!d || typeof d !== "object") return;
	const id = d.camera || d.id || (d.status && d.status.camera);
	if (!id) return;
	let status = null;
	if (d.status && typeof d.status === "object") status = d.status;
	else if (d.state !== undefined && (d.disk !== undefined || d.camera_ready !== undefined)) status = d;
	let availability = typeof d.availability === "string" ? d.availability : null;
	if (!availability && name === "availability") {
		const v = d.value ?? d.payload ?? d.state;
		if (v === "online" || v === "offline") availability = v;
	}
	const patch = { availability, status };
	if (d.last_frames && typeof d.last_frames === "object") patch.last_frames = d.last_frames;
	store.mergeCamera(id, patch);
}

function onFrame(d) {
	if (d && typeof d === "object" && d.path) store.noteFrame(d);
}

function onJob(d) {
	if (!d || typeof d !== "object") return;
	const id = d.job_id || d.id;
	if (!id) return;
	const st = d.state && typeof d.state === "object" ? d.state : d;
	if (st === null || d.removed || (d.state === null && !d.progress)) {
		store.removeJob(id);
		return;
	}
	store.setJob({ ...st, job_id: id });
}

// {backend, availability?, status?} or a backend status itself.
function onBackend(d) {
	if (!d || typeof d !== "object") return;
	// other backends may share the broker: only this bridge's own counts
	const name = d.backend || d.backend_name || (d.status && d.status.backend_name);
	if (name && store.state.backendName && name !== store.state.backendName) return;
	const status = d.status && typeof d.status === "object" ? d.status
		: d.current_time || d.sun ? d : null;
	if (status) {
		store.setBackend(status);
		if (status.schedules) store.setSchedules(mergeWindows(api.normSchedules(status.schedules)));
	}
	if (typeof d.availability === "string") store.setBackendAvailability(d.availability);
	if (d.schedules && !status) store.setSchedules(mergeWindows(api.normSchedules(d.schedules)));
}

// A backend status's schedules may be shorter than /schedules' (no anchor or
// interval): keep what /schedules said and take the new windows and states.
function mergeWindows(list) {
	const old = new Map(store.state.schedules.map((s) => [s.name, s]));
	return list.map((s) => {
		const o = old.get(s.name) || {};
		return { ...o, ...s };
	});
}

// {mqtt: "connected"|"disconnected"} or {status: "ok"|"degraded"} or {connected: bool}.
function onHealth(d) {
	if (!d || typeof d !== "object") return;
	let up = null;
	if (typeof d.connected === "boolean") up = d.connected;
	else if (typeof d.mqtt === "string") up = d.mqtt === "connected";
	else if (typeof d.status === "string") up = d.status === "ok";
	if (up === null) return;
	const was = store.state.broker;
	store.setBroker(up ? "connected" : "down");
	// back from an outage: everything retained arrives afresh, read it again
	if (up && was === "down") store.refresh();
}
