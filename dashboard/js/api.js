// api.js - the REST API of skylapse-bridge (SPEC 5) as small async functions.
//
// Every URL the dashboard calls is built here, so what it expects of the
// bridge is in one place (listed in dashboard/README.md). Answers are read
// leniently (a list may come bare or inside an object) because state
// payloads are open: readers ignore what they do not know.

const TOKEN_KEY = "skylapse.api_token";

export class ApiError extends Error {
	constructor(status, message, body) {
		super(message);
		this.status = status;
		this.body = body;
	}
}

export function getToken() {
	try {
		return localStorage.getItem(TOKEN_KEY) || "";
	} catch {
		return "";
	}
}

export function setToken(t) {
	try {
		if (t) localStorage.setItem(TOKEN_KEY, t);
		else localStorage.removeItem(TOKEN_KEY);
	} catch {
		// private mode without storage: the token lasts until reload
	}
}

// Asked for a token when a request is refused with 401 (a change, or reading
// the configuration; set by main.js);
// resolves to true when one was given, so the request is tried once more.
let askToken = async () => false;
export function onUnauthorized(fn) {
	askToken = fn;
}

async function request(method, path, body, retried = false) {
	const headers = { Accept: "application/json" };
	if (body !== undefined) headers["Content-Type"] = "application/json";
	const token = getToken();
	if (token) headers.Authorization = `Bearer ${token}`;
	let res;
	try {
		res = await fetch(path, { method, headers, cache: "no-store",
			body: body === undefined ? undefined : JSON.stringify(body) });
	} catch {
		throw new ApiError(0, "The Skylapse server cannot be reached.");
	}
	const text = await res.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null;
	}
	if (res.status === 401 && !retried && (await askToken())) {
		return request(method, path, body, true);
	}
	if (!res.ok) {
		const msg = (data && data.error) || `${res.status} ${res.statusText || "error"}`;
		throw new ApiError(res.status, msg, data);
	}
	return data;
}

const qs = (params) => {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
	}
	const s = q.toString();
	return s ? `?${s}` : "";
};

const enc = (s) => encodeURIComponent(s);
const encPath = (p) => p.split("/").map(encodeURIComponent).join("/");

// The first array found: the value itself or one of the named members.
function listOf(data, ...keys) {
	if (Array.isArray(data)) return data;
	for (const k of keys) if (data && Array.isArray(data[k])) return data[k];
	return [];
}

/* ---- reading ---- */

// {ok, mqtt, body}: a 503 here is an answer (the broker is gone), not a failure.
export async function health() {
	try {
		const body = await request("GET", "health");
		return { ok: true, body };
	} catch (e) {
		if (e.status === 503) return { ok: false, body: e.body };
		throw e;
	}
}

export const status = () => request("GET", "status");
export const cameras = () => request("GET", "cameras");
// {broker, summary, agents, disks, transfer, encoder, errors} (docs/BRIDGE.md)
export const system = () => request("GET", "system");

export async function schedules(date) {
	const data = await request("GET", `schedules${qs({ date })}`);
	return normSchedules(data);
}

// {items, total|null}; items newest first (SPEC 5).
export async function images(params) {
	const data = await request("GET", `images${qs(params)}`);
	const items = listOf(data, "images", "items", "frames");
	const total = data && typeof data.total === "number" ? data.total : null;
	return { items, total };
}

// The configuration file (GET /config); saveConfig answers {path, previous,
// problems} or throws an ApiError whose body holds `problems` (422).
export const config = () => request("GET", "config");
export const saveConfig = (file) => request("PUT", "config", file);

export const capture = (camera, profile) => request("POST", "capture", { camera, profile });

export const createJob = (job) => request("POST", "timelapses", job);

// The focus aid (docs/FOCUS.md): {camera, state, frame}; POST starts, renews or stops it.
export const focus = (camera) => request("GET", `cameras/${enc(camera)}/focus`);
export const focusSend = (camera, body) => request("POST", `cameras/${enc(camera)}/focus`, body);

export async function jobs() {
	const data = await request("GET", "timelapses");
	if (data && !Array.isArray(data) && typeof data === "object" && !data.timelapses && !data.jobs &&
		!data.items) {
		// a map job_id -> state
		return Object.entries(data).map(([id, j]) => ({ job_id: id, ...j }));
	}
	return listOf(data, "timelapses", "jobs", "items");
}

export const job = (id) => request("GET", `timelapses/${enc(id)}`);

// SPEC's cancel is an MQTT publish on R/encoder/jobs/<id>/cancel; the bridge
// relays it from this route.
export const cancelJob = (id) => request("POST", `timelapses/${enc(id)}/cancel`, {});

/* ---- URLs for <img> and <video> ---- */

// An image path for GET /images/{path}: server-relative ("helios/profile-a/...");
// an announcement straight from a capture agent is relative to the agent's
// root ("profile-a/..."), so the camera is put in front.
export function imagePath(frame) {
	if (!frame || !frame.path) return null;
	const p = frame.path;
	if (frame.camera && /^profile-[a-z]\//.test(p)) return `${frame.camera}/${p}`;
	return p;
}

// `width`: a smaller copy for thumbnails (`?width=N`, made by the bridge when
// it can; a bridge that cannot sends the frame itself and CSS scales it).
export function imageUrl(frame, width) {
	const p = imagePath(frame);
	if (!p) return null;
	return `images/${encPath(p)}${width ? `?width=${width}` : ""}`;
}

export const latestUrl = (camera, profile, v) =>
	`cameras/${enc(camera)}/latest.jpg${qs({ profile, v })}`;

export const videoUrl = (id) => `timelapses/${enc(id)}/video`;
export const thumbUrl = (id) => `timelapses/${enc(id)}/thumbnail.jpg`;
// A keogram's picture is the job's output, served by the same route as a video.
export const outputUrl = (id) => videoUrl(id);

/* ---- shapes ---- */

// Cameras as [{id, availability, status, last_frames}], from /status or /cameras.
export function normCameras(data) {
	const src = Array.isArray(data) ? data
		: data && (data.cameras ?? data.items) !== undefined ? (data.cameras ?? data.items)
			: data;
	const out = [];
	const add = (id, v) => {
		if (!id) return;
		if (typeof v !== "object" || v === null) v = {};
		const status = v.status && typeof v.status === "object" ? v.status
			: v.state !== undefined && v.disk !== undefined ? v : null;
		out.push({
			id,
			availability: typeof v.availability === "string" ? v.availability
				: v.online === true ? "online" : v.online === false ? "offline" : null,
			status,
			last_frames: v.last_frames && typeof v.last_frames === "object" ? v.last_frames : null,
			last_frame: v.last_frame || null,
		});
	};
	if (Array.isArray(src)) {
		for (const v of src) {
			if (typeof v === "string") add(v, {});
			else if (v) add(v.id || v.camera || (v.status && v.status.camera), v);
		}
	} else if (src && typeof src === "object") {
		for (const [k, v] of Object.entries(src)) add(k, v);
	}
	return out;
}

// Schedules as [{name, type, enabled, window, next_window, active, ...}].
export function normSchedules(data) {
	const src = data && !Array.isArray(data) && data.schedules !== undefined ? data.schedules : data;
	// the scheduler says today/next where /schedules says window/next_window
	const norm = (name, s) => typeof s === "string" ? { name, state: s, enabled: s === "ON" } : {
		...s,
		name: s.name || name,
		window: s.window !== undefined ? s.window : s.today ?? null,
		next_window: s.next_window !== undefined ? s.next_window : s.next ?? null,
		enabled: s.enabled !== false && s.state !== "OFF",
	};
	if (Array.isArray(src)) return src.map((s) => norm(s.schedule || s.id, s));
	if (src && typeof src === "object") return Object.entries(src).map(([name, s]) => norm(name, s));
	return [];
}

// The sun anchors from a backend status or a /sun answer.
export function sunOf(st) {
	if (!st) return {};
	if (st.sun && typeof st.sun === "object") return { ...(st.sun_times || {}), ...st.sun };
	return st.sun_times || {};
}
