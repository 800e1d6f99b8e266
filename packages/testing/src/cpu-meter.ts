import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds spent during one measured phase, by the role each process plays in a benchmark. */
export interface CpuUsage {
	seconds: number;
	/** Processes named by the caller (the API under test, the load generator, …). */
	named: Record<string, number>;
	postgres: number;
	redis: number;
	/** Fraction of the machine's CPU time that was idle or waiting for I/O. */
	machineIdle: number;
}

interface Snapshot {
	at: number;
	ticks: Map<number, { comm: string; ticks: number }>;
	machine: { busy: number; idle: number };
}

// Linux reports process CPU in clock ticks; USER_HZ is 100 on every mainstream kernel config.
const TICKS_PER_SECOND = 100;

/**
 * utime + stime from one /proc/<pid>/stat line. The command name is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(line: string): { comm: string; ticks: number } | null {
	const open = line.indexOf("(");
	const close = line.lastIndexOf(")");
	if (open < 0 || close < open) return null;
	const fields = line.slice(close + 2).split(" ");
	const utime = Number(fields[11]);
	const stime = Number(fields[12]);
	if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
	return { comm: line.slice(open + 1, close), ticks: utime + stime };
}

/** Busy and idle ticks from the aggregate "cpu" line of /proc/stat. */
export function parseMachineStat(text: string): { busy: number; idle: number } {
	const [, ...values] = (text.split("\n")[0] ?? "").trim().split(/\s+/);
	const ticks = values.map(Number);
	const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
	// guest time is already counted in user time, so only the first eight columns are summed.
	const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
	return { busy: total - idle, idle };
}

/**
 * Attributes CPU time to the processes of a benchmark on Linux, so a result can say where the
 * time went (API vs load generator vs Postgres vs Redis) and not only how fast it was. Elsewhere
 * `available` is false and `measure` returns null.
 */
export class CpuMeter {
	readonly available: boolean;
	constructor(private readonly named: Record<string, number>) {
		this.available = readable("/proc/stat");
	}

	async measure<T>(phase: () => Promise<T>): Promise<{ result: T; cpu: CpuUsage | null }> {
		const before = this.available ? this.snapshot() : null;
		const result = await phase();
		if (!before) return { result, cpu: null };
		return { result, cpu: this.difference(before, this.snapshot()) };
	}

	private snapshot(): Snapshot {
		const ticks = new Map<number, { comm: string; ticks: number }>();
		for (const entry of readdirSync("/proc")) {
			const pid = Number(entry);
			if (!Number.isInteger(pid)) continue;
			try {
				const parsed = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
				if (parsed) ticks.set(pid, parsed);
			} catch {
				// The process ended between listing and reading: its time is lost either way.
			}
		}
		return { at: performance.now(), ticks, machine: parseMachineStat(readFileSync("/proc/stat", "utf8")) };
	}

	private difference(before: Snapshot, after: Snapshot): CpuUsage {
		const spent = (pid: number, now: { ticks: number }) =>
			(now.ticks - (before.ticks.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
		const usage: CpuUsage = {
			seconds: (after.at - before.at) / 1000,
			named: Object.fromEntries(Object.keys(this.named).map((name) => [name, 0])),
			postgres: 0,
			redis: 0,
			machineIdle: 0,
		};
		const roleOf = new Map(Object.entries(this.named).map(([name, pid]) => [pid, name]));
		for (const [pid, now] of after.ticks) {
			const role = roleOf.get(pid);
			if (role) usage.named[role] = (usage.named[role] ?? 0) + spent(pid, now);
			else if (now.comm === "postgres") usage.postgres += spent(pid, now);
			else if (now.comm === "redis-server") usage.redis += spent(pid, now);
		}
		const busy = after.machine.busy - before.machine.busy;
		const idle = after.machine.idle - before.machine.idle;
		usage.machineIdle = busy + idle > 0 ? idle / (busy + idle) : 0;
		return usage;
	}
}

function readable(path: string): boolean {
	try {
		readFileSync(path, "utf8");
		return true;
	} catch {
		return false;
	}
}
