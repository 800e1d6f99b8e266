import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../src/index.ts";
import { discoverText, only, openssl, scratch } from "./helpers.ts";

const fixtures = scratch("decoys");
let certPem = "";

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		fixtures.path("k"),
		"-out",
		fixtures.path("c"),
		"-subj",
		"/CN=real",
		"-days",
		"30",
	);
	certPem = fixtures.text("c");
});

afterAll(() => fixtures.remove());

const armour = (label: string, body: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
const wrap = (bytes: Buffer) => bytes.toString("base64").replace(/.{64}/g, "$&\n").trimEnd();

describe("decoys produce no findings", () => {
	it("the real certificate is found (control)", () => {
		expect(discoverText("c.pem", certPem)).toHaveLength(1);
	});

	it("truncated PEM: END marker missing, or body cut", () => {
		const withoutEnd = certPem.replace(/-----END CERTIFICATE-----\n?$/, "");
		expect(discoverText("no-end.pem", withoutEnd)).toEqual([]);
		const lines = certPem.trimEnd().split("\n");
		const cut = [...lines.slice(0, 5), ...lines.slice(9)].join("\n");
		expect(discoverText("cut.pem", cut)).toEqual([]);
		const half = [...lines.slice(0, lines.length / 2), lines.at(-1)].join("\n");
		expect(discoverText("half.pem", half)).toEqual([]);
	});

	it("random base64 under every label", () => {
		const labels = [
			"CERTIFICATE",
			"TRUSTED CERTIFICATE",
			"PRIVATE KEY",
			"ENCRYPTED PRIVATE KEY",
			"RSA PRIVATE KEY",
			"EC PRIVATE KEY",
			"DSA PRIVATE KEY",
			"PUBLIC KEY",
			"RSA PUBLIC KEY",
			"OPENSSH PRIVATE KEY",
			"PKCS7",
		];
		for (const label of labels) {
			for (const size of [48, 600, 1200]) {
				expect(discoverText("random.pem", armour(label, wrap(randomBytes(size)))), label).toEqual([]);
			}
		}
	});

	it("BEGIN markers in prose and comments", () => {
		const prose = [
			"Paste the block that starts with -----BEGIN CERTIFICATE----- into the field.",
			"// The key sits between -----BEGIN PRIVATE KEY----- and -----END PRIVATE KEY----- markers.",
			"# grep for '-----BEGIN RSA PRIVATE KEY-----' to find old keys",
			'if (pem.startsWith("-----BEGIN CERTIFICATE-----")) return parse(pem);',
			"const re = /-----BEGIN ([A-Z ]+)-----[\\s\\S]+?-----END \\1-----/;",
		];
		for (const text of prose) expect(discoverText("notes.ts", text), text).toEqual([]);
		expect(discoverText("all.ts", prose.join("\n"))).toEqual([]);
	});

	it("placeholder keys and templates", () => {
		const placeholders = [
			armour("PRIVATE KEY", "..."),
			armour("RSA PRIVATE KEY", "<your key here>"),
			armour("CERTIFICATE", "MIIB..."),
			armour("CERTIFICATE", "MIIBxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
			armour("EC PRIVATE KEY", "{{ .Values.tls.key }}"),
			armour("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAA"),
			'"-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----"',
		];
		for (const text of placeholders) expect(discoverText("example.env", text), text).toEqual([]);
	});

	it("mismatched labels and content under the wrong label", () => {
		const body = certPem.split("\n").slice(1, -2).join("\n");
		expect(discoverText("mixed.pem", `-----BEGIN CERTIFICATE-----\n${body}\n-----END PRIVATE KEY-----\n`)).toEqual([]);
		expect(discoverText("wrong.pem", armour("PUBLIC KEY", body))).toEqual([]);
		expect(discoverText("wrong.pem", armour("PRIVATE KEY", body))).toEqual([]);
	});

	it("algorithm names in prose", () => {
		const text = "We moved from RSA-1024 to RSA 4096 and ECDSA P-256; ssh-rsa and ssh-ed25519 keys live in vault.";
		expect(discoverText("README.md", text)).toEqual([]);
	});

	it("a DER ECDSA signature is two INTEGERs but not an RSA public key", () => {
		const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
		const signature = sign("sha256", Buffer.from("message"), privateKey);
		expect(discover("sig.der", signature)).toEqual([]);
	});

	it("a DER DigestInfo is a SEQUENCE and an OCTET STRING but not an encrypted key", () => {
		const sha256 = Buffer.from("300d06096086480165030402010500", "hex");
		const digest = Buffer.concat([Buffer.from([0x04, 0x20]), randomBytes(32)]);
		const digestInfo = Buffer.concat([Buffer.from([0x30, sha256.length + digest.length]), sha256, digest]);
		expect(discover("digest.der", digestInfo)).toEqual([]);
	});

	it("a cut DER private key", () => {
		const der = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "der" });
		expect(discover("key.der", der.subarray(0, 600))).toEqual([]);
		expect(only(discover("key.der", der)).kind).toBe("key");
	});
});

describe("adversarial input", () => {
	it("stays linear on inputs built to make regexes backtrack", () => {
		const size = 300_000;
		const inputs = {
			quotes: armour("CERTIFICATE", `${'"'.repeat(size)}x`),
			spaces: armour("CERTIFICATE", `"${" ".repeat(size)}x`),
			"plus signs": armour("CERTIFICATE", `"${" +".repeat(size / 2)}x`),
			"comment run": `${"#".repeat(size)} x -----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
			"unmatched BEGINs": "-----BEGIN CERTIFICATE-----\n".repeat(size / 30),
			"dotted eyJ": `${"eyJ.".repeat(size / 4)}`,
			"glued eyJ": "eyJ".repeat(size / 3),
			"SQL BEGIN": "BEGIN TRANSACTION; COMMIT;\n".repeat(size / 28),
			"long ssh blob": `ssh-rsa AAAAB3NzaC1yc2E${"A".repeat(size)}`,
		};
		for (const [name, text] of Object.entries(inputs)) {
			const started = performance.now();
			expect(discoverText("evil.txt", text), name).toEqual([]);
			expect(performance.now() - started, name).toBeLessThan(1_000);
		}
	});
});
