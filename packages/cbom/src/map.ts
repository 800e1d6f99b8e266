import { SEVERITIES } from "@sensorium/vocabulary";
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

/** Most severe first; "none", then anything outside the list, rank below all of them. */
const RANKED: readonly string[] = [...SEVERITIES, "none"];

function rank(priority: string): number {
	const index = RANKED.indexOf(priority.toLowerCase());
	return index === -1 ? RANKED.length : index;
}

/** What one component has gathered from its findings so far: enough to summarise it, not the findings. */
interface Group {
	entry: Entry;
	/** Described by the finding whose identity is the ref (the asset itself), not by one about it. */
	describedByPrimary: boolean;
	highestPriority?: string;
	firstStatus?: string;
	open: boolean;
}

/**
 * Findings grouped into one component per asset, plus the components they refer to, fed a finding at a time:
 * a finding's document can be dropped once added, so a CBOM of many findings holds its components, not them.
 */
export class FindingMapper {
	readonly #context: Context = { inventory: new Inventory(), certifiedKeys: new Map(), keyFingerprints: new Map() };
	readonly #groups = new Map<string, Group>();
	#skipped = 0;

	add(input: FindingInput): void {
		const finding = record(input) ?? {};
		const kind = text(finding.kind);
		const mapper = kind === undefined ? undefined : KINDS.get(kind);
		const identity = text(finding.identity);
		if (kind === undefined || mapper === undefined || identity === undefined) {
			this.#skipped++;
			return;
		}
		const attributes = record(record(finding.crypto)?.[kind]) ?? {};
		const ref = mapper.ref(identity, attributes);
		const primary = identity === ref;
		let group = this.#groups.get(ref);
		if (group === undefined) {
			const entry = this.#context.inventory.observe(ref, () => mapper.describe(attributes, ref, this.#context));
			group = { entry, describedByPrimary: primary, open: false };
			this.#groups.set(ref, group);
		} else if (primary && !group.describedByPrimary) {
			// The asset itself (a keystore) arrived after a finding about it (its default password): it describes.
			group.entry.describe(mapper.describe(attributes, ref, this.#context), { replaceDependencies: true });
			group.describedByPrimary = true;
		}
		const member: Member = { finding, identity, attributes };
		addFinding(group.entry, mapper, member);
		const priority = text(record(finding.analysis)?.priority);
		if (
			priority !== undefined &&
			(group.highestPriority === undefined || rank(priority) < rank(group.highestPriority))
		) {
			group.highestPriority = priority;
		}
		const status = text(finding.status);
		group.firstStatus ??= status;
		if (status === "open") group.open = true;
	}

	/** The inventory, with each component's summary and the keys' lifecycle judged at `timestamp`. */
	finish(timestamp: Date): Mapped {
		for (const { entry, highestPriority, firstStatus, open } of this.#groups.values()) {
			entry.property("sensorium:priority", highestPriority);
			entry.property("sensorium:status", open ? "open" : firstStatus);
		}
		applyCertificateValidity(this.#context, timestamp);
		return { inventory: this.#context.inventory, skipped: this.#skipped };
	}
}

export function mapFindings(findings: Iterable<FindingInput>, timestamp: Date): Mapped {
	const mapper = new FindingMapper();
	for (const finding of findings) mapper.add(finding);
	return mapper.finish(timestamp);
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
