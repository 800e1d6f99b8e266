import { randomUUID } from "node:crypto";
import { Enums, Models, Serialize, Spec } from "@cyclonedx/cyclonedx-library";
import type { Entry, Occurrence } from "./inventory.ts";
import { FindingMapper, type Mapped, mapFindings } from "./map.ts";
import type { CryptoProperties } from "./schema.ts";
import type { CbomOptions, FindingInput } from "./types.ts";

type Normalized = Serialize.JSON.Types.Normalized.Component;

/** What the library's v10 models cannot hold, attached to a component while it is normalised. */
interface Extension {
	cryptoProperties?: CryptoProperties;
	occurrences: Occurrence[];
}

type ExtendedComponent = Normalized & {
	evidence?: Serialize.JSON.Types.Normalized.ComponentEvidence & { occurrences?: Occurrence[] };
	cryptoProperties?: CryptoProperties;
};

/**
 * The library's component normaliser, plus `cryptoProperties` and `evidence.occurrences`, which its models lack.
 * Hooking in here (rather than patching the output) keeps the library in charge of everything else: key order,
 * sorted lists, and the 1.6 rules for which fields exist.
 */
class CbomComponentNormalizer extends Serialize.JSON.Normalize.ComponentNormalizer {
	readonly #extensions: ReadonlyMap<string, Extension>;

	constructor(factory: Serialize.JSON.Normalize.Factory, extensions: ReadonlyMap<string, Extension>) {
		super(factory);
		this.#extensions = extensions;
	}

	override normalize(data: Models.Component, options: Serialize.Types.NormalizerOptions): Normalized | undefined {
		const normalized = super.normalize(data, options);
		const extension = this.#extensions.get(data.bomRef.value ?? "");
		if (normalized === undefined || extension === undefined) return normalized;
		const { occurrences, cryptoProperties } = extension;
		const extended: ExtendedComponent = {
			...normalized,
			cryptoProperties,
			evidence: occurrences.length > 0 ? { ...normalized.evidence, occurrences } : normalized.evidence,
		};
		return extended;
	}
}

class CbomNormalizerFactory extends Serialize.JSON.Normalize.Factory {
	readonly #extensions: ReadonlyMap<string, Extension>;

	constructor(extensions: ReadonlyMap<string, Extension>) {
		super(Spec.Spec1dot6);
		this.#extensions = extensions;
	}

	override makeForComponent(): Serialize.JSON.Normalize.ComponentNormalizer {
		return new CbomComponentNormalizer(this, this.#extensions);
	}
}

const SUBJECT_REF = "sensorium:subject";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function serialNumberOf(value: string | undefined): string {
	if (value === undefined) return `urn:uuid:${randomUUID()}`;
	return UUID.test(value) ? `urn:uuid:${value.toLowerCase()}` : value;
}

function componentOf(entry: Entry): Models.Component {
	const { type, name, version } = entry.description;
	const properties = new Models.PropertyRepository(
		entry.properties.map(({ name, value }) => new Models.Property(name, value)),
	);
	const componentType = type === "library" ? Enums.ComponentType.Library : Enums.ComponentType.CryptographicAsset;
	return new Models.Component(componentType, name, { bomRef: entry.ref, version, properties });
}

/** The CycloneDX 1.6 CBOM of `findings`, as a plain JSON object. */
export function buildCbom(findings: Iterable<FindingInput>, options: CbomOptions): Record<string, unknown> {
	const timestamp = options.timestamp ?? new Date();
	return JSON.parse([...serialise(mapFindings(findings, timestamp), options, timestamp)].join("")) as Record<
		string,
		unknown
	>;
}

/** Pieces of JSON text are gathered into chunks of about this many characters before they are handed on. */
const CHUNK = 64 * 1024;

/**
 * The CycloneDX 1.6 CBOM of findings read a page at a time, as JSON text in chunks: each page is dropped once
 * mapped, and the document is written a component at a time, so neither the findings nor the whole text are
 * ever held (what is held grows with the components: assets and their occurrences).
 */
export async function* streamCbom(
	pages: AsyncIterable<readonly FindingInput[]>,
	options: CbomOptions,
): AsyncGenerator<string> {
	const timestamp = options.timestamp ?? new Date();
	const mapper = new FindingMapper();
	for await (const page of pages) for (const finding of page) mapper.add(finding);
	let chunk = "";
	for (const piece of serialise(mapper.finish(timestamp), options, timestamp)) {
		chunk += piece;
		if (chunk.length >= CHUNK) {
			yield chunk;
			chunk = "";
		}
	}
	if (chunk !== "") yield chunk;
}

/**
 * The document as pieces of JSON text, in the library's key order and with its sorted lists: the head
 * (everything before `components`), each component, then each dependency.
 */
function* serialise({ inventory, skipped }: Mapped, options: CbomOptions, timestamp: Date): Generator<string> {
	const bom = new Models.Bom();
	bom.serialNumber = serialNumberOf(options.serialNumber);
	bom.metadata.timestamp = timestamp;
	bom.metadata.tools.components.add(
		new Models.Component(Enums.ComponentType.Application, "Sensorium", { version: options.toolVersion }),
	);
	const { name, version, description } = options.subject;
	const subject = new Models.Component(Enums.ComponentType.Application, name, {
		bomRef: SUBJECT_REF,
		version,
		description,
	});
	bom.metadata.component = subject;
	if (skipped > 0) bom.metadata.properties.add(new Models.Property("sensorium:skippedFindings", String(skipped)));

	const components = new Map<string, Models.Component>();
	const extensions = new Map<string, Extension>();
	for (const entry of inventory.entries.values()) {
		const component = componentOf(entry);
		components.set(entry.ref, component);
		extensions.set(entry.ref, { cryptoProperties: entry.description.crypto, occurrences: entry.occurrences });
		bom.components.add(component);
		if (entry.observed) subject.dependencies.add(component.bomRef);
	}
	// The graph links BomRef objects, so a ref to a component not in this CBOM (a keystore's certificate that was
	// not passed in) cannot be expressed and is left out.
	for (const entry of inventory.entries.values()) {
		const dependencies = components.get(entry.ref)?.dependencies;
		for (const ref of entry.dependsOn) {
			const target = components.get(ref);
			if (target !== undefined) dependencies?.add(target.bomRef);
		}
	}

	const factory = new CbomNormalizerFactory(extensions);
	const normalizeOptions = { sortLists: true };
	// The head is the library's own normalisation of the document without its two long lists.
	const shell = new Models.Bom({ serialNumber: bom.serialNumber, metadata: bom.metadata });
	const {
		components: _components,
		dependencies: _dependencies,
		...head
	} = factory.makeForBom().normalize(shell, normalizeOptions);
	yield `${JSON.stringify(head).slice(0, -1)},"components":[`;
	const componentNormalizer = factory.makeForComponent();
	let first = true;
	for (const component of bom.components.sorted()) {
		const normalized = componentNormalizer.normalize(component, normalizeOptions);
		if (normalized === undefined) continue;
		yield `${first ? "" : ","}${JSON.stringify(normalized)}`;
		first = false;
	}
	yield '],"dependencies":[';
	first = true;
	for (const { ref, dependsOn } of factory.makeForDependencyGraph().normalize(bom, normalizeOptions) ?? []) {
		const separator = first ? "" : ",";
		first = false;
		if (dependsOn === undefined) {
			yield `${separator}${JSON.stringify({ ref })}`;
			continue;
		}
		// The subject depends on every asset: its list is as long as the inventory, so it goes out a ref at a time.
		yield `${separator}{"ref":${JSON.stringify(ref)},"dependsOn":[`;
		for (const [index, target] of dependsOn.entries()) yield `${index === 0 ? "" : ","}${JSON.stringify(target)}`;
		yield "]}";
	}
	yield "]}";
}
