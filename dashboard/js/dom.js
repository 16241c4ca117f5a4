// dom.js - building DOM nodes without a framework: h() makes an element from
// a tag, attributes and children; a few helpers for selects and icons.

const SVG_NS = "http://www.w3.org/2000/svg";

// h("div", {class: "card", onclick: fn, dataset: {id: 1}}, "text", child, [more])
// null/false children and attributes are skipped, so conditionals read inline.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

export function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
	}
	append(el, children);
	return el;
}

function setAttrs(el, attrs) {
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k.startsWith("on") && typeof v === "function") {
			el.addEventListener(k.slice(2), v);
		} else if (k === "dataset") {
			Object.assign(el.dataset, v);
		} else if (k === "style" && typeof v === "object") {
			// custom properties ("--now") only take effect through setProperty
			for (const [prop, val] of Object.entries(v)) {
				if (prop.startsWith("--")) el.style.setProperty(prop, val);
				else el.style[prop] = val;
			}
		} else if (k === "class") {
			el.className = v;
		} else if (k in el && typeof v !== "string") {
			el[k] = v; // value, checked, selected, hidden ... as properties
		} else {
			el.setAttribute(k, v === true ? "" : String(v));
		}
	}
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
}

// Replaces the children of el.
export function mount(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

// Refills a <select> keeping the current choice when it still exists.
// options: [{value, label}]; returns the value now selected.
export function fillSelect(select, options, preferred) {
	const keep = preferred ?? select.value;
	select.replaceChildren(...options.map((o) => h("option", { value: o.value }, o.label)));
	if (options.some((o) => o.value === keep)) select.value = keep;
	else if (options.length) select.value = options[0].value;
	return select.value;
}

// Small inline icons (stroke paths on a 24 grid), so the page loads no icon font.
const ICONS = {
	camera: "M4 8h3l2-3h6l2 3h3v11H4z M12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
	play: "M8 5v14l11-7z",
	stop: "M7 7h10v10H7z",
	x: "M6 6l12 12M18 6L6 18",
	left: "M15 5l-7 7 7 7",
	right: "M9 5l7 7-7 7",
	download: "M12 4v11m-5-5 5 5 5-5M5 20h14",
	refresh: "M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7",
	alert: "M12 3l10 18H2z M12 10v5 M12 18v.5",
	wifi: "M2 9a15 15 0 0 1 20 0M5 12.5a10 10 0 0 1 14 0M8.5 16a5 5 0 0 1 7 0M12 19.5v.5",
	sun: "M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4",
	film: "M4 4h16v16H4zM8 4v16M16 4v16M4 8h4M4 12h4M4 16h4M16 8h4M16 12h4M16 16h4",
	barcode: "M4 5v14M7 5v14M10 5v14M14 5v14M17 5v14M20 5v14",
	check: "M5 12l5 5 9-10",
	moon: "M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z",
	key: "M15 7a4 4 0 1 1-3.5 6L4 20.5V17h3v-3h3l1.5-1.5A4 4 0 0 1 15 7z",
};

export function icon(name, cls = "") {
	return svg("svg", { viewBox: "0 0 24 24", class: `ic ${cls}`, "aria-hidden": "true",
		fill: name === "play" || name === "stop" ? "currentColor" : "none", stroke: "currentColor",
		"stroke-width": "1.8", "stroke-linecap": "round", "stroke-linejoin": "round" },
		svg("path", { d: ICONS[name] || "" }));
}

export function spinner() {
	return h("span", { class: "spinner", "aria-hidden": "true" });
}
