import {
	algorithmProperties,
	cipherByName,
	codeAlgorithm,
	joseAlgorithm,
	joseEncryption,
	keyAlgorithm,
	signatureAlgorithm,
} from "./algorithms.ts";
import type { Description, Inventory, Occurrence } from "./inventory.ts";
import { type Attributes, count, flag, isoDate, list, record, scalar, text } from "./read.ts";
import {
	type MaterialType,
	MODES,
	type Mode,
	oneOf,
	PADDINGS,
	type Padding,
	PRIMITIVES,
	PROTOCOL_TYPES,
	type Primitive,
	type RelatedCryptoMaterialProperties,
} from "./schema.ts";

/** A certificate's validity, kept per key fingerprint to give the key a lifecycle state. */
export interface Validity {
	from?: string;
	until?: string;
}

/** Shared by the mappers of one CBOM. */
export interface Context {
	inventory: Inventory;
	/** Certificate validity windows by the SHA-256 of the certified public key (SPKI). */
	certifiedKeys: Map<string, Validity[]>;
	/** Key components by ref, with the fingerprint that links them to certificates. */
	keyFingerprints: Map<string, string>;
}

export interface KindMapper {
	/** The component a finding belongs to, derived from its identity. */
	ref(identity: string, attributes: Attributes): string;
	/** The component, from the first finding of its group; registers what it refers to. */
	describe(attributes: Attributes, ref: string, context: Context): Description;
	/** Facts the schema has no field for, as `sensorium:<name>` properties; collected from every finding. */
	facts(attributes: Attributes): [string, unknown][];
	/** What one finding adds to its occurrence besides the location. */
	occurrence?(attributes: Attributes): Pick<Occurrence, "symbol" | "additionalContext">;
}

const ASSET = "cryptographic-asset";

function pick(attributes: Attributes, prefix: string, names: readonly string[]): [string, unknown][] {
	return names.map((name) => [`${prefix}:${name}`, attributes[name]]);
}

/** `CN=example.com, O=Acme` names the component example.com. */
function commonName(distinguishedName: string | undefined): string | undefined {
	return distinguishedName && /(?:^|,\s*)CN=([^,]+)/.exec(distinguishedName)?.[1]?.trim();
}

/** Readable names for the `format` values of packages/discovery. */
const KEY_FORMATS: Readonly<Record<string, string>> = {
	pkcs1: "PKCS#1",
	pkcs8: "PKCS#8",
	sec1: "SEC1",
	spki: "SPKI",
	traditional: "OpenSSL traditional",
	openssh: "OpenSSH",
	"ssh-public": "OpenSSH public key",
	"pkcs8-encrypted": "PKCS#8 encrypted",
	"pem-legacy-encrypted": "PEM legacy encrypted",
};

function materialType(attributes: Attributes): MaterialType {
	const type = text(attributes.type);
	return type === "private-key" || type === "public-key" || type === "secret-key" ? type : "key";
}

/**
 * A private key and its public key share one identity (the SPKI hash) but are different material, so the ref
 * adds the type: `key:<sha256>:private-key`, `key:<sha256>:public-key`.
 */
const key: KindMapper = {
	ref: (identity, attributes) => `${identity}:${materialType(attributes)}`,
	describe(attributes, ref, context) {
		const type = materialType(attributes);
		const algorithm = keyAlgorithm(text(attributes.algorithm), count(attributes.size), text(attributes.curve));
		const algorithmRef = algorithm && context.inventory.algorithm(algorithm);
		const cipherName = text(attributes.cipher);
		const cipher = cipherName ? cipherByName(cipherName) : undefined;
		const cipherRef = cipher && context.inventory.algorithm(cipher);
		const fingerprint = text(attributes.fingerprintSha256);
		if (fingerprint) context.keyFingerprints.set(ref, fingerprint);
		const encrypted = flag(attributes.encrypted);
		let securedBy: RelatedCryptoMaterialProperties["securedBy"];
		if (encrypted) securedBy = { mechanism: "Software", algorithmRef: cipherRef };
		else if (encrypted === false && type === "private-key") securedBy = { mechanism: "None" };
		const format = text(attributes.format);
		const label = algorithm?.name ?? text(attributes.sshType) ?? (encrypted ? "encrypted" : "unknown");
		return {
			type: ASSET,
			name: `${label} ${type.replace("-", " ")}`,
			crypto: {
				assetType: "related-crypto-material",
				relatedCryptoMaterialProperties: {
					type,
					id: fingerprint ?? text(attributes.sshFingerprint),
					algorithmRef,
					size: count(attributes.size),
					format: format && (KEY_FORMATS[format] ?? format),
					securedBy,
				},
			},
			dependsOn: [algorithmRef, cipherRef],
		};
	},
	facts: (attributes) =>
		pick(attributes, "key", ["encoding", "encrypted", "sshFingerprint", "sshType", "cipher", "kdf", "kdfIterations"]),
};

const x509: KindMapper = {
	ref: (identity) => identity,
	describe(attributes, ref, context) {
		const subjectName = text(attributes.subject);
		const publicKey = record(attributes.publicKey) ?? {};
		const fingerprint = text(publicKey.fingerprintSha256);
		const notValidBefore = isoDate(attributes.notValidBefore);
		const notValidAfter = isoDate(attributes.notValidAfter);
		const signature = signatureAlgorithm(text(attributes.signatureAlgorithm), text(attributes.signatureAlgorithmOid));
		const signatureAlgorithmRef = signature && context.inventory.algorithm(signature);
		// The same ref a key finding for this key gets, so a key file and the certificate meet in one component.
		const keyRef = fingerprint ? `key:${fingerprint}:public-key` : `${ref}:public-key`;
		const subjectPublicKeyRef = context.inventory.derive(keyRef, () =>
			key.describe({ ...publicKey, type: "public-key" }, keyRef, context),
		);
		if (fingerprint) {
			const windows = context.certifiedKeys.get(fingerprint) ?? [];
			windows.push({ from: notValidBefore, until: notValidAfter });
			context.certifiedKeys.set(fingerprint, windows);
		}
		return {
			type: ASSET,
			name: commonName(subjectName) ?? subjectName ?? "X.509 certificate",
			crypto: {
				assetType: "certificate",
				certificateProperties: {
					subjectName,
					issuerName: text(attributes.issuer),
					notValidBefore,
					notValidAfter,
					signatureAlgorithmRef,
					subjectPublicKeyRef,
					certificateFormat: "X.509",
				},
			},
			dependsOn: [signatureAlgorithmRef, subjectPublicKeyRef],
		};
	},
	facts: (attributes) =>
		pick(attributes, "x509", ["serialNumber", "fingerprintSha256", "version", "selfSigned", "isCa", "encoding"]),
};

const token: KindMapper = {
	ref: (identity) => identity,
	describe(attributes, _ref, context) {
		const alg = text(attributes.alg);
		const enc = text(attributes.enc);
		const jwe = attributes.type === "jwe" || enc !== undefined;
		const algorithm = alg && joseAlgorithm(alg, jwe);
		const encryption = enc && joseEncryption(enc);
		const algorithmRef = algorithm ? context.inventory.algorithm(algorithm) : undefined;
		const encryptionRef = encryption ? context.inventory.algorithm(encryption) : undefined;
		const claims = record(attributes.claims);
		return {
			type: ASSET,
			name: [jwe ? "JWE" : "JWT", alg, enc].filter(Boolean).join(" "),
			crypto: {
				assetType: "related-crypto-material",
				relatedCryptoMaterialProperties: {
					type: "token",
					// A JWE's content is protected by its `enc`; `alg` only wraps the content key.
					algorithmRef: encryptionRef ?? algorithmRef,
					expirationDate: isoDate(claims?.exp),
				},
			},
			dependsOn: [algorithmRef, encryptionRef],
		};
	},
	facts(attributes) {
		const claims = record(attributes.claims) ?? {};
		const names = list(claims.names).map(text).filter(Boolean).join(",");
		return [
			...pick(attributes, "token", ["type", "alg", "enc", "kid", "typ", "cty", "algNone"]),
			["token:issuer", claims.iss],
			["token:claims", names],
		];
	},
};

/**
 * A keystore is a container, not a key, so its material type is `other`; the store type goes in `format`. The
 * default-password finding of a store (identity `<keystore identity>:default-password`) is about the same
 * file, so it joins the store's component rather than making a second one.
 */
const keystore: KindMapper = {
	ref(identity, attributes) {
		const weakness = text(attributes.weakness);
		return weakness && identity.endsWith(`:${weakness}`) ? identity.slice(0, -weakness.length - 1) : identity;
	},
	describe(attributes, _ref, context) {
		const type = text(attributes.type);
		const entries = list(attributes.entries).map(record);
		const certificates = entries.flatMap((entry) =>
			list(entry?.certificateFingerprints).flatMap((fingerprint) => {
				const hex = text(fingerprint);
				return hex ? [`x509:${hex}`] : [];
			}),
		);
		const encryption = text(attributes.encryption);
		const cipher = encryption ? cipherByName(encryption) : undefined;
		const cipherRef = cipher && context.inventory.algorithm(cipher);
		return {
			type: ASSET,
			name: `${type ?? "unknown"} keystore`,
			crypto: {
				assetType: "related-crypto-material",
				relatedCryptoMaterialProperties: {
					type: "other",
					format: type,
					securedBy: encryption ? { mechanism: "Software", algorithmRef: cipherRef } : undefined,
				},
			},
			// The certificates it holds; refs to certificates not in this CBOM are dropped when it is built.
			dependsOn: [...certificates, cipherRef],
		};
	},
	facts(attributes) {
		const entries = list(attributes.entries).map(record);
		const mac = record(attributes.mac) ?? {};
		return [
			...pick(attributes, "keystore", [
				"type",
				"version",
				"passwordIsDefault",
				"weakness",
				"encryption",
				"encryptionIterations",
				"certificatesReadable",
			]),
			["keystore:entries", Array.isArray(attributes.entries) ? entries.length : undefined],
			["keystore:macAlgorithm", mac.algorithm],
			["keystore:macIterations", mac.iterations],
			...entries.flatMap((entry): [string, unknown][] => [
				["keystore:entry", [text(entry?.kind), text(entry?.alias)].filter(Boolean).join(" ")],
				["keystore:keyProtection", entry?.keyProtection],
			]),
		];
	},
};

const library: KindMapper = {
	ref: (identity) => identity,
	describe: (attributes) => ({
		type: "library",
		name: text(attributes.name) ?? "unknown library",
		version: text(attributes.version),
	}),
	facts: (attributes) => pick(attributes, "library", ["language"]),
	occurrence: (attributes) => ({ additionalContext: text(attributes.evidence) }),
};

/** Spellings code analysers use for CycloneDX primitives; anything else unrecognised becomes `other`. */
const PRIMITIVE_ALIASES: Readonly<Record<string, Primitive>> = {
	blockcipher: "block-cipher",
	streamcipher: "stream-cipher",
	digest: "hash",
	keyagreement: "key-agree",
	keyexchange: "key-agree",
	aead: "ae",
	authenticatedencryption: "ae",
	rng: "drbg",
	prng: "drbg",
	random: "drbg",
};

function primitiveOf(value: string | undefined): Primitive | undefined {
	if (value === undefined) return undefined;
	return oneOf(PRIMITIVES, value) ?? PRIMITIVE_ALIASES[value.toLowerCase().replace(/[^a-z]/g, "")] ?? "other";
}

function modeOf(value: string | undefined): Mode | undefined {
	return value === undefined ? undefined : (oneOf(MODES, value) ?? "other");
}

/** JCA padding names (PKCS5Padding, OAEPWithSHA-256AndMGF1Padding, NoPadding) and CycloneDX ones. */
function paddingOf(value: string | undefined): Padding | undefined {
	if (value === undefined) return undefined;
	const lower = value.toLowerCase();
	if (lower.startsWith("oaep")) return "oaep";
	if (lower === "nopadding" || lower === "none") return "raw";
	if (/^pkcs1(padding|v15|v1\.5)?$/.test(lower)) return "pkcs1v15";
	return oneOf(PADDINGS, lower.replace(/padding$/, "")) ?? "other";
}

/** Algorithms found in code: the catalogue completes what the finding states (see `codeAlgorithm`). */
const algorithm: KindMapper = {
	ref: (identity) => identity,
	describe(attributes, _ref, context) {
		const spec = codeAlgorithm({
			name: text(attributes.name) ?? "unknown",
			primitive: primitiveOf(text(attributes.primitive)),
			mode: modeOf(text(attributes.mode)),
			padding: paddingOf(text(attributes.padding)),
			hash: text(attributes.hash),
			keySize: count(attributes.keySize),
			curve: text(attributes.curve),
			parameterSetIdentifier: text(attributes.parameterSetIdentifier),
			oid: text(attributes.oid),
		});
		return {
			type: ASSET,
			name: spec.name,
			crypto: { assetType: "algorithm", algorithmProperties: algorithmProperties(spec), oid: spec.oid },
			dependsOn: spec.uses?.map((used) => context.inventory.algorithm(used)),
		};
	},
	facts: (attributes) => pick(attributes, "algorithm", ["language"]),
	occurrence: (attributes) => ({ symbol: text(attributes.api), additionalContext: text(attributes.evidence) }),
};

function cipherSuites(value: unknown): { name?: string; identifiers?: string[] }[] | undefined {
	const suites = list(value).flatMap((suite) => {
		// Exclusions in a cipher string (`!aNULL`, `-RC4`) name suites that are not offered.
		if (typeof suite === "string") return text(suite) && !/^[!-]/.test(suite) ? [{ name: text(suite) }] : [];
		const fields = record(suite);
		const name = text(fields?.name);
		const identifiers = list(fields?.identifiers).flatMap((id) => scalar(id) ?? []);
		return name || identifiers.length > 0
			? [{ name, identifiers: identifiers.length > 0 ? identifiers : undefined }]
			: [];
	});
	return suites.length > 0 ? suites : undefined;
}

const protocol: KindMapper = {
	ref: (identity) => identity,
	describe(attributes) {
		const reported = text(attributes.type);
		const type = oneOf(PROTOCOL_TYPES, reported) ?? (reported ? "other" : "unknown");
		// `TLSv1.2` and `TLS 1.2` both become the schema's plain `1.2`.
		const version = text(attributes.version)?.replace(new RegExp(`^${type}\\s*v?`, "i"), "");
		return {
			type: ASSET,
			name: [type === "other" || type === "unknown" ? (reported ?? "unknown protocol") : type.toUpperCase(), version]
				.filter(Boolean)
				.join(" "),
			crypto: {
				assetType: "protocol",
				protocolProperties: { type, version, cipherSuites: cipherSuites(attributes.cipherSuites) },
			},
		};
	},
	facts: (attributes) => pick(attributes, "protocol", ["source"]),
	occurrence: (attributes) => ({ additionalContext: text(attributes.evidence) }),
};

/** A Map rather than an object, so that a kind such as `constructor` finds nothing. */
export const KINDS: ReadonlyMap<string, KindMapper> = new Map(
	Object.entries({ x509, key, token, keystore, library, algorithm, protocol }),
);
