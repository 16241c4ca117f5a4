// store.js - what the page knows about the system, fed by the REST API at
// start and on every reconnect, and by Server-Sent Events in between.
// Views subscribe to topics and redraw; nothing here polls.

import * as api from "./api.js";
import { setZone } from "./format.js";

export const state = {
	cameras: new Map(), // id -> {id, availability, status, last_frames, since}
	backend: null, // backend status (SPEC 4) as /status or the scheduler says
	backendName: null,
	backendAvailability: null, // "online" | "offline" | null (unknown)
	schedules: [], // today's, with windows
	jobs: new Map(), // job_id -> job state
	link: "connecting", // the /events stream: connecting | live | reconnecting
	broker: "unknown", // the bridge's MQTT link: connected | down | unknown
	loadedAt: 0,
};

const listeners = new Map();

export function on(topic, fn) {
	if (!listeners.has(topic)) listeners.set(topic, new Set());
	listeners.get(topic).add(fn);
	return () => listeners.get(topic).delete(fn);
}

export function emit(topic, detail) {
	for (const fn of listeners.get(topic) || []) {
		try {
			fn(detail);
		} catch (e) {
			// one broken view must not stop the others; keep it visible to developers
			console.warn(`skylapse: ${topic} listener failed`, e);
		}
	}
}

/* ---- cameras ---- */

export function cameraList() {
	return [...state.cameras.values()].sort((a, b) => a.id.localeCompare(b.id));
}

// `quiet`: the caller tells the views once for a whole batch.
export function mergeCamera(id, patch, quiet = false) {
	if (!id) return;
	const cur = state.cameras.get(id) || { id, availability: null, status: null, last_frames: {},
		since: Date.now() };
	const next = { ...cur };
	if (patch.availability && patch.availability !== cur.availability) {
		next.availability = patch.availability;
		next.since = Date.now();
	}
	if (patch.status) next.status = patch.status;
	if (patch.last_frames) next.last_frames = { ...cur.last_frames, ...patch.last_frames };
	state.cameras.set(id, next);
	if (!quiet) camerasChanged();
}

// Views hear of camera changes once an animation frame: a hundred cameras
// publishing are one redraw of each view, not one per message (and none
// while the tab is hidden). The state itself is updated at once.
let camerasQueued = 0;
function camerasChanged() {
	if (!camerasQueued) {
		camerasQueued = requestAnimationFrame(() => {
			camerasQueued = 0;
			emit("cameras", null);
		});
	}
}

// The profiles a camera offers, enabled ones first.
export function profilesOf(id) {
	const c = state.cameras.get(id);
	const st = c && c.status;
	const all = (st && (st.profiles || st.profiles_enabled)) || ["a", "b", "c", "d", "e", "f", "g"];
	const enabled = (st && st.profiles_enabled) || all;
	const lower = (l) => l.map((p) => String(p).toLowerCase());
	return { all: lower(all), enabled: lower(enabled) };
}

export function noteFrame(ann) {
	const id = ann.camera;
	if (!id) return;
	const cur = state.cameras.get(id);
	const p = String(ann.profile || "").toLowerCase();
	mergeCamera(id, { last_frames: { [p]: ann } });
	if (cur && cur.status) {
		// the status follows on its own topic; until it arrives the card shows the frame's figures
		cur.status.last_capture = { ...(cur.status.last_capture || {}), ...ann };
	}
	emit("frame", ann);
}

/* ---- backend ---- */

export function setBackend(st) {
	if (!st || typeof st !== "object") return;
	state.backend = { ...(state.backend || {}), ...st };
	if (st.backend_name) state.backendName = st.backend_name;
	if (st.timezone) setZone(st.timezone);
	emit("backend");
}

export function setBackendAvailability(v) {
	if (v === state.backendAvailability) return;
	state.backendAvailability = v;
	emit("backend");
}

export function setSchedules(list) {
	state.schedules = list;
	emit("schedules");
}

/* ---- jobs ---- */

export function setJob(j) {
	if (!j || !j.job_id) return;
	const cur = state.jobs.get(j.job_id) || {};
	state.jobs.set(j.job_id, { ...cur, ...j });
	emit("job", state.jobs.get(j.job_id));
}

export function removeJob(id) {
	if (state.jobs.delete(id)) emit("job", { job_id: id, removed: true });
}

/* ---- links ---- */

export function setLink(v) {
	if (v === state.link) return;
	state.link = v;
	emit("link", v);
}

export function setBroker(v) {
	if (v === state.broker) return;
	state.broker = v;
	emit("broker", v);
}

/* ---- loading everything ---- */

let loading = null;

// Fetches the whole picture again: at start and whenever the event stream
// reconnects (events sent while it was down are not replayed for certain).
export function refresh() {
	if (!loading) {
		loading = doRefresh().finally(() => {
			loading = null;
		});
	}
	return loading;
}

async function doRefresh() {
	// /status says whether the broker is connected and is always 200, where
	// /health answers 503 (which browsers log as a failed load)
	const [st, cams, scheds, jobs] = await Promise.allSettled([
		api.status(), api.cameras(), api.schedules(), api.jobs(),
	]);
	if (st.status === "fulfilled" && st.value) {
		const s = st.value;
		setBackend(s);
		if (typeof s.mqtt === "string") setBroker(s.mqtt === "connected" ? "connected" : "down");
		const av = s.backend_availability ?? s.availability;
		if (typeof av === "string") setBackendAvailability(av === "unknown" ? null : av);
		if (s.cameras && !Array.isArray(s.cameras)) applyCameras(api.normCameras(s.cameras));
		if (Array.isArray(s.cameras) && s.cameras.some((c) => typeof c === "object")) {
			applyCameras(api.normCameras(s.cameras));
		}
	}
	if (cams.status === "fulfilled") applyCameras(api.normCameras(cams.value));
	if (scheds.status === "fulfilled") setSchedules(scheds.value);
	else if (state.backend && state.backend.schedules) {
		setSchedules(api.normSchedules(state.backend.schedules));
	}
	if (jobs.status === "fulfilled") {
		for (const j of jobs.value) setJob(j);
	}
	state.loadedAt = Date.now();
	emit("refresh");
}

// One "cameras" event for the whole list: a hundred cameras are one redraw.
function applyCameras(list) {
	for (const c of list) {
		mergeCamera(c.id, {
			availability: c.availability,
			status: c.status,
			last_frames: c.last_frames || (c.last_frame ? { [c.last_frame.profile]: c.last_frame } : null),
		}, true);
	}
	if (list.length) emit("cameras", null);
}
