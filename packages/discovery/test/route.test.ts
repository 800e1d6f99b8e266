import { createHmac, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as api from "../src/index.ts";
import { DETECTOR_VERSION, discover } from "../src/index.ts";
import { attributes, discoverText, only, openssl, scratch, sshKeygen } from "./helpers.ts";

const fixtures = scratch("route");
let certPem = "";
let certDer: Buffer = Buffer.alloc(0);
let sshPub = "";

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		fixtures.path("k"),
		"-out",
		fixtures.path("c"),
		"-subj",
		"/CN=route",
		"-days",
		"30",
	);
	certPem = fixtures.text("c");
	certDer = openssl("x509", "-in", fixtures.path("c"), "-outform", "DER");
	sshKeygen("-q", "-t", "ed25519", "-N", "", "-f", fixtures.path("id"));
	sshPub = fixtures.text("id.pub").trim();
});

afterAll(() => fixtures.remove());

const b64url = (value: string) => Buffer.from(value).toString("base64url");

function jwt(): string {
	const input = `${b64url('{"alg":"HS512"}')}.${b64url('{"iss":"route"}')}`;
	return `${input}.${createHmac("sha512", "k").update(input).digest("base64url")}`;
}

describe("public API", () => {
	it("exports exactly discover, discoverDetailed, DETECTOR_VERSION and DEFAULT_KEYSTORE_PASSWORDS", () => {
		expect(Object.keys(api).sort()).toEqual([
			"DEFAULT_KEYSTORE_PASSWORDS",
			"DETECTOR_VERSION",
			"discover",
			"discoverDetailed",
		]);
		expect(api.DEFAULT_KEYSTORE_PASSWORDS).toEqual([
			"changeit",
			"",
			"changeme",
			"password",
			"secret",
			"keystore",
			"123456",
		]);
		expect(Object.isFrozen(api.DEFAULT_KEYSTORE_PASSWORDS)).toBe(true);
		expect(DETECTOR_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
	});

	it("every discovery has exactly one crypto key, equal to its kind", () => {
		const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" });
		const source = [`const cert = ${JSON.stringify(certPem)};`, key.toString(), `auth = "${jwt()}"`, sshPub].join("\n");
		const found = discoverText("mixed.ts", source);
		expect(found.map((d) => d.kind)).toEqual(["x509", "key", "token", "key"]);
		for (const discovery of found) expect(Object.keys(discovery.crypto)).toEqual([discovery.kind]);
	});
});

describe("routing", () => {
	it("accepts a plain Uint8Array view into a larger buffer", () => {
		const backing = new Uint8Array(certDer.length + 32);
		backing.set(certDer, 16);
		const view = new Uint8Array(backing.buffer, 16, certDer.length);
		expect(only(discover("cert.der", view)).identity).toBe(only(discover("cert.pem", Buffer.from(certPem))).identity);
	});

	it("skips empty files and files over maxFileBytes", () => {
		expect(discover("empty.pem", new Uint8Array(0))).toEqual([]);
		const bytes = Buffer.from(certPem);
		expect(discover("c.pem", bytes, { maxFileBytes: bytes.length - 1 })).toEqual([]);
		expect(discover("c.pem", bytes, { maxFileBytes: bytes.length })).toHaveLength(1);
	});

	it("sends files with a NUL in the first 8 KB to the DER parsers only", () => {
		const early = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.alloc(100, 1), Buffer.from(certPem)]);
		expect(discover("app.bin", early)).toEqual([]);
		const late = Buffer.concat([Buffer.alloc(9000, 0x20), Buffer.from([0]), Buffer.from(`\n${certPem}`)]);
		expect(discover("app.log", late)).toHaveLength(1);
	});

	it("de-duplicates by identity and line but keeps repeats on other lines", () => {
		const literal = JSON.stringify(certPem);
		expect(discoverText("one-line.json", `[${literal}, ${literal}]`)).toHaveLength(1);
		expect(discoverText("two-lines.json", `[${literal},\n${literal}]`).map((d) => d.line)).toEqual([1, 2]);
	});

	it("returns findings in file order with correct lines across detectors", () => {
		const token = jwt();
		const source = `line one\n${sshPub}\n\n# cert\n${certPem}token: ${token}\n`;
		expect(discoverText("notes.txt", source).map((d) => [d.kind, d.line])).toEqual([
			["key", 2],
			["x509", 5],
			["token", 5 + certPem.split("\n").length - 1],
		]);
	});

	it("hands out fresh objects, so a caller mutating one result cannot affect another", () => {
		const first = only(discover("a.pem", Buffer.from(certPem)));
		attributes(first).subject = "tampered";
		(attributes(first).publicKey as Record<string, unknown>).algorithm = "tampered";
		const second = only(discover("b.pem", Buffer.from(certPem)));
		expect(attributes(second).subject).toBe("CN=route");
		expect(attributes(second).publicKey).toMatchObject({ algorithm: "EC" });
	});
});
