import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Discovery, discover } from "../src/index.ts";

/** A scratch directory for CLI-generated fixtures; call `remove` in afterAll. */
export function scratch(prefix: string) {
	const dir = mkdtempSync(join(tmpdir(), `sensorium-discovery-${prefix}-`));
	return {
		dir,
		path: (name: string) => join(dir, name),
		write(name: string, content: string | Uint8Array): string {
			const path = join(dir, name);
			writeFileSync(path, content);
			return path;
		},
		read: (name: string) => readFileSync(join(dir, name)),
		text: (name: string) => readFileSync(join(dir, name), "latin1"),
		remove: () => rmSync(dir, { recursive: true, force: true }),
	};
}

export function openssl(...args: string[]): Buffer {
	return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
}

export function sshKeygen(...args: string[]): Buffer {
	return execFileSync("ssh-keygen", args, { stdio: ["ignore", "pipe", "pipe"] });
}

export function discoverText(path: string, text: string): Discovery[] {
	return discover(path, Buffer.from(text, "latin1"));
}

/** The single discovery in a result, failing loudly when there are none or several. */
export function only(found: Discovery[]): Discovery {
	if (found.length !== 1) throw new Error(`expected one discovery, got ${found.length}: ${JSON.stringify(found)}`);
	return found[0] as Discovery;
}

/** The attributes object under the discovery's kind, typed loosely for assertions. */
export function attributes(discovery: Discovery): Record<string, unknown> {
	return discovery.crypto[discovery.kind] as Record<string, unknown>;
}

/** Base64 body lines of a PEM, used to assert no finding ever echoes key material. */
export function pemBodyLines(pem: string): string[] {
	return pem.split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith("-----") && !line.includes(":"));
}

/** keytool and jarsigner from the JDK on the machine; their warnings about proprietary formats are discarded. */
export function keytool(...args: string[]): Buffer {
	return execFileSync("keytool", args, { stdio: ["ignore", "pipe", "pipe"] });
}

export function jarsigner(...args: string[]): Buffer {
	return execFileSync("jarsigner", args, { stdio: ["ignore", "pipe", "pipe"] });
}

export function hasCommand(command: string): boolean {
	try {
		execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

/** SHA-256 hex, as identities and fingerprints are written. */
export function sha256(data: Uint8Array): string {
	return createHash("sha256").update(data).digest("hex");
}
