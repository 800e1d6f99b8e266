import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../src/index.ts";
import { keytool, openssl, scratch, sshKeygen } from "./helpers.ts";
import { zipArchive } from "./zip-writer.ts";

/**
 * The recall corpus: every format, each as a plain file, inside an archive nested twice
 * (zip in a war in a zip) and, for the text formats, as a string literal in source code.
 * Every asset must be found in every form, with the same identity; decoys must yield nothing.
 */
const dir = scratch("recall");
interface Sample {
	name: string;
	file: string;
	bytes: Buffer;
	/** Text formats can also hide in source code. */
	text: boolean;
}
const samples: Sample[] = [];
let identities = new Map<string, Set<string>>();

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		dir.path("ca.key"),
		"-out",
		dir.path("ca.pem"),
		"-days",
		"30",
		"-subj",
		"/CN=Recall CA",
	);
	openssl("x509", "-in", dir.path("ca.pem"), "-outform", "DER", "-out", dir.path("ca.der"));
	const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
	const ec = generateKeyPairSync("ec", { namedCurve: "P-384" });
	const ed = generateKeyPairSync("ed25519");
	sshKeygen("-q", "-t", "ed25519", "-N", "", "-C", "recall", "-f", dir.path("id_ed25519"));
	keytool(
		"-genkeypair",
		"-keystore",
		dir.path("store.jks"),
		"-storetype",
		"JKS",
		"-storepass",
		"changeit",
		"-keypass",
		"changeit",
		"-alias",
		"a",
		"-keyalg",
		"RSA",
		"-keysize",
		"2048",
		"-dname",
		"CN=jks.recall",
		"-validity",
		"30",
	);
	openssl(
		"pkcs12",
		"-export",
		"-in",
		dir.path("ca.pem"),
		"-inkey",
		dir.path("ca.key"),
		"-out",
		dir.path("store.p12"),
		"-passout",
		"pass:changeit",
	);
	const enc = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
	const jwt = `${enc({ alg: "RS256", typ: "JWT" })}.${enc({ iss: "recall", sub: "user-1", exp: 1893456000 })}.${randomBytes(256).toString("base64url")}`;
	const add = (name: string, file: string, bytes: Buffer | string, text: boolean) =>
		samples.push({ name, file, bytes: Buffer.from(bytes), text });
	add("certificate PEM", "ca.pem", dir.read("ca.pem"), true);
	add("certificate DER", "ca.der", dir.read("ca.der"), false);
	add("RSA PKCS#1 key", "rsa1.key", rsa.privateKey.export({ type: "pkcs1", format: "pem" }), true);
	add("RSA PKCS#8 key", "rsa8.key", rsa.privateKey.export({ type: "pkcs8", format: "pem" }), true);
	add(
		"encrypted PKCS#8 key",
		"enc.key",
		rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw-recall" }),
		true,
	);
	add("EC SEC1 key", "ec.key", ec.privateKey.export({ type: "sec1", format: "pem" }), true);
	add("Ed25519 PKCS#8 DER key", "ed.der", ed.privateKey.export({ type: "pkcs8", format: "der" }), false);
	add("SPKI public key", "pub.pem", ec.publicKey.export({ type: "spki", format: "pem" }), true);
	add("OpenSSH private key", "id_ed25519", dir.read("id_ed25519"), true);
	add("SSH public key", "id_ed25519.pub", dir.read("id_ed25519.pub"), true);
	add("JWT", "token.txt", `token=${jwt}\n`, true);
	add("JKS keystore", "store.jks", dir.read("store.jks"), false);
	add("PKCS#12 keystore", "store.p12", dir.read("store.p12"), false);
	identities = new Map(samples.map((s) => [s.name, new Set(discover(s.file, s.bytes).map((d) => d.identity))]));
});
afterAll(() => dir.remove());

describe("recall corpus", () => {
	it("finds every format as a plain file", () => {
		for (const sample of samples) expect(identities.get(sample.name)?.size, sample.name).toBeGreaterThan(0);
	});

	it("finds every format inside an archive nested twice, located by its member chain", () => {
		const inner = zipArchive(samples.map((s) => ({ name: `assets/${s.file}`, data: s.bytes })));
		const war = zipArchive([{ name: "WEB-INF/lib/assets.jar", data: inner }]);
		const outer = zipArchive([{ name: "app.war", data: war }]);
		const found = discover("release.zip", outer);
		for (const sample of samples) {
			const member = `app.war!WEB-INF/lib/assets.jar!assets/${sample.file}`;
			const here = new Set(found.filter((d) => d.member === member).map((d) => d.identity));
			expect(here, sample.name).toEqual(identities.get(sample.name));
		}
	});

	it("finds every text format embedded in source code as a string literal", () => {
		for (const sample of samples.filter((s) => s.text)) {
			const literal = JSON.stringify(sample.bytes.toString("utf8"));
			const source = `package recall;\n\nclass Fixture {\n  static final String VALUE = ${literal};\n}\n`;
			const found = new Set(discover("src/Fixture.java", Buffer.from(source)).map((d) => d.identity));
			for (const identity of identities.get(sample.name) ?? []) expect(found, sample.name).toContain(identity);
		}
	});

	it("reports nothing for the decoy set", () => {
		const decoys: [string, string][] = [
			["placeholder.pem", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"],
			["your-key.pem", "-----BEGIN RSA PRIVATE KEY-----\n<your key here>\n-----END RSA PRIVATE KEY-----\n"],
			["truncated.pem", `-----BEGIN CERTIFICATE-----\n${dir.text("ca.pem").split("\n").slice(1, 6).join("\n")}\n`],
			[
				"noise.pem",
				`-----BEGIN CERTIFICATE-----\n${Buffer.alloc(600, 9).toString("base64")}\n-----END CERTIFICATE-----\n`,
			],
			["prose.md", "We rotate RSA keys yearly; a PEM starts with -----BEGIN CERTIFICATE----- and a JWT with eyJ.\n"],
			["notjwt.txt", "eyJhbGciOiJub3RqcyIsfQ.eyJub3QiOiJqc29uIn0.abcdefghij\n"],
			["random.bin", Buffer.alloc(4096, 0xa5).toString("latin1")],
		];
		for (const [name, content] of decoys) expect(discover(name, Buffer.from(content, "latin1")), name).toEqual([]);
	});
});
