/**
 * The archive-heavy corpus of the scan benchmark: release zips holding wars holding jars (zip CLI), with signature
 * blocks, PEM resources and keystores inside some jars, and the same content extracted once, since ripgrep
 * cannot look inside archives.
 */
import { execFileSync } from "node:child_process";
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
	writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { seededText } from "@sensorium/testing";

export const ARCHIVE_CORPUS = join(tmpdir(), "sensorium-bench-archives");
export const RELEASES = join(ARCHIVE_CORPUS, "releases");
export const EXTRACTED = join(ARCHIVE_CORPUS, "extracted");
const COMPLETE_MARKER = join(ARCHIVE_CORPUS, ".complete");
const STAGING = join(ARCHIVE_CORPUS, "staging");

const DISTINCT_JARS = 24;
const CLASSES_PER_JAR = 120;
const WARS = 40;
const JARS_PER_WAR = 6;
const CLASSES_PER_WAR = 30;
const RELEASE_COUNT = 20;

// Seeded apart from the text corpus so each corpus is reproducible on its own.
const { random, between } = seededText(20_261_127);
const NAMES = "account buffer cache client config context decoder entry handler index loader manager message parser"
	.concat(" queue reader record request response router session source stream table token update validator writer")
	.split(" ");
const name = () => NAMES[between(0, NAMES.length - 1)] as string;
const className = () =>
	`${name().replace(/^./, (c) => c.toUpperCase())}${name().replace(/^./, (c) => c.toUpperCase())}`;

/**
 * Looks like a class file to the scanner (magic, then a constant pool of length-prefixed names among binary
 * fields) and compresses about as well as real ones, roughly 2:1.
 */
function classFile(): Buffer {
	const parts: Buffer[] = [Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61])];
	const target = between(1_000, 16_000);
	for (let size = 8; size < target; ) {
		let part: Buffer;
		if (random() < 0.7) {
			const text = Buffer.from(`com/acme/${name()}/${className()}.${name()}`, "latin1");
			part = Buffer.concat([Buffer.from([1, 0, text.length]), text]);
		} else {
			part = Buffer.from(Array.from({ length: between(8, 48) }, () => between(0, 255)));
		}
		parts.push(part);
		size += part.length;
	}
	return Buffer.concat(parts);
}

function write(path: string, content: string | Buffer): void {
	mkdirSync(dirname(path), { recursive: true });
	writeFileSync(path, content);
}

function zipDirectory(dir: string, out: string): void {
	execFileSync("zip", ["-qrX", out, "."], { cwd: dir });
	rmSync(dir, { recursive: true, force: true });
}

function hasCommand(command: string): boolean {
	try {
		execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

interface Assets {
	pem: string[];
	signatureBlocks: Buffer[];
	keystores: { name: string; content: Buffer }[];
}

/** Certificates from the openssl CLI, their PKCS#7 (signature-block) form, and keystores from openssl and keytool. */
function makeAssets(work: string): Assets {
	const assets: Assets = { pem: [], signatureBlocks: [], keystores: [] };
	const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "ignore"] });
	for (let i = 0; i < 6; i++) {
		const [cert, key] = [join(work, `c${i}.pem`), join(work, `k${i}.pem`)];
		openssl(
			"req",
			"-x509",
			"-newkey",
			"ec",
			"-pkeyopt",
			"ec_paramgen_curve:P-256",
			"-nodes",
			"-keyout",
			key,
			"-out",
			cert,
			"-subj",
			`/CN=signer-${i}`,
			"-days",
			"365",
		);
		assets.pem.push(readFileSync(cert, "latin1"));
		assets.signatureBlocks.push(openssl("crl2pkcs7", "-nocrl", "-certfile", cert, "-outform", "DER"));
		if (i < 2) {
			const password = i === 0 ? "changeit" : "Vq3-not-a-default";
			openssl(
				"pkcs12",
				"-export",
				"-in",
				cert,
				"-inkey",
				key,
				"-passout",
				`pass:${password}`,
				"-out",
				join(work, `s${i}.p12`),
			);
			assets.keystores.push({ name: `keystore-${i}.p12`, content: readFileSync(join(work, `s${i}.p12`)) });
		}
	}
	if (hasCommand("keytool")) {
		const jks = join(work, "trust.jks");
		execFileSync(
			"keytool",
			[
				"-importcert",
				"-noprompt",
				"-keystore",
				jks,
				"-storetype",
				"JKS",
				"-storepass",
				"changeit",
				"-alias",
				"ca",
			].concat(["-file", join(work, "c0.pem")]),
			{ stdio: "ignore" },
		);
		assets.keystores.push({ name: "truststore.jks", content: readFileSync(jks) });
	}
	return assets;
}

function makeJar(index: number, assets: Assets): string {
	const dir = join(STAGING, `jar${index}`);
	write(join(dir, "META-INF/MANIFEST.MF"), `Manifest-Version: 1.0\nCreated-By: bench\nName: lib${index}\n`);
	const pkg = `com/acme/${name()}${index}`;
	for (let c = 0; c < CLASSES_PER_JAR; c++) write(join(dir, pkg, `${className()}${c}.class`), classFile());
	write(
		join(dir, "application.properties"),
		Array.from({ length: between(20, 80) }, () => `${name()}.${name()}=${name()}-${between(0, 9999)}`).join("\n"),
	);
	if (index % 3 === 0) {
		write(join(dir, "META-INF/SIGNER.SF"), "Signature-Version: 1.0\n");
		const block = assets.signatureBlocks[Math.floor(index / 3) % assets.signatureBlocks.length] as Buffer;
		write(join(dir, "META-INF/SIGNER.RSA"), block);
	}
	if (index % 4 === 1) write(join(dir, "tls/ca.pem"), assets.pem[Math.floor(index / 4) % assets.pem.length] as string);
	if (index % 6 === 2 && assets.keystores.length > 0) {
		const keystore = assets.keystores[Math.floor(index / 6) % assets.keystores.length] as Assets["keystores"][number];
		write(join(dir, keystore.name), keystore.content);
	}
	const jar = join(STAGING, `lib${index}.jar`);
	zipDirectory(dir, jar);
	return jar;
}

function makeWar(index: number, jars: string[]): string {
	const dir = join(STAGING, `war${index}`);
	write(join(dir, "WEB-INF/web.xml"), `<web-app><display-name>app${index}</display-name></web-app>\n`);
	write(join(dir, "index.html"), `<html><body>app ${index}</body></html>\n`);
	for (let c = 0; c < CLASSES_PER_WAR; c++)
		write(join(dir, "WEB-INF/classes/com/acme/web", `${className()}${c}.class`), classFile());
	for (let j = 0; j < JARS_PER_WAR; j++) {
		const jar = jars[(index * JARS_PER_WAR + j) % jars.length] as string;
		mkdirSync(join(dir, "WEB-INF/lib"), { recursive: true });
		copyFileSync(jar, join(dir, "WEB-INF/lib", `lib${(index * JARS_PER_WAR + j) % jars.length}.jar`));
	}
	const war = join(STAGING, `app${index}.war`);
	zipDirectory(dir, war);
	return war;
}

/** Unzips an archive and, recursively, the archives inside it, leaving only their content behind. */
function extractAll(archive: string, into: string): void {
	mkdirSync(into, { recursive: true });
	execFileSync("unzip", ["-qq", "-o", archive, "-d", into]);
	const nested = readdirSync(into, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile() && /\.(jar|war|zip)$/.test(entry.name))
		.map((entry) => join(entry.parentPath, entry.name));
	for (const path of nested) {
		extractAll(path, `${path}.d`);
		rmSync(path);
	}
}

/** Builds the corpus once; false when the zip or unzip CLI is missing. */
export function ensureArchiveCorpus(): boolean {
	if (existsSync(COMPLETE_MARKER)) return true;
	if (!hasCommand("zip") || !hasCommand("unzip")) return false;
	console.log(`generating archive corpus in ${ARCHIVE_CORPUS} ...`);
	rmSync(ARCHIVE_CORPUS, { recursive: true, force: true });
	mkdirSync(STAGING, { recursive: true });
	mkdirSync(RELEASES, { recursive: true });
	const assets = makeAssets(STAGING);
	const jars = Array.from({ length: DISTINCT_JARS }, (_, i) => makeJar(i, assets));
	const wars = Array.from({ length: WARS }, (_, i) => makeWar(i, jars));
	for (let r = 0; r < RELEASE_COUNT; r++) {
		const dir = join(STAGING, `release${r}`);
		write(join(dir, "README.md"), `# Release ${r}\n\nDeploy the two wars.\n`);
		for (const w of [2 * r, 2 * r + 1]) copyFileSync(wars[w % wars.length] as string, join(dir, `app${w}.war`));
		zipDirectory(dir, join(RELEASES, `release${r}.zip`));
	}
	rmSync(STAGING, { recursive: true, force: true });
	for (const release of readdirSync(RELEASES)) extractAll(join(RELEASES, release), join(EXTRACTED, release));
	writeFileSync(COMPLETE_MARKER, new Date().toISOString());
	return true;
}

/** Bytes of every regular file under `root`. */
export function treeBytes(root: string): number {
	return readdirSync(root, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.reduce((total, entry) => total + statSync(join(entry.parentPath, entry.name)).size, 0);
}
