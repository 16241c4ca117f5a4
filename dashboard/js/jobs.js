// jobs.js - encode jobs (videos, keograms and star trails) as the views show them.
//
// A job state (SPEC 4) need not repeat what was asked (camera, profile,
// range), so the jobs this browser sent are remembered in localStorage and
// merged in for their titles.

import * as api from "./api.js";
import * as f from "./format.js";
import * as store from "./store.js";

const MEMORY_KEY = "skylapse.jobs";
const MEMORY_MAX = 200;

function memory() {
	try {
		return JSON.parse(localStorage.getItem(MEMORY_KEY) || "{}") || {};
	} catch {
		return {};
	}
}

function remember(id, request) {
	const m = memory();
	m[id] = { ...request, sent_at: new Date().toISOString() };
	const ids = Object.keys(m).sort((a, b) => String(m[b].sent_at).localeCompare(String(m[a].sent_at)));
	for (const old of ids.slice(MEMORY_MAX)) delete m[old];
	try {
		localStorage.setItem(MEMORY_KEY, JSON.stringify(m));
	} catch {
		// storage full or off: titles fall back to the output's name
	}
}

// Sends a job; returns its id. The queued state shows at once, the encoder's
// own states follow as events.
export async function submit(request) {
	const r = await api.createJob(request);
	const id = (r && (r.job_id || r.id)) || request.job_id;
	if (!id) throw new api.ApiError(0, "The server accepted the job but gave no job id.");
	remember(id, request);
	// the encoder's own states may have arrived (as events) before this answer
	if (!store.state.jobs.has(id)) {
		store.setJob({ created_at: new Date().toISOString(), ...(r || {}), job_id: id,
			state: (r && r.state) || "queued" });
	} else {
		store.setJob({ job_id: id }); // redraws with the remembered request
	}
	return id;
}

// A keogram or star trails: one picture, not a video.
export const isPicture = (j) => j.kind === "keogram" || j.kind === "startrails";

export async function cancel(id) {
	await api.cancelJob(id);
}

// {id, kind, camera, profile, title, subtitle, state, progress, ...the state}
export function describe(j) {
	const asked = memory()[j.job_id] || {};
	const req = j.request && typeof j.request === "object" ? j.request : (j.job && typeof j.job === "object" ? j.job : {});
	const pick = (k) => j[k] ?? req[k] ?? asked[k];
	const output = typeof j.output === "string" ? j.output : null;
	const kind = pick("kind") || (output && /_startrails\.jpe?g$/i.test(output) ? "startrails"
		: output && /\.(jpe?g|png)$/i.test(output) ? "keogram" : "video");
	const camera = pick("camera") || (output && output.includes("/") ? output.split("/")[0] : null);
	const profile = pick("profile");
	const date = pick("date");
	const schedule = pick("schedule");
	const from = pick("from");
	const to = pick("to");
	let range = "";
	if (date && schedule) range = `${schedule} · ${date}`;
	else if (from && to) {
		const a = f.parseTime(from);
		const b = f.parseTime(to);
		range = a && b ? `${f.dayKey(a)} ${f.clock(a)}–${f.dayKey(a) === f.dayKey(b) ? "" : `${f.dayKey(b)} `}${f.clock(b)}` : "";
	}
	const name = output ? output.split("/").pop().replace(/\.[a-z0-9]+$/i, "") : j.job_id;
	const title = [camera, profile ? f.profileLabel(profile) : null].filter(Boolean).join(" · ") || name;
	// frames_skipped is a count, or (some encoders) the list of {path, reason}
	const skippedList = Array.isArray(j.skipped) ? j.skipped : Array.isArray(j.frames_skipped) ? j.frames_skipped : [];
	const skippedCount = typeof j.frames_skipped === "number" ? j.frames_skipped
		: typeof j.frames_skipped_count === "number" ? j.frames_skipped_count : skippedList.length;
	return {
		...j,
		frames_skipped: skippedCount,
		skipped: skippedList,
		kind,
		camera,
		profile: profile ? String(profile).toLowerCase() : null,
		date: date || null,
		from: from || null,
		to: to || null,
		schedule: schedule || null,
		codec: pick("codec"),
		width: pick("width"),
		fps: pick("fps"),
		title,
		range,
		name,
		progress: typeof j.progress === "number" ? j.progress
			: j.state === "done" ? 1 : j.frames_total ? (j.frames_done || 0) / j.frames_total : 0,
	};
}

export const isActive = (j) => j.state === "queued" || j.state === "running";

// Jobs newest first.
export function list() {
	const sent = memory();
	const time = (j) => Date.parse(j.created_at || j.started_at || j.finished_at || sent[j.job_id]?.sent_at || "") || 0;
	const all = [...store.state.jobs.values()].map(describe);
	// a video found on disk is also listed under its file name: show it once, as its job
	const bare = (j) => j.source === "disk" && j.output && j.job_id === j.name;
	const withJob = new Set(all.filter((j) => !bare(j) && j.output).map((j) => j.output));
	return all.filter((j) => !(bare(j) && withJob.has(j.output)))
		.sort((a, b) => time(b) - time(a));
}
