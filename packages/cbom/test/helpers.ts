import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discover } from "@sensorium/discovery";
import type { FindingInput } from "../src/index.ts";
import type {
	AlgorithmProperties,
	CertificateProperties,
	ProtocolProperties,
	RelatedCryptoMaterialProperties,
} from "../src/schema.ts";

/** A scratch directory for fixtures generated at test time; call `remove` in afterAll. */
export function scratch(prefix: string) {
	const dir = mkdtempSync(join(tmpdir(), `sensorium-cbom-${prefix}-`));
	return {
		dir,
		path: (name: string) => join(dir, name),
		write(name: string, content: string | Uint8Array): string {
			writeFileSync(join(dir, name), content);
			return name;
		},
		read: (name: string) => readFileSync(join(dir, name)),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}

export function run(command: string, ...args: string[]): Buffer {
	return execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"] });
}

let sequence = 0;

/** A finding document, as the findings API returns it; `crypto` and location are what matter here. */
export function finding(
	kind: string,
	identity: string,
	crypto: Record<string, unknown>,
	path: string,
	line: number | null = null,
	extra: Partial<FindingInput> = {},
): FindingInput {
	sequence++;
	return {
		findingId: `f${String(sequence).padStart(4, "0")}`,
		kind,
		identity,
		status: "open",
		observation: { sensorId: "sensor-1", file: { path, line } },
		crypto: { [kind]: crypto },
		analysis: null,
		labels: [],
		...extra,
	};
}

/** What the worker stores for one scanned file: one finding per discovery, archive members named with `!`. */
export function findingsOf(path: string, bytes: Uint8Array): FindingInput[] {
	return discover(path, bytes).map((found) =>
		finding(
			found.kind,
			found.identity,
			found.crypto[found.kind] as Record<string, unknown>,
			found.member ? `${path}!${found.member}` : path,
			found.line,
		),
	);
}

export type Json = Record<string, unknown>;

export function components(document: Json): Json[] {
	return document.components as Json[];
}

export function component(document: Json, ref: string): Json {
	const found = components(document).find((candidate) => candidate["bom-ref"] === ref);
	if (!found) throw new Error(`no component ${ref}`);
	return found;
}

/** The component carrying a finding identity (keys add the material type to the ref, so look up by property). */
export function componentOf(document: Json, identity: string, type?: string): Json {
	const found = components(document).filter(
		(candidate) =>
			propertyValues(candidate, "sensorium:identity").includes(identity) &&
			(type === undefined || crypto(candidate).relatedCryptoMaterialProperties?.type === type),
	);
	if (found.length !== 1) throw new Error(`expected one component for ${identity}, got ${found.length}`);
	return found[0] as Json;
}

export function propertyValues(target: Json, name: string): string[] {
	return ((target.properties ?? []) as { name: string; value: string }[])
		.filter((property) => property.name === name)
		.map((property) => property.value);
}

/** `cryptoProperties` with every variant's fields optional, for assertions. */
export interface LooseCrypto {
	assetType: string;
	oid?: string;
	algorithmProperties?: AlgorithmProperties;
	certificateProperties?: CertificateProperties;
	relatedCryptoMaterialProperties?: RelatedCryptoMaterialProperties;
	protocolProperties?: ProtocolProperties;
}

export function crypto(target: Json): LooseCrypto {
	return (target.cryptoProperties ?? {}) as LooseCrypto;
}

export function occurrences(target: Json): { location: string; line?: number; symbol?: string }[] {
	return ((target.evidence as Json | undefined)?.occurrences ?? []) as { location: string; line?: number }[];
}

export function dependsOn(document: Json, ref: string): string[] {
	const entry = (document.dependencies as { ref: string; dependsOn?: string[] }[]).find((dep) => dep.ref === ref);
	return entry?.dependsOn ?? [];
}
