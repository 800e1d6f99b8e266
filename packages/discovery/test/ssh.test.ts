import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discover } from "../src/index.ts";
import { attributes, discoverText, only, pemBodyLines, scratch, sshKeygen } from "./helpers.ts";

const PASSPHRASE = "open sesame";
const fixtures = scratch("ssh");

interface SshCase {
	file: string;
	keygen: string[];
	shape: { algorithm: string; size: number; curve?: string };
	sshType: string;
	encrypted: boolean;
}

const CASES: SshCase[] = [
	{
		file: "id_rsa",
		keygen: ["-t", "rsa", "-b", "2048"],
		shape: { algorithm: "RSA", size: 2048 },
		sshType: "ssh-rsa",
		encrypted: false,
	},
	{
		file: "id_rsa_enc",
		keygen: ["-t", "rsa", "-b", "3072"],
		shape: { algorithm: "RSA", size: 3072 },
		sshType: "ssh-rsa",
		encrypted: true,
	},
	{
		file: "id_ed25519",
		keygen: ["-t", "ed25519"],
		shape: { algorithm: "Ed25519", size: 256 },
		sshType: "ssh-ed25519",
		encrypted: false,
	},
	{
		file: "id_ed25519_enc",
		keygen: ["-t", "ed25519"],
		shape: { algorithm: "Ed25519", size: 256 },
		sshType: "ssh-ed25519",
		encrypted: true,
	},
	{
		file: "id_ecdsa256",
		keygen: ["-t", "ecdsa", "-b", "256"],
		shape: { algorithm: "EC", size: 256, curve: "P-256" },
		sshType: "ecdsa-sha2-nistp256",
		encrypted: false,
	},
	{
		file: "id_ecdsa384",
		keygen: ["-t", "ecdsa", "-b", "384"],
		shape: { algorithm: "EC", size: 384, curve: "P-384" },
		sshType: "ecdsa-sha2-nistp384",
		encrypted: true,
	},
	{
		file: "id_ecdsa521",
		keygen: ["-t", "ecdsa", "-b", "521"],
		shape: { algorithm: "EC", size: 521, curve: "P-521" },
		sshType: "ecdsa-sha2-nistp521",
		encrypted: false,
	},
	{
		file: "id_dsa",
		keygen: ["-t", "dsa"],
		shape: { algorithm: "DSA", size: 1024 },
		sshType: "ssh-dss",
		encrypted: false,
	},
];

beforeAll(() => {
	for (const { file, keygen, encrypted } of CASES) {
		sshKeygen("-q", ...keygen, "-N", encrypted ? PASSPHRASE : "", "-C", `${file}@test`, "-f", fixtures.path(file));
	}
});

/**
 * The expected key identity, computed independently of the code under test: ssh-keygen's own PKCS#8 export,
 * or for Ed25519 (which ssh-keygen cannot export) Node's SPKI export of the raw key in the .pub blob.
 */
function expectedFingerprint(file: string): string {
	const blob = Buffer.from(fixtures.text(`${file}.pub`).split(" ")[1] ?? "", "base64");
	const key = blob.includes(Buffer.from("ssh-ed25519"))
		? createPublicKey({
				key: { kty: "OKP", crv: "Ed25519", x: blob.subarray(-32).toString("base64url") },
				format: "jwk",
			})
		: createPublicKey(sshKeygen("-e", "-m", "PKCS8", "-f", fixtures.path(`${file}.pub`)));
	return createHash("sha256")
		.update(key.export({ type: "spki", format: "der" }))
		.digest("hex");
}

afterAll(() => fixtures.remove());

/** `ssh-keygen -l` prints "<bits> SHA256:<base64> <comment> (<type>)". */
function keygenFingerprint(file: string): string {
	return (
		sshKeygen("-l", "-E", "sha256", "-f", fixtures.path(`${file}.pub`))
			.toString()
			.split(" ")[1] ?? ""
	);
}

describe("OpenSSH private keys", () => {
	it("reports type, size, encryption and both fingerprints, with the identity of the same key as SPKI", () => {
		for (const { file, shape, sshType, encrypted } of CASES) {
			const text = fixtures.text(file);
			expect(text).toContain("BEGIN OPENSSH PRIVATE KEY");
			const found = only(discover(file, fixtures.read(file)));
			const fingerprint = expectedFingerprint(file);
			expect(found.identity, file).toBe(`key:${fingerprint}`);
			expect(found.line).toBe(1);
			expect(attributes(found), file).toEqual({
				type: "private-key",
				...shape,
				format: "openssh",
				encoding: "pem",
				encrypted,
				fingerprintSha256: fingerprint,
				sshFingerprint: keygenFingerprint(file),
				sshType,
				...(encrypted ? { cipher: "aes256-ctr", kdf: "bcrypt", kdfIterations: 16 } : {}),
			});
			expect(JSON.stringify(found)).not.toContain(pemBodyLines(text)[2]);
		}
	});

	it("rejects an unencrypted key whose check integers disagree", () => {
		const text = fixtures.text("id_ed25519");
		const body = Buffer.from(pemBodyLines(text).join(""), "base64");
		const armour = (bytes: Buffer) =>
			`-----BEGIN OPENSSH PRIVATE KEY-----\n${bytes.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
		expect(discoverText("id_rewrapped", armour(body))).toHaveLength(1);
		// The private section follows the public key blob; its first two uint32s are the check integers.
		const section = body.indexOf(Buffer.from("ssh-ed25519"), body.indexOf(Buffer.from("ssh-ed25519")) + 1) - 12;
		body[section] = (body[section] ?? 0) ^ 0xff;
		expect(discoverText("id_tampered", armour(body))).toEqual([]);
	});

	it("identifies keys of types without an SPKI form by their blob", () => {
		const sshString = (value: Buffer | string) => {
			const bytes = Buffer.from(value);
			const length = Buffer.alloc(4);
			length.writeUInt32BE(bytes.length);
			return Buffer.concat([length, bytes]);
		};
		const blob = Buffer.concat([sshString("ssh-future@example.com"), sshString(Buffer.alloc(48, 7))]);
		const check = Buffer.from([1, 2, 3, 4, 1, 2, 3, 4]);
		const body = Buffer.concat([
			Buffer.from("openssh-key-v1\0", "latin1"),
			sshString("none"),
			sshString("none"),
			sshString(""),
			Buffer.from([0, 0, 0, 1]),
			sshString(blob),
			sshString(Buffer.concat([check, Buffer.alloc(8)])),
		]);
		const text = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
		const found = only(discoverText("id_future", text));
		expect(found.identity).toBe(`key:ssh:${createHash("sha256").update(blob).digest("hex")}`);
		expect(attributes(found)).toMatchObject({
			type: "private-key",
			algorithm: "unknown",
			sshType: "ssh-future@example.com",
		});
	});
});

describe("SSH public key lines", () => {
	it("reads .pub files with the same identity as the private key", () => {
		for (const { file, shape, sshType } of CASES) {
			const found = only(discover(`${file}.pub`, fixtures.read(`${file}.pub`)));
			expect(found.identity, file).toBe(only(discover(file, fixtures.read(file))).identity);
			expect(attributes(found), file).toMatchObject({
				type: "public-key",
				...shape,
				format: "ssh-public",
				encoding: "ssh",
				encrypted: false,
				sshFingerprint: keygenFingerprint(file),
				sshType,
			});
		}
	});

	it("finds keys in authorized_keys with options, known_hosts entries and source strings, at their lines", () => {
		const pub = (file: string) => fixtures.text(`${file}.pub`).trim();
		const authorizedKeys = [
			"# deploy keys",
			`command="/usr/bin/backup",no-pty,no-port-forwarding ${pub("id_ed25519")}`,
			"",
			`from="10.0.0.0/8" ${pub("id_ecdsa256")}`,
		].join("\n");
		expect(discoverText("authorized_keys", authorizedKeys).map((d) => d.line)).toEqual([2, 4]);
		const knownHosts = `github.com,140.82.121.4 ${pub("id_rsa").split(" ").slice(0, 2).join(" ")}\n`;
		expect(only(discoverText("known_hosts", knownHosts)).identity).toBe(
			only(discover("id_rsa", fixtures.read("id_rsa"))).identity,
		);
		const source = `package main\n\nconst deployKey = "${pub("id_dsa")}"\n`;
		expect(only(discoverText("keys.go", source)).line).toBe(3);
	});

	it("supports FIDO security-key types", () => {
		const raw = Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x ?? "", "base64url");
		const sshString = (value: Buffer | string) => {
			const bytes = Buffer.from(value);
			const length = Buffer.alloc(4);
			length.writeUInt32BE(bytes.length);
			return Buffer.concat([length, bytes]);
		};
		const type = "sk-ssh-ed25519@openssh.com";
		const blob = Buffer.concat([sshString(type), sshString(raw), sshString("ssh:")]);
		const found = only(discoverText("id_sk.pub", `${type} ${blob.toString("base64")} me@yubikey\n`));
		expect(attributes(found)).toMatchObject({ algorithm: "Ed25519", sshType: type, format: "ssh-public" });
	});

	it("ignores type names followed by base64 that is not a key of that type", () => {
		const rsaBlob = fixtures.text("id_rsa.pub").split(" ")[1] ?? "";
		const decoys = [
			"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDnotreallyakeyjustletters user@host",
			`ssh-ed25519 ${rsaBlob} mismatched-type`,
			`ssh-rsa ${rsaBlob.slice(0, 120)} truncated`,
			"Use ssh-keygen -t ed25519 to create ssh-ed25519 keys; ssh-rsa is legacy.",
			`xssh-rsa ${rsaBlob} glued-to-a-word`,
		];
		for (const decoy of decoys) expect(discoverText("notes.md", decoy), decoy).toEqual([]);
	});
});
