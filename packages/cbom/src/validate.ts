import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import type { ErrorObject } from "ajv";
import { type Attributes, list, record } from "./read.ts";

export interface CbomValidation {
	valid: boolean;
	errors: string[];
}

/**
 * The library's validator reads bom-1.6.SNAPSHOT.schema.json and the SPDX, JSF and cryptography-defs schemas it
 * references from its own res/schema folder and refuses remote schemas, so validation never touches the
 * network. It compiles the schema once per instance, hence one instance per process.
 */
let validator: Validation.JsonValidator | undefined;

function describeSchemaError({ instancePath, keyword, params, message }: ErrorObject): string {
	let detail = message ?? keyword;
	if (keyword === "enum")
		detail += `: ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`;
	if (keyword === "additionalProperties") detail += `: ${JSON.stringify(params.additionalProperty)}`;
	return `${instancePath || "/"}: ${detail}`;
}

/** Components at any depth, with their JSON pointers. */
function* components(items: readonly unknown[], path: string): Generator<[string, Attributes]> {
	for (const [index, item] of items.entries()) {
		const component = record(item);
		if (component === undefined) continue;
		yield [`${path}/${index}`, component];
		yield* components(list(component.components), `${path}/${index}/components`);
	}
}

/** Refs inside `cryptoProperties`: every `*Ref` field, `cryptoRefArray` and a cipher suite's `algorithms`. */
function* cryptoRefs(value: unknown, path: string): Generator<[string, unknown]> {
	const fields = record(value);
	if (Array.isArray(value)) {
		for (const [index, item] of value.entries()) yield* cryptoRefs(item, `${path}/${index}`);
	} else if (fields !== undefined) {
		for (const [key, field] of Object.entries(fields)) {
			const at = `${path}/${key}`;
			if (key.endsWith("Ref")) yield [at, field];
			else if (key === "cryptoRefArray" || key === "algorithms") {
				for (const [index, ref] of list(field).entries()) yield [`${at}/${index}`, ref];
			} else yield* cryptoRefs(field, at);
		}
	}
}

/**
 * What JSON Schema cannot say: bom-refs are unique, and every ref points at one of them. BOM-Links (`urn:cdx:`)
 * point into other documents and are not checked.
 */
function referenceErrors(document: Attributes): string[] {
	const errors: string[] = [];
	const defined = new Set<string>();
	const subject = record(record(document.metadata)?.component);
	const all: [string, Attributes][] = [
		...(subject === undefined ? [] : [["/metadata/component", subject] as [string, Attributes]]),
		...components(list(subject?.components), "/metadata/component/components"),
		...components(list(document.components), "/components"),
		...components(list(document.services), "/services"),
	];
	for (const [path, component] of all) {
		const ref = component["bom-ref"];
		if (typeof ref !== "string") continue;
		if (defined.has(ref)) errors.push(`${path}/bom-ref: duplicate bom-ref ${JSON.stringify(ref)}`);
		defined.add(ref);
	}
	const check = (path: string, ref: unknown) => {
		if (typeof ref === "string" && !ref.startsWith("urn:cdx:") && !defined.has(ref)) {
			errors.push(`${path}: ${JSON.stringify(ref)} is not the bom-ref of any component`);
		}
	};
	for (const [path, component] of all) {
		for (const [at, ref] of cryptoRefs(component.cryptoProperties, `${path}/cryptoProperties`)) check(at, ref);
	}
	for (const [index, item] of list(document.dependencies).entries()) {
		const dependency = record(item);
		check(`/dependencies/${index}/ref`, dependency?.ref);
		for (const field of ["dependsOn", "provides"]) {
			for (const [at, ref] of list(dependency?.[field]).entries()) check(`/dependencies/${index}/${field}/${at}`, ref);
		}
	}
	return errors;
}

/**
 * Checks `document` against the official CycloneDX 1.6 JSON schema, then the references inside it. Errors read
 * `<JSON pointer>: <problem>`.
 */
export async function validateCbom(document: unknown): Promise<CbomValidation> {
	let json: string | undefined;
	try {
		json = JSON.stringify(document);
	} catch (error) {
		return { valid: false, errors: [`/: not serialisable as JSON (${(error as Error).message})`] };
	}
	if (json === undefined) return { valid: false, errors: ["/: not a JSON value"] };
	validator ??= new Validation.JsonValidator(Spec.Version.v1dot6);
	const schemaErrors = (await validator.validate(json)) as ErrorObject[] | null;
	const errors = (schemaErrors ?? []).map(describeSchemaError);
	const parsed = record(JSON.parse(json));
	if (parsed !== undefined) errors.push(...referenceErrors(parsed));
	return { valid: errors.length === 0, errors };
}
