import { type AlgorithmSpec, algorithmProperties } from "./algorithms.ts";
import type { CryptoProperties } from "./schema.ts";

/** One `evidence.occurrences[]` item: where a finding saw the asset. */
export interface Occurrence {
	location: string;
	line?: number;
	symbol?: string;
	additionalContext?: string;
}

/** What a mapper says about a component; refs that are undefined (nothing to point at) are ignored. */
export interface Description {
	type: "cryptographic-asset" | "library";
	name: string;
	version?: string;
	crypto?: CryptoProperties;
	dependsOn?: readonly (string | undefined)[];
}

export class Entry {
	description: Description;
	/** Seen by a sensor, rather than only derived from another asset: the CBOM subject depends on it directly. */
	observed = false;
	readonly dependsOn = new Set<string>();
	readonly #occurrences = new Map<string, Occurrence>();
	readonly #properties = new Map<string, { name: string; value: string }>();

	constructor(
		readonly ref: string,
		description: Description,
	) {
		this.description = description;
		this.#dependOn(description);
	}

	describe(description: Description, options: { replaceDependencies?: boolean } = {}): void {
		this.description = description;
		if (options.replaceDependencies) this.dependsOn.clear();
		this.#dependOn(description);
	}

	#dependOn({ dependsOn = [] }: Description): void {
		for (const ref of dependsOn) if (ref !== undefined && ref !== this.ref) this.dependsOn.add(ref);
	}

	occur(occurrence: Occurrence): void {
		const { location, line, symbol, additionalContext } = occurrence;
		this.#occurrences.set(JSON.stringify([location, line, symbol, additionalContext]), occurrence);
	}

	/** CycloneDX allows repeated property names, so only identical name/value pairs are merged. */
	property(name: string, value: string | undefined): void {
		if (value !== undefined) this.#properties.set(JSON.stringify([name, value]), { name, value });
	}

	get occurrences(): Occurrence[] {
		return [...this.#occurrences.values()].sort(
			(a, b) => a.location.localeCompare(b.location) || (a.line ?? 0) - (b.line ?? 0),
		);
	}

	get properties(): { name: string; value: string }[] {
		return [...this.#properties.values()];
	}
}

/** Components by bom-ref. Findings and derived assets (a certificate's key, an algorithm) meet here by ref. */
export class Inventory {
	readonly entries = new Map<string, Entry>();

	/**
	 * The component of a finding. The first finding describes it; a component only derived so far (the public key
	 * of a certificate) takes the description of the finding that saw it, which knows more (format, encoding).
	 */
	observe(ref: string, description: () => Description): Entry {
		let entry = this.entries.get(ref);
		if (entry?.observed) return entry;
		if (entry) entry.describe(description());
		else {
			entry = new Entry(ref, description());
			this.entries.set(ref, entry);
		}
		entry.observed = true;
		return entry;
	}

	/** A component other assets refer to, described once however many refer to it. */
	derive(ref: string, description: () => Description): string {
		if (!this.entries.has(ref)) {
			// Registered before describing, so a description that refers back to ref cannot recurse.
			const entry = new Entry(ref, { type: "cryptographic-asset", name: ref });
			this.entries.set(ref, entry);
			entry.describe(description());
		}
		return ref;
	}

	/** One component per algorithm name, shared by every asset that uses it. */
	algorithm(spec: AlgorithmSpec): string {
		return this.derive(`crypto/algorithm/${spec.name.replace(/\s+/g, "-")}`, () => ({
			type: "cryptographic-asset",
			name: spec.name,
			crypto: { assetType: "algorithm", algorithmProperties: algorithmProperties(spec), oid: spec.oid },
			dependsOn: spec.uses?.map((used) => this.algorithm(used)),
		}));
	}
}
