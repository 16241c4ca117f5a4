// format.js - numbers, sizes, exposures and times as people read them, and
// the time-zone arithmetic of the location (frames are stamped in UTC, the
// sky timeline and schedules live in the location's own clock).

export const PROFILE_NAMES = {
	a: "Pure Auto",
	b: "Warm vivid",
	c: "Conservative adaptive",
	d: "Warm dramatic HDR",
	e: "Balanced adaptive",
	f: "Spot metering",
	g: "Adaptive EV",
};

export function profileLabel(p) {
	const id = String(p || "").toLowerCase();
	const name = PROFILE_NAMES[id];
	return name ? `${id.toUpperCase()} · ${name}` : id.toUpperCase();
}

const isNum = (v) => typeof v === "number" && Number.isFinite(v);

export function bytes(n) {
	if (!isNum(n)) return "—";
	const units = ["B", "KB", "MB", "GB", "TB"];
	let i = 0;
	while (n >= 1000 && i < units.length - 1) {
		n /= 1000;
		i++;
	}
	return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

// 1/250 s for short exposures (how photographers say it), seconds beyond.
export function exposure(us) {
	if (!isNum(us) || us <= 0) return "—";
	const s = us / 1e6;
	if (s >= 0.3) return `${s >= 10 ? s.toFixed(0) : s.toFixed(1)} s`;
	return `1/${Math.round(1 / s)} s`;
}

export function gain(g) {
	return isNum(g) ? `×${g.toFixed(2)}` : "—";
}

export function ev(v) {
	if (!isNum(v)) return "—";
	return `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(1)}`;
}

export function num(v, digits = 0, unit = "") {
	if (!isNum(v)) return "—";
	const s = v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
	return unit ? `${s} ${unit}` : s;
}

export function percent(p) {
	return isNum(p) ? `${Math.round(p * 100)}%` : "—";
}

export function seconds(s) {
	if (!isNum(s)) return "—";
	if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
	const m = Math.floor(s / 60);
	return `${m}:${String(Math.round(s % 60)).padStart(2, "0")} min`;
}

export function parseTime(iso) {
	if (!iso) return null;
	const t = Date.parse(iso);
	return Number.isNaN(t) ? null : new Date(t);
}

export function ago(iso, now = Date.now()) {
	const d = parseTime(iso);
	if (!d) return "never";
	const s = Math.round((now - d.getTime()) / 1000);
	if (s < 5) return "just now";
	if (s < 60) return `${s} s ago`;
	if (s < 3600) return `${Math.floor(s / 60)} min ago`;
	if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`;
	return `${Math.floor(s / 86400)} d ago`;
}

// The time zone everything is shown in: the location's, once the backend said it.
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function setZone(tz) {
	try {
		new Intl.DateTimeFormat("en-US", { timeZone: tz });
		zone = tz;
	} catch {
		// an unknown zone name keeps the browser's own
	}
}

export function getZone() {
	return zone;
}

const fmtCache = new Map();
function fmt(opts) {
	const key = zone + JSON.stringify(opts);
	let f = fmtCache.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, ...opts });
		fmtCache.set(key, f);
	}
	return f;
}

export function clock(iso, withSeconds = false) {
	const d = iso instanceof Date ? iso : parseTime(iso);
	if (!d) return "—";
	return fmt({ hour: "2-digit", minute: "2-digit", second: withSeconds ? "2-digit" : undefined,
		hourCycle: "h23" }).format(d);
}

export function dateTime(iso) {
	const d = iso instanceof Date ? iso : parseTime(iso);
	if (!d) return "—";
	return fmt({ weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
		second: "2-digit", hourCycle: "h23" }).format(d);
}

export function longDate(d) {
	return fmt({ weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(d);
}

// {y, mo, d, h, mi, s} of an instant on the location's clock.
export function zonedParts(d) {
	const parts = fmt({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
		minute: "2-digit", second: "2-digit", hourCycle: "h23" }).formatToParts(d);
	const get = (t) => Number(parts.find((p) => p.type === t).value);
	return { y: get("year"), mo: get("month"), d: get("day"), h: get("hour"), mi: get("minute"),
		s: get("second") };
}

const pad = (n) => String(n).padStart(2, "0");

// "YYYY-MM-DD" of an instant on the location's clock.
export function dayKey(d = new Date()) {
	const p = zonedParts(d);
	return `${p.y}-${pad(p.mo)}-${pad(p.d)}`;
}

export function utcDayKey(d = new Date()) {
	return d.toISOString().slice(0, 10);
}

// Minutes since the location's midnight of `day` (clamped to 0..1440), so
// windows that begin yesterday or end tomorrow are cut at the day's edges.
export function minuteOfDay(d, day) {
	const k = dayKey(d);
	if (k < day) return 0;
	if (k > day) return 1440;
	const p = zonedParts(d);
	return p.h * 60 + p.mi + p.s / 60;
}

// The UTC instant of the location's midnight starting `day` (DST-safe:
// the zone's offset is measured at that instant, then corrected once).
export function zonedMidnight(day) {
	const [y, mo, d] = day.split("-").map(Number);
	let guess = Date.UTC(y, mo - 1, d);
	for (let i = 0; i < 2; i++) {
		const p = zonedParts(new Date(guess));
		const asUtc = Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s);
		guess -= asUtc - Date.UTC(y, mo - 1, d);
	}
	return new Date(guess);
}

export function addDays(day, n) {
	const [y, mo, d] = day.split("-").map(Number);
	return new Date(Date.UTC(y, mo - 1, d + n)).toISOString().slice(0, 10);
}

// A value for <input type="datetime-local"> (browser's clock) and back.
export function toLocalInput(d) {
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(v) {
	const d = new Date(v);
	return Number.isNaN(d.getTime()) ? null : d;
}
