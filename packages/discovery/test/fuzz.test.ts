import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverDetailed } from "../src/index.ts";
import { keytool, openssl, scratch, sshKeygen } from "./helpers.ts";
import { zipArchive } from "./zip-writer.ts";

/**
 * Property: nothing throws out of discoverDetailed, and every input finishes within a bound, whatever the bytes:
 * random, truncated, bit-flipped or with bytes inserted into valid fixtures of every supported format, and deep
 * nesting. Seeded, so CI is repeatable; FUZZ_RUNS=10000 (and FUZZ_SEED) for a longer hunt.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const BOUND_MS = 2_000;
const dir = scratch("fuzz");
const fixtures = new Map<string, Buffer>();

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-days",
		"30",
		"-keyout",
		dir.path("ec.key"),
		"-out",
		dir.path("ec.pem"),
		"-subj",
		"/CN=fuzz",
	);
	openssl("x509", "-in", dir.path("ec.pem"), "-outform", "DER", "-out", dir.path("ec.der"));
	openssl(
		"pkcs12",
		"-export",
		"-in",
		dir.path("ec.pem"),
		"-inkey",
		dir.path("ec.key"),
		"-passout",
		"pass:changeit",
		"-out",
		dir.path("store.p12"),
	);
	openssl("crl2pkcs7", "-nocrl", "-certfile", dir.path("ec.pem"), "-out", dir.path("bundle.p7b"));
	openssl("ec", "-in", dir.path("ec.key"), "-aes256", "-passout", "pass:secret", "-out", dir.path("legacy.key"));
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
		"EC",
		"-dname",
		"CN=fuzz",
		"-validity",
		"30",
	);
	sshKeygen("-q", "-t", "ed25519", "-N", "", "-C", "fuzz", "-f", dir.path("id_ed25519"));
	const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
	const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
	const payload = Buffer.from(JSON.stringify({ sub: "fuzz", iat: 1 })).toString("base64url");
	const jwt = `${header}.${payload}.${Buffer.alloc(32, 7).toString("base64url")}`;
	const files: Record<string, Buffer> = {
		"cert.pem": dir.read("ec.pem"),
		"cert.der": dir.read("ec.der"),
		"store.p12": dir.read("store.p12"),
		"bundle.p7b": dir.read("bundle.p7b"),
		"legacy.key": dir.read("legacy.key"),
		"store.jks": dir.read("store.jks"),
		id_ed25519: dir.read("id_ed25519"),
		"id_ed25519.pub": dir.read("id_ed25519.pub"),
		"rsa.pem": Buffer.from(rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string),
		"rsa.der": rsa.privateKey.export({ type: "pkcs8", format: "der" }) as Buffer,
		"token.env": Buffer.from(`TOKEN=${jwt}\n`),
	};
	for (const [name, bytes] of Object.entries(files)) fixtures.set(name, bytes);
	const members = Object.entries(files).map(([name, data]) => ({ name, data }));
	fixtures.set("all.zip", zipArchive(members));
	execFileSync("tar", ["-cf", dir.path("all.tar"), "-C", dir.dir, "ec.pem", "store.jks", "id_ed25519"]);
	fixtures.set("all.tar", dir.read("all.tar"));
	fixtures.set("all.tgz", gzipSync(dir.read("all.tar")));
});

afterAll(() => dir.remove());

/** Runs discovery and fails the property if it throws or takes too long. */
function survives(name: string, bytes: Uint8Array): boolean {
	const started = performance.now();
	const report = discoverDetailed(name, bytes, { maxFileBytes: 4 * 1024 * 1024 });
	const took = performance.now() - started;
	if (took > BOUND_MS) throw new Error(`${name}: ${Math.round(took)} ms (bound ${BOUND_MS} ms)`);
	return Array.isArray(report.discoveries) && Array.isArray(report.diagnostics);
}

const mutation = fc.oneof(
	fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
	fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
	fc.record({
		kind: fc.constant("insert" as const),
		at: fc.nat(),
		bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
	}),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(bytes: Buffer, change: Mutation): Buffer {
	const at = bytes.length === 0 ? 0 : change.at % bytes.length;
	if (change.kind === "truncate") return bytes.subarray(0, at);
	if (change.kind === "insert") return Buffer.concat([bytes.subarray(0, at), change.bytes, bytes.subarray(at)]);
	const copy = Buffer.from(bytes);
	copy[at] = (copy[at] as number) ^ (1 << change.bit);
	return copy;
}

const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };

describe("discoverDetailed never throws", { timeout: 120_000 }, () => {
	it("on random bytes, also behind each format's magic numbers", () => {
		const magics = [
			[],
			[0x30, 0x82],
			[0xfe, 0xed, 0xfe, 0xed],
			[0xce, 0xce, 0xce, 0xce],
			[0x50, 0x4b, 3, 4],
			[0x1f, 0x8b, 8],
			[...Buffer.from("-----BEGIN CERTIFICATE-----\n")],
			[...Buffer.from("openssh-key-v1\0")],
			[...Buffer.from("eyJhbGciOiJIUzI1NiJ9.")],
		];
		fc.assert(
			fc.property(
				fc.constantFrom(...magics),
				fc.uint8Array({ maxLength: 4096 }),
				fc.constantFrom("x", "a.jar", "b.p12", "c.pem", "d.tgz"),
				(magic, rest, name) => survives(name, Buffer.concat([Buffer.from(magic), rest])),
			),
			params,
		);
	});

	it("on truncated, bit-flipped and padded copies of every supported format", () => {
		const names = [...fixtures.keys()];
		fc.assert(
			fc.property(fc.constantFrom(...names), fc.array(mutation, { minLength: 1, maxLength: 3 }), (name, changes) => {
				const bytes = changes.reduce((current, change) => mutate(current, change), fixtures.get(name) as Buffer);
				return survives(name, bytes);
			}),
			{ ...params, numRuns: RUNS * 4 },
		);
	});

	it("on every truncation length class of every fixture", () => {
		for (const [name, bytes] of fixtures) {
			for (const length of new Set([
				0,
				1,
				2,
				3,
				4,
				8,
				16,
				31,
				32,
				33,
				64,
				127,
				128,
				255,
				256,
				1023,
				bytes.length - 1,
			])) {
				if (length >= 0 && length <= bytes.length) expect(survives(name, bytes.subarray(0, length))).toBe(true);
			}
		}
	});

	it("on deep nesting: archives inside archives beyond the depth limit, and gzip inside gzip", () => {
		let zip = fixtures.get("cert.pem") as Buffer;
		let gz = zip;
		for (let level = 0; level < 12; level++) {
			zip = zipArchive([{ name: `level${level}.zip`, data: zip }]);
			gz = gzipSync(gz);
		}
		const nested = discoverDetailed("deep.zip", zip);
		expect(nested.diagnostics).toEqual([]);
		expect(nested.warnings.some((w) => w.includes("archiveDepth"))).toBe(true);
		expect(survives("deep.gz", gz)).toBe(true);
	});

	it("reports no internal error on damaged inputs: only unreadable blocks, never an exception class", () => {
		const classes = new Set<string>();
		fc.assert(
			fc.property(fc.constantFrom(...fixtures.keys()), mutation, (name, change) => {
				const report = discoverDetailed(name, mutate(fixtures.get(name) as Buffer, change));
				for (const diagnostic of report.diagnostics) classes.add(diagnostic.errorClass);
				return true;
			}),
			{ ...params, numRuns: RUNS * 4 },
		);
		expect([...classes].filter((name) => name !== "UnreadableBlock")).toEqual([]);
	});
});
