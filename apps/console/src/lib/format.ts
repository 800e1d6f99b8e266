import type { Labels } from "./types.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "850 ms", "12.4 s", "3 min 4 s", "2 h 5 min", "—" when unknown. */
export function formatDuration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
	if (ms < SECOND) return `${Math.round(ms)} ms`;
	if (ms < 10 * SECOND) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
	if (ms < MINUTE) return `${Math.floor(ms / SECOND)} s`;
	if (ms < HOUR) {
		const seconds = Math.floor((ms % MINUTE) / SECOND);
		return `${Math.floor(ms / MINUTE)} min${seconds ? ` ${seconds} s` : ""}`;
	}
	const minutes = Math.floor((ms % HOUR) / MINUTE);
	return `${Math.floor(ms / HOUR)} h${minutes ? ` ${minutes} min` : ""}`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Binary units, one decimal below 10: "0 B", "1.5 KiB", "320 MiB". */
export function formatBytes(bytes: number | null | undefined): string {
	if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return "—";
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
		value /= 1024;
		unit++;
	}
	const digits = unit === 0 || value >= 10 ? 0 : 1;
	return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatCount(value: number, locale?: string): string {
	return new Intl.NumberFormat(locale).format(value);
}

/** Date and time in the reader's locale and time zone (both overridable for tests). */
export function formatDateTime(iso: string | null | undefined, locale?: string, timeZone?: string): string {
	if (!iso) return "—";
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return "—";
	return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(date);
}

export function formatDate(iso: string | null | undefined, locale?: string, timeZone?: string): string {
	if (!iso) return "—";
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return "—";
	return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(date);
}

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "just now", "5 minutes ago", "in 3 days": the console's text is English, so its relative times are too. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
	if (!iso) return "—";
	const time = new Date(iso).getTime();
	if (Number.isNaN(time)) return "—";
	const diff = time - now;
	const size = Math.abs(diff);
	if (size < 45 * SECOND) return "just now";
	if (size < HOUR) return relative.format(Math.round(diff / MINUTE), "minute");
	if (size < DAY) return relative.format(Math.round(diff / HOUR), "hour");
	if (size < 60 * DAY) return relative.format(Math.round(diff / DAY), "day");
	if (size < 365 * DAY) return relative.format(Math.round(diff / (30 * DAY)), "month");
	return relative.format(Math.round(diff / (365 * DAY)), "year");
}

export type ExpiryState = "expired" | "soon" | "valid" | "unknown";

/** How close an expiry is: within 30 days is "soon", which is when someone should start renewing. */
export function expiryState(iso: string | null | undefined, now: number = Date.now()): ExpiryState {
	if (!iso) return "unknown";
	const time = new Date(iso).getTime();
	if (Number.isNaN(time)) return "unknown";
	if (time <= now) return "expired";
	return time - now <= 30 * DAY ? "soon" : "valid";
}

/** `[{team:"pki"},{env:"prod"}]` → `["team=pki", "env=prod"]`. */
export function formatLabels(labels: Labels | null | undefined): string[] {
	return (labels ?? []).flatMap((label) => Object.entries(label).map(([key, value]) => `${key}=${value}`));
}

export function formatLocation(path: string, line: number | null): string {
	return line === null ? path : `${path}:${line}`;
}
