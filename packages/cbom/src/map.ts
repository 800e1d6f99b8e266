import { type Context, KINDS, type KindMapper, type Validity } from "./assets.ts";
import { type Entry, Inventory } from "./inventory.ts";
import { type Attributes, count, list, record, scalar, text } from "./read.ts";
import type { KeyState } from "./schema.ts";
import type { FindingInput } from "./types.ts";

interface Member {
	finding: Attributes;
	identity: string;
	attributes: Attributes;
}

export interface Mapped {
	inventory: Inventory;
	/** Findings of a kind there is no mapping for, or without an identity. */
	skipped: number;
}

/** Most severe first; a priority outside this list ranks below all of them. */
const PRIORITIES = ["critical", "high", "medium", "low", "info", "none"];

function rank(priority: string): number {
	const index = PRIORITIES.indexOf(priority.toLowerCase());
	return index === -1 ? PRIORITIES.length : index;
}

/** Findings grouped into one component per asset, plus the components they refer to. */
export function mapFindings(findings: readonly FindingInput[], timestamp: Date): Mapped {
	const context: Context = { inventory: new Inventory(), certifiedKeys: new Map(), keyFingerprints: new Map() };
	const groups = new Map<string, { mapper: KindMapper; members: Member[] }>();
	let skipped = 0;
	for (const input of findings) {
		const finding = record(input) ?? {};
		const kind = text(finding.kind);
		const mapper = kind === undefined ? undefined : KINDS.get(kind);
		const identity = text(finding.identity);
		if (kind === undefined || mapper === undefined || identity === undefined) {
			skipped++;
			continue;
		}
		const attributes = record(record(finding.crypto)?.[kind]) ?? {};
		const ref = mapper.ref(identity, attributes);
		const group = groups.get(ref) ?? { mapper, members: [] };
		group.members.push({ finding, identity, attributes });
		groups.set(ref, group);
	}
	for (const [ref, { mapper, members }] of groups) {
		// The finding whose identity is the ref describes the asset itself (a keystore, not its weakness).
		const primary = members.find((member) => member.identity === ref) ?? (members[0] as Member);
		const entry = context.inventory.observe(ref, () => mapper.describe(primary.attributes, ref, context));
		for (const member of members) addFinding(entry, mapper, member);
		summarise(entry, members);
	}
	applyCertificateValidity(context, timestamp);
	return { inventory: context.inventory, skipped };
}

function addFinding(entry: Entry, mapper: KindMapper, { finding, identity, attributes }: Member): void {
	const observation = record(finding.observation);
	const file = record(observation?.file);
	const location = text(file?.path);
	if (location !== undefined) {
		// Stored findings use line 0 for "no line" (binary files), which is not a line.
		const line = count(file?.line) || undefined;
		entry.occur({ location, line, ...mapper.occurrence?.(attributes) });
	}
	for (const [name, value] of mapper.facts(attributes)) entry.property(`sensorium:${name}`, scalar(value));
	entry.property("sensorium:identity", identity);
	entry.property("sensorium:finding", text(finding.findingId));
	entry.property("sensorium:sensor", text(observation?.sensorId));
	for (const reason of list(record(finding.analysis)?.reasons).map(record)) {
		const rule = text(reason?.rule);
		const detail = [text(reason?.priority), text(reason?.message)].filter(Boolean).join(": ");
		if (rule !== undefined) entry.property(`sensorium:analysis:${rule}`, detail || rule);
	}
	for (const labels of list(finding.labels)) {
		for (const [name, value] of Object.entries(record(labels) ?? {})) {
			entry.property(`sensorium:label:${name}`, scalar(value));
		}
	}
}

/** One priority and one status per component, over all the findings it gathers. */
function summarise(entry: Entry, members: readonly Member[]): void {
	const priorities = members.flatMap(({ finding }) => text(record(finding.analysis)?.priority) ?? []);
	const highest = priorities.reduce<string | undefined>(
		(best, priority) => (best === undefined || rank(priority) < rank(best) ? priority : best),
		undefined,
	);
	entry.property("sensorium:priority", highest);
	const statuses = members.flatMap(({ finding }) => text(finding.status) ?? []);
	entry.property("sensorium:status", statuses.includes("open") ? "open" : statuses[0]);
}

/** NIST SP 800-57 state of a key pair, judged by the certificates issued for it at the CBOM's timestamp. */
function keyState(windows: readonly Validity[], timestamp: Date): KeyState {
	const now = timestamp.getTime();
	const spans = windows.map(({ from, until }): [number, number] => [
		from === undefined ? Number.NEGATIVE_INFINITY : Date.parse(from),
		until === undefined ? Number.POSITIVE_INFINITY : Date.parse(until),
	]);
	if (spans.some(([from, until]) => from <= now && now <= until)) return "active";
	return spans.every(([from]) => from > now) ? "pre-activation" : "deactivated";
}

/** Keys of certified key pairs get the certificates' validity as their activation and expiration dates. */
function applyCertificateValidity({ inventory, certifiedKeys, keyFingerprints }: Context, timestamp: Date): void {
	for (const [ref, fingerprint] of keyFingerprints) {
		const windows = certifiedKeys.get(fingerprint);
		const crypto = inventory.entries.get(ref)?.description.crypto;
		if (windows === undefined || crypto?.assetType !== "related-crypto-material") continue;
		const properties = crypto.relatedCryptoMaterialProperties;
		const froms = windows.flatMap(({ from }) => from ?? []).sort();
		const untils = windows.flatMap(({ until }) => until ?? []).sort();
		properties.activationDate ??= froms[0];
		properties.expirationDate ??= untils.at(-1);
		properties.state ??= keyState(windows, timestamp);
	}
}
