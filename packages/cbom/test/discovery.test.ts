import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCbom, type FindingInput, validateCbom } from "../src/index.ts";
import {
	component,
	componentOf,
	components,
	crypto,
	dependsOn,
	findingsOf,
	type Json,
	occurrences,
	propertyValues,
	run,
	scratch,
} from "./helpers.ts";

const files = scratch("discovery");
/** An hour from now: inside the validity of every certificate generated below, whenever in this second it is made. */
const TIMESTAMP = new Date(Date.now() + 3_600_000);
const SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
const PASSPHRASE = "correct horse battery staple";

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");
const json = (value: unknown) => b64url(JSON.stringify(value));

function hs256(): string {
	const input = `${json({ alg: "HS256", typ: "JWT" })}.${json({ iss: "https://auth.example", sub: "user-4711" })}`;
	return `${input}.${createHmac("sha256", "test-only-hmac-key").update(input).digest("base64url")}`;
}

function rs256(): string {
	const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const input = `${json({ alg: "RS256", kid: "signing-2024" })}.${json({ aud: "api", exp: 1_900_000_000 })}`;
	return `${input}.${b64url(sign("sha256", Buffer.from(input), privateKey))}`;
}

const TOKENS = [hs256(), rs256()];

function openssl(...args: string[]): void {
	run("openssl", ...args);
}

function selfSigned(name: string, subject: string, ...keyOptions: string[]): void {
	const p = files.path;
	openssl(
		"req",
		"-x509",
		"-nodes",
		"-keyout",
		p(`${name}.key`),
		"-out",
		p(`${name}.pem`),
		"-subj",
		subject,
		"-days",
		"30",
		...keyOptions,
	);
}

/** Files scanned, as [path in the repository, fixture]; rsa.key is committed twice. */
const SCANNED: [string, string][] = [
	["certs/rsa.pem", "rsa.pem"],
	["certs/rsa.der", "rsa.der"],
	["dist/outer.tgz", "outer.tgz"],
	["certs/legacy.pem", "legacy.pem"],
	["certs/ed.pem", "ed.pem"],
	["tls/chain.pem", "chain.pem"],
	["tls/leaf.key", "leaf.key"],
	["keys/rsa.key", "rsa.key"],
	["deploy/rsa.key", "rsa.key"],
	["keys/ed-node.pub", "ed-node.pub"],
	["keys/encrypted.key", "encrypted.key"],
	["src/client.ts", "client.ts"],
	["test/fixture.json", "fixture.json"],
];

const findings: FindingInput[] = [];
/** Key material, certificates, passphrase and tokens written for this test: none of it may reach the CBOM. */
const secrets: string[] = [PASSPHRASE, ...TOKENS, ...TOKENS.map((token) => token.split(".")[2] as string)];
let document: Json;

beforeAll(() => {
	const p = files.path;
	selfSigned("rsa", "/O=Acme/CN=rsa.example", "-newkey", "rsa:2048", "-sha256");
	selfSigned("legacy", "/CN=legacy.example", "-newkey", "rsa:2048", "-sha1");
	selfSigned("ed", "/CN=ed.example", "-newkey", "ed25519");
	selfSigned("ca", "/CN=Acme CA", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-sha256");
	openssl(
		"req",
		"-new",
		"-nodes",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-keyout",
		p("leaf.key"),
		"-out",
		p("leaf.csr"),
		"-subj",
		"/CN=leaf.example",
	);
	openssl(
		"x509",
		"-req",
		"-in",
		p("leaf.csr"),
		"-CA",
		p("ca.pem"),
		"-CAkey",
		p("ca.key"),
		"-CAcreateserial",
		"-out",
		p("leaf.pem"),
		"-days",
		"10",
		"-sha384",
	);
	openssl("x509", "-in", p("rsa.pem"), "-outform", "DER", "-out", p("rsa.der"));
	run("tar", "-cf", p("bundle.tar"), "-C", files.dir, "rsa.pem");
	run("tar", "-czf", p("outer.tgz"), "-C", files.dir, "bundle.tar");
	files.write("chain.pem", Buffer.concat([files.read("leaf.pem"), files.read("ca.pem")]));

	const ed = generateKeyPairSync("ed25519");
	files.write("ed-node.pub", ed.publicKey.export({ type: "spki", format: "pem" }));
	const encrypted = generateKeyPairSync("rsa", {
		modulusLength: 2048,
		publicKeyEncoding: { type: "spki", format: "pem" },
		privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: PASSPHRASE },
	});
	files.write("encrypted.key", encrypted.privateKey);
	files.write("client.ts", `// api client\nconst headers = {\n\tAuthorization: "Bearer ${TOKENS[0]}",\n};\n`);
	files.write("fixture.json", `{\n  "token": "${TOKENS[1]}"\n}\n`);

	for (const [path, name] of SCANNED) {
		const bytes = files.read(name);
		findings.push(...findingsOf(path, bytes));
		const text = bytes.toString("latin1");
		if (text.includes("-----BEGIN")) {
			secrets.push(...text.split("\n").filter((line) => line.length >= 16 && !line.startsWith("-----")));
		}
	}
	document = buildCbom(findings, {
		subject: { name: "acme/payments", version: "main", description: "sensor acme-payments" },
		timestamp: TIMESTAMP,
		serialNumber: SERIAL,
		toolVersion: "0.1.0",
	});
});

afterAll(() => files.remove());

/** The component a finding belongs to: its identity, plus the material type for keys. */
function expectedRef(finding: FindingInput): string {
	const type = (finding.crypto.key as { type?: string } | undefined)?.type;
	return finding.kind === "key" ? `${finding.identity}:${type}` : finding.identity;
}

function identityAt(path: string, kind: string, line?: number): string {
	const found = findings.filter(
		(finding) =>
			finding.observation.file.path === path &&
			finding.kind === kind &&
			(line === undefined || finding.observation.file.line === line),
	);
	if (found.length !== 1) throw new Error(`expected one ${kind} in ${path}, got ${found.length}`);
	return (found[0] as FindingInput).identity;
}

function ref(target: Json): string {
	return target["bom-ref"] as string;
}

describe("CBOM of discovery findings", () => {
	it("validates against the official CycloneDX 1.6 schema", async () => {
		// One finding per scanned file, two for the chain.
		expect(findings).toHaveLength(SCANNED.length + 1);
		expect(await validateCbom(document)).toEqual({ valid: true, errors: [] });
		expect(document).toMatchObject({
			bomFormat: "CycloneDX",
			specVersion: "1.6",
			serialNumber: SERIAL,
			version: 1,
			metadata: {
				timestamp: TIMESTAMP.toISOString(),
				tools: { components: [{ type: "application", name: "Sensorium", version: "0.1.0" }] },
				component: { type: "application", name: "acme/payments", version: "main" },
			},
		});
	});

	it("has one component per distinct asset, with every place it was seen", () => {
		const expected = new Map<string, { location: string; line?: number }[]>();
		for (const finding of findings) {
			const { path, line } = finding.observation.file;
			const places = expected.get(expectedRef(finding)) ?? [];
			places.push(line === null ? { location: path } : { location: path, line });
			expected.set(expectedRef(finding), places);
		}
		const observed = components(document).filter((c) => propertyValues(c, "sensorium:finding").length > 0);
		expect(observed.map(ref).sort()).toEqual([...expected.keys()].sort());
		for (const [bomRef, places] of expected) {
			places.sort((a, b) => a.location.localeCompare(b.location) || (a.line ?? 0) - (b.line ?? 0));
			expect(occurrences(component(document, bomRef)), bomRef).toEqual(places);
		}
		const rsa = componentOf(document, identityAt("certs/rsa.pem", "x509"));
		expect(occurrences(rsa)).toEqual([
			{ location: "certs/rsa.der" },
			{ location: "certs/rsa.pem", line: 1 },
			{ location: "dist/outer.tgz!bundle.tar!rsa.pem", line: 1 },
		]);
		expect(propertyValues(rsa, "sensorium:finding")).toHaveLength(3);
	});

	it("links each certificate to its signature algorithm and public key, and the key to its algorithm", () => {
		const cases = [
			{ path: "certs/rsa.pem", signature: "SHA256withRSA", oid: "1.2.840.113549.1.1.11", key: "RSA-2048" },
			{ path: "certs/legacy.pem", signature: "SHA1withRSA", oid: "1.2.840.113549.1.1.5", key: "RSA-2048" },
			{ path: "certs/ed.pem", signature: "Ed25519", oid: "1.3.101.112", key: "Ed25519" },
			{ path: "tls/chain.pem", line: 1, signature: "SHA384withECDSA", oid: "1.2.840.10045.4.3.3", key: "ECDSA P-256" },
		];
		for (const { path, line, signature, oid, key } of cases) {
			const certificate = componentOf(document, identityAt(path, "x509", line));
			const properties = crypto(certificate).certificateProperties ?? {};
			expect(crypto(certificate).assetType).toBe("certificate");
			expect(properties.certificateFormat).toBe("X.509");
			const signatureRef = properties.signatureAlgorithmRef as string;
			const keyRef = properties.subjectPublicKeyRef as string;
			const algorithm = component(document, signatureRef);
			expect(algorithm.name).toBe(signature);
			expect(crypto(algorithm)).toMatchObject({
				assetType: "algorithm",
				oid,
				algorithmProperties: { primitive: "signature" },
			});
			const publicKey = component(document, keyRef);
			const material = crypto(publicKey).relatedCryptoMaterialProperties;
			expect(material?.type).toBe("public-key");
			expect(component(document, material?.algorithmRef as string).name).toBe(key);
			expect(dependsOn(document, ref(certificate)).sort()).toEqual([signatureRef, keyRef].sort());
			expect(dependsOn(document, keyRef)).toContain(material?.algorithmRef);
		}
		expect(dependsOn(document, "crypto/algorithm/SHA256withRSA")).toEqual(["crypto/algorithm/SHA-256"]);
		expect(dependsOn(document, "crypto/algorithm/SHA384withECDSA")).toEqual(["crypto/algorithm/SHA-384"]);
		expect(crypto(component(document, "crypto/algorithm/SHA-256"))).toMatchObject({
			oid: "2.16.840.1.101.3.4.2.1",
			algorithmProperties: { primitive: "hash", parameterSetIdentifier: "256", cryptoFunctions: ["digest"] },
		});
	});

	it("shares one component per algorithm across assets", () => {
		const names = components(document)
			.filter((c) => crypto(c).assetType === "algorithm")
			.map((c) => c.name);
		expect(names.length).toBe(new Set(names).size);
		const rsa2048 = component(document, "crypto/algorithm/RSA-2048");
		expect(crypto(rsa2048)).toMatchObject({
			oid: "1.2.840.113549.1.1.1",
			algorithmProperties: {
				primitive: "pke",
				parameterSetIdentifier: "2048",
				classicalSecurityLevel: 112,
				nistQuantumSecurityLevel: 0,
			},
		});
		// The public keys of both RSA certificates, and rsa.key, the private half of one of them.
		const users = components(document).filter(
			(c) => crypto(c).relatedCryptoMaterialProperties?.algorithmRef === "crypto/algorithm/RSA-2048",
		);
		const rsaKey = identityAt("keys/rsa.key", "key");
		const legacyKey = crypto(componentOf(document, identityAt("certs/legacy.pem", "x509"))).certificateProperties;
		expect(users.map(ref).sort()).toEqual(
			[`${rsaKey}:private-key`, `${rsaKey}:public-key`, legacyKey?.subjectPublicKeyRef].sort(),
		);
		const p256 = components(document).filter((c) => c.name === "ECDSA P-256");
		expect(p256).toHaveLength(1);
		expect(crypto(p256[0] as Json).algorithmProperties).toMatchObject({ curve: "P-256", classicalSecurityLevel: 128 });
		expect(components(document).filter((c) => c.name === "ECDSA P-384")).toHaveLength(1);
	});

	it("gives a private key its own component, linked to the certificate's public key by fingerprint", () => {
		const identity = identityAt("keys/rsa.key", "key");
		const privateKey = componentOf(document, identity, "private-key");
		expect(ref(privateKey)).toBe(`${identity}:private-key`);
		expect(occurrences(privateKey)).toEqual([
			{ location: "deploy/rsa.key", line: 1 },
			{ location: "keys/rsa.key", line: 1 },
		]);
		const certificate = componentOf(document, identityAt("certs/rsa.pem", "x509"));
		const certificateProperties = crypto(certificate).certificateProperties ?? {};
		const publicKey = component(document, certificateProperties.subjectPublicKeyRef as string);
		expect(ref(publicKey)).toBe(`${identity}:public-key`);
		const material = crypto(privateKey).relatedCryptoMaterialProperties;
		expect(material).toMatchObject({
			type: "private-key",
			id: crypto(publicKey).relatedCryptoMaterialProperties?.id,
			algorithmRef: "crypto/algorithm/RSA-2048",
			size: 2048,
			format: "PKCS#8",
			securedBy: { mechanism: "None" },
			state: "active",
			expirationDate: certificateProperties.notValidAfter,
		});
		expect(material).not.toHaveProperty("value");
	});

	it("names the cipher protecting an encrypted key", () => {
		const encrypted = componentOf(document, identityAt("keys/encrypted.key", "key"));
		expect(crypto(encrypted).relatedCryptoMaterialProperties).toMatchObject({
			type: "private-key",
			format: "PKCS#8 encrypted",
			securedBy: { mechanism: "Software", algorithmRef: "crypto/algorithm/AES-256-CBC" },
		});
		expect(propertyValues(encrypted, "sensorium:key:kdf")).toEqual(["PBKDF2"]);
		expect(crypto(component(document, "crypto/algorithm/AES-256-CBC"))).toMatchObject({
			oid: "2.16.840.1.101.3.4.1.42",
			algorithmProperties: { primitive: "block-cipher", mode: "cbc", nistQuantumSecurityLevel: 5 },
		});
	});

	it("maps tokens to their JWS algorithm, shared with certificates where it is the same scheme", () => {
		const hmac = componentOf(document, identityAt("src/client.ts", "token"));
		expect(occurrences(hmac)).toEqual([{ location: "src/client.ts", line: 3 }]);
		expect(crypto(hmac).relatedCryptoMaterialProperties).toEqual({
			type: "token",
			algorithmRef: "crypto/algorithm/HMAC-SHA256",
		});
		expect(crypto(component(document, "crypto/algorithm/HMAC-SHA256")).algorithmProperties?.primitive).toBe("mac");
		expect(propertyValues(hmac, "sensorium:token:issuer")).toEqual(["https://auth.example"]);
		const rsa = componentOf(document, identityAt("test/fixture.json", "token"));
		expect(crypto(rsa).relatedCryptoMaterialProperties).toEqual({
			type: "token",
			algorithmRef: "crypto/algorithm/SHA256withRSA",
			expirationDate: new Date(1_900_000_000 * 1000).toISOString(),
		});
	});

	it("keeps the dependency graph consistent with the components", () => {
		const refs = components(document).map(ref);
		const dependencies = document.dependencies as { ref: string; dependsOn?: string[] }[];
		expect(dependencies.map((dependency) => dependency.ref).sort()).toEqual([...refs, "sensorium:subject"].sort());
		for (const dependency of dependencies)
			for (const target of dependency.dependsOn ?? []) expect(refs).toContain(target);
		const observed = components(document).filter((c) => propertyValues(c, "sensorium:finding").length > 0);
		expect(dependsOn(document, "sensorium:subject").sort()).toEqual(observed.map(ref).sort());
		for (const target of components(document)) {
			const properties = crypto(target);
			const pointers = [
				properties.certificateProperties?.signatureAlgorithmRef,
				properties.certificateProperties?.subjectPublicKeyRef,
				properties.relatedCryptoMaterialProperties?.algorithmRef,
				properties.relatedCryptoMaterialProperties?.securedBy?.algorithmRef,
			].filter((pointer) => pointer !== undefined);
			for (const pointer of pointers) expect(dependsOn(document, ref(target))).toContain(pointer);
		}
	});

	it("contains no key material, PEM, passphrase or token", () => {
		const serialised = JSON.stringify(document);
		expect(secrets.length).toBeGreaterThan(50);
		for (const secret of secrets) expect(serialised).not.toContain(secret);
		expect(serialised).not.toContain("-----BEGIN");
		// Fingerprints and serial numbers are hex; anything longer in the base64 alphabet would be material.
		expect(serialised).not.toMatch(/"(?=[A-Za-z0-9+/=]*[G-Zg-z+/])[A-Za-z0-9+/=]{40,}"/);
	});

	it("rejects a broken document with errors that say where and why", async () => {
		const broken = structuredClone(document);
		const [first, second] = components(broken) as [Json, Json];
		(first.cryptoProperties as Json).assetType = "crypto-asset";
		delete second.name;
		const result = await validateCbom(broken);
		expect(result.valid).toBe(false);
		expect(result.errors.join("\n")).toMatch(
			/^\/components\/\d+(\/cryptoProperties\/assetType: must be equal to one of the allowed values: "algorithm", "certificate", "protocol", "related-crypto-material"|: must have required property 'name')$/m,
		);

		const dangling = structuredClone(document);
		const rsa = componentOf(dangling, identityAt("certs/rsa.pem", "x509"));
		const keyRef = crypto(rsa).certificateProperties?.subjectPublicKeyRef as string;
		dangling.components = components(dangling).filter((c) => ref(c) !== keyRef);
		const danglingResult = await validateCbom(dangling);
		expect(danglingResult.valid).toBe(false);
		expect(danglingResult.errors).toContain(
			`/components/${components(dangling).indexOf(rsa)}/cryptoProperties/certificateProperties/subjectPublicKeyRef: ${JSON.stringify(keyRef)} is not the bom-ref of any component`,
		);
		expect(danglingResult.errors.some((error) => /^\/dependencies\/\d+\/ref: /.test(error))).toBe(true);

		expect(await validateCbom("not a BOM")).toMatchObject({ valid: false, errors: ["/: must be object"] });
	});
});
