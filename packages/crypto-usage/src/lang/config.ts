import { algorithm, curve, hash, hashName, onCurve, opensslCipher, postQuantum, tlsVersion } from "../names.ts";
import { configDetector, type Detector, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts, ProtocolVersion } from "../types.ts";

function protocols(scan: Scan, at: number, names: readonly string[], source: string, value: string): void {
	for (const name of names) {
		const version = tlsVersion(name);
		if (version) scan.protocol(at, { type: "tls", version }, source, [value]);
	}
}

function unquote(value: string): string {
	return value.trim().replace(/^(["'])(.*)\1$/, "$2");
}

function cipherSuites(scan: Scan, at: number, value: string, source: string): void {
	const list = unquote(value);
	const suites = list.split(/[:,\s]+/).filter(Boolean);
	if (suites.length > 0) scan.protocol(at, { type: "tls", cipherSuites: suites }, source, [list]);
}

/** TLS groups (`X25519MLKEM768:X25519:prime256v1`): key agreement, classical or post-quantum hybrid. */
function groups(scan: Scan, at: number, value: string, api: string): void {
	const list = unquote(value);
	for (const name of list.split(/[:,\s]+/).filter(Boolean)) {
		const ecdh = curve(name) ? onCurve({ name: "ECDH", primitive: "key-agree" }, name) : undefined;
		const facts = postQuantum(name) ?? algorithm(name) ?? ecdh;
		scan.algorithm(at, facts, api, [list]);
	}
}

/** Apache mod_ssl: `all` (TLS 1.0–1.3; no SSLv3 in current OpenSSL builds), `+`/`-` edit the set, a bare name replaces it. */
const APACHE_ALL: readonly ProtocolVersion[] = ["1.0", "1.1", "1.2", "1.3"];

function apacheProtocols(value: string): ProtocolVersion[] {
	let enabled = new Set<ProtocolVersion>();
	for (const token of value.trim().split(/\s+/)) {
		const sign = token[0] === "+" || token[0] === "-" ? token[0] : "";
		const name = token.slice(sign.length);
		const named = name.toLowerCase() === "all" ? APACHE_ALL : [tlsVersion(name)].filter((v) => v !== undefined);
		if (sign === "-") for (const version of named) enabled.delete(version);
		else if (sign === "+") for (const version of named) enabled.add(version);
		else enabled = new Set(named);
	}
	return [...enabled];
}

/** openssl.cnf and other INI-style `.cnf` files (MySQL's `my.cnf` carries TLS settings too). */
const OPENSSL_CNF_RULES: readonly Rule[] = [
	{
		pattern: /^[ \t]*(MinProtocol|MaxProtocol)[ \t]*=[ \t]*([\w.]+)/gim,
		report: (match, scan) =>
			protocols(scan, match.index, [match[2] as string], `openssl.cnf ${match[1]}`, match[2] as string),
	},
	{
		pattern: /^[ \t]*Protocol[ \t]*=[ \t]*([^\n]+)/gim,
		report(match, scan) {
			const value = match[1] as string;
			const enabled = value.split(/[\s,]+/).filter((name) => name && !name.startsWith("-"));
			protocols(
				scan,
				match.index,
				enabled.map((name) => name.replace(/^\+/, "")),
				"openssl.cnf Protocol",
				value,
			);
		},
	},
	{
		pattern: /^[ \t]*(CipherString|Ciphersuites)[ \t]*=[ \t]*([^\n]+)/gim,
		report: (match, scan) => cipherSuites(scan, match.index, match[2] as string, `openssl.cnf ${match[1]}`),
	},
	{
		pattern: /^[ \t]*(Groups|Curves)[ \t]*=[ \t]*([^\n]+)/gim,
		report: (match, scan) => groups(scan, match.index, match[2] as string, `openssl.cnf ${match[1]}`),
	},
	{
		pattern: /^[ \t]*default_md[ \t]*=[ \t]*([\w-]+)/gm,
		report: (match, scan) => scan.algorithm(match.index, hash(match[1] as string), "openssl.cnf default_md"),
	},
	{
		// `[req] default_bits` sizes the RSA keys `openssl req -newkey` generates.
		pattern: /^[ \t]*default_bits[ \t]*=[ \t]*(\d{3,5})\b/gm,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				{ name: "RSA", primitive: "pke", keySize: Number(match[1]) },
				"openssl.cnf default_bits",
			),
	},
	{
		pattern: /^[ \t]*(tls[_-]version|admin[_-]tls[_-]version)[ \t]*=[ \t]*([^\n]+)/gim,
		report: (match, scan) =>
			protocols(scan, match.index, (match[2] as string).split(/[\s,]+/), `mysql ${match[1]}`, match[2] as string),
	},
	{
		pattern: /^[ \t]*(ssl[_-]cipher|tls[_-]ciphersuites)[ \t]*=[ \t]*([^\n]+)/gim,
		report: (match, scan) => cipherSuites(scan, match.index, match[2] as string, `mysql ${match[1]}`),
	},
];

/** nginx and Apache httpd, which share the `.conf` extension (and whose directive names do not collide). */
const SERVER_CONF_RULES: readonly Rule[] = [
	{
		pattern: /(?:^|[;{])[ \t]*((?:proxy_|grpc_|uwsgi_|zone_sync_)?ssl_protocols)[ \t]+([^;\n]+)/gm,
		report: (match, scan) =>
			protocols(
				scan,
				match.index,
				(match[2] as string).trim().split(/\s+/),
				`nginx ${match[1]}`,
				(match[2] as string).trim(),
			),
	},
	{
		pattern: /(?:^|[;{])[ \t]*((?:proxy_|grpc_|uwsgi_)?ssl_ciphers)[ \t]+([^;\n]+)/gm,
		report: (match, scan) => cipherSuites(scan, match.index, match[2] as string, `nginx ${match[1]}`),
	},
	{
		pattern: /^[ \t]*ssl_ecdh_curve[ \t]+([^;\n]+)/gm,
		report: (match, scan) => groups(scan, match.index, match[1] as string, "nginx ssl_ecdh_curve"),
	},
	{
		pattern: /^[ \t]*(SSLProtocol|SSLProxyProtocol)[ \t]+([^\n]+)/gim,
		report(match, scan) {
			const value = (match[2] as string).trim();
			for (const version of apacheProtocols(value))
				scan.protocol(match.index, { type: "tls", version }, `apache ${match[1]}`, [value]);
		},
	},
	{
		pattern: /^[ \t]*(SSLCipherSuite|SSLProxyCipherSuite)[ \t]+(?:(?:SSL|TLSv1\.3)[ \t]+)?([^\n]+)/gim,
		report: (match, scan) => cipherSuites(scan, match.index, match[2] as string, `apache ${match[1]}`),
	},
	{
		pattern: /^[ \t]*SSLOpenSSLConfCmd[ \t]+(MinProtocol|MaxProtocol|Protocol|Curves|Groups)[ \t]+([^\n]+)/gim,
		report(match, scan) {
			const directive = match[1] as string;
			const value = (match[2] as string).trim();
			const source = `apache SSLOpenSSLConfCmd ${directive}`;
			if (/^(?:Curves|Groups)$/i.test(directive)) groups(scan, match.index, value, source);
			else
				protocols(
					scan,
					match.index,
					value.split(/[\s,]+/).filter((name) => !name.startsWith("-")),
					source,
					value,
				);
		},
	},
];

/** Diffie-Hellman groups OpenSSH names by number (RFC 2409, 3526). */
const DH_GROUPS: Readonly<Record<string, number>> = {
	"1": 1024,
	"14": 2048,
	"15": 3072,
	"16": 4096,
	"17": 6144,
	"18": 8192,
};

/**
 * OpenSSH algorithm names: ciphers (`aes128-ctr`, `3des-cbc`, `arcfour`), MACs (`hmac-md5-96`), key exchange
 * (`diffie-hellman-group1-sha1`, `curve25519-sha256`, `mlkem768x25519-sha256`) and signatures (`ssh-rsa`).
 */
export function sshAlgorithm(token: string): AlgorithmFacts | undefined {
	const name = token
		.toLowerCase()
		.replace(/@.*$/, "")
		.replace(/-cert-v0\d$/, "");
	const mac = /^(hmac|umac)-(.+?)(?:-96)?(?:-etm)?$/.exec(name);
	if (mac) {
		if (mac[1] === "umac") return { name: "UMAC", primitive: "mac" };
		const digest = hashName(mac[2] as string);
		return digest ? { name: "HMAC", primitive: "mac", hash: digest } : undefined;
	}
	const dh = /^diffie-hellman-group(\d+|-exchange)-(sha\d+)$/.exec(name);
	if (dh) {
		const bits = DH_GROUPS[dh[1] as string];
		const facts: AlgorithmFacts = { name: "DH", primitive: "key-agree", hash: hashName(dh[2] as string) };
		return bits ? { ...facts, keySize: bits } : facts;
	}
	const ecdh = /^ecdh-sha2-(nistp\d{3})$/.exec(name);
	if (ecdh) return onCurve({ name: "ECDH", primitive: "key-agree", hash: "SHA-256" }, ecdh[1] as string);
	const kex = /^(curve25519|curve448|sntrup761x25519|mlkem768x25519|mlkem1024nistp384|mlkem768nistp256)-(sha\d+)$/.exec(
		name,
	);
	if (kex) {
		const family = kex[1] as string;
		if (family.startsWith("curve"))
			return {
				name: family === "curve448" ? "X448" : "X25519",
				primitive: "key-agree",
				hash: hashName(kex[2] as string),
			};
		return postQuantum(family) ?? { name: family, primitive: "kem" };
	}
	const ecdsa = /^(?:sk-)?ecdsa-sha2-(nistp\d{3})$/.exec(name);
	if (ecdsa) return onCurve({ name: "ECDSA", primitive: "signature", hash: "SHA-256" }, ecdsa[1] as string);
	if (name === "ssh-rsa") return { name: "RSA", primitive: "signature", padding: "pkcs1v15", hash: "SHA-1" };
	const rsa = /^rsa-sha2-(256|512)$/.exec(name);
	if (rsa) return { name: "RSA", primitive: "signature", padding: "pkcs1v15", hash: `SHA-${rsa[1]}` };
	if (name === "ssh-dss") return { name: "DSA", primitive: "signature", hash: "SHA-1" };
	if (/^(?:sk-)?ssh-ed25519$/.test(name)) return algorithm("Ed25519");
	if (name === "ssh-ed448") return algorithm("Ed448");
	return opensslCipher(name.replace(/^rijndael-/, "aes-"));
}

/** sshd_config / ssh_config. */
const SSH_RULES: readonly Rule[] = [
	{
		pattern:
			/^[ \t]*(Ciphers|KexAlgorithms|MACs|HostKeyAlgorithms|PubkeyAcceptedAlgorithms|PubkeyAcceptedKeyTypes|CASignatureAlgorithms|HostbasedAcceptedAlgorithms)[ \t]*(?:=[ \t]*|[ \t])([^\s=][^\n]*)/gim,
		report(match, scan) {
			const directive = match[1] as string;
			const value = (match[2] as string).trim();
			const tokens = value.split(",").filter(Boolean);
			const source = `ssh_config ${directive}`;
			// `+`/`^` add to OpenSSH's defaults, `-` removes from them: only the first two enable anything.
			for (const token of tokens.filter((name) => !name.startsWith("-"))) {
				scan.algorithm(match.index, sshAlgorithm(token.replace(/^[+^]/, "")), source, [value]);
			}
			if (/^(?:Ciphers|KexAlgorithms|MACs)$/i.test(directive)) {
				scan.protocol(match.index, { type: "ssh", version: "2", cipherSuites: tokens }, source, [value]);
			}
		},
	},
	{
		pattern: /^[ \t]*Protocol[ \t]+([12](?:[ \t]*,[ \t]*[12])?)/gim,
		report(match, scan) {
			for (const version of (match[1] as string).split(/[\s,]+/)) {
				scan.protocol(match.index, { type: "ssh", version: version === "1" ? "1" : "2" }, "ssh_config Protocol");
			}
		},
	},
];

const PROPERTY_CONTINUATION = /\\\r?\n[ \t]*/g;

/** Legacy TLS versions and ciphers `jdk.tls.disabledAlgorithms` can turn off; left out of the list, they stay on. */
const JDK_TLS_LEGACY: readonly [token: string, version: ProtocolVersion][] = [
	["SSLv3", "SSLv3"],
	["TLSv1", "1.0"],
	["TLSv1.1", "1.1"],
];
const JDK_TLS_CIPHERS: readonly [token: string, name: string][] = [
	["RC4", "RC4"],
	["DES", "DES"],
	["3DES_EDE_CBC", "3DES"],
];
const JDK_CERTPATH_HASHES = ["MD2", "MD5"];

/** `java.security`: what the JDK allows because the disabled-algorithms lists leave it out. */
const JAVA_SECURITY_RULES: readonly Rule[] = [
	{
		pattern:
			/^[ \t]*(jdk\.tls\.disabledAlgorithms|jdk\.certpath\.disabledAlgorithms)[ \t]*[=:][ \t]*((?:[^\n]*\\\r?\n)*[^\n]*)/gm,
		report(match, scan) {
			const property = match[1] as string;
			const value = (match[2] as string).replace(PROPERTY_CONTINUATION, " ");
			const entries = value.split(",").map((entry) => entry.trim());
			const disabled = new Set(entries.map((entry) => entry.split(/\s+/)[0]));
			const source = `java.security ${property}`;
			if (property.startsWith("jdk.tls")) {
				for (const [token, version] of JDK_TLS_LEGACY) {
					if (!disabled.has(token)) scan.protocol(match.index, { type: "tls", version }, source);
				}
				for (const [token, name] of JDK_TLS_CIPHERS) {
					if (!disabled.has(token)) scan.algorithm(match.index, algorithm(name), source);
				}
			} else {
				for (const name of JDK_CERTPATH_HASHES)
					if (!disabled.has(name)) scan.algorithm(match.index, hash(name), source);
			}
		},
	},
	{
		pattern: /^[ \t]*security\.provider\.\d+[ \t]*[=:][ \t]*(\S*bouncycastle\S*)/gim,
		report: (match, scan) => scan.library(match.index, "bouncycastle"),
	},
];

/** Spring Boot, Kafka and other Java property names for TLS settings, compared without separators. */
function springSetting(scan: Scan, at: number, key: string, value: string): void {
	const flat = key
		.toLowerCase()
		.replace(/\[\d+\]/g, "")
		.replace(/[-_.]/g, "");
	if (!flat.includes("ssl")) return;
	const source = `spring ${key}`;
	const cleaned = unquote(value);
	if (flat.endsWith("enabledprotocols") || flat.endsWith("sslprotocol")) {
		protocols(
			scan,
			at,
			cleaned
				.replace(/^\[|\]$/g, "")
				.split(/[\s,]+/)
				.map(unquote),
			source,
			cleaned,
		);
	} else if (flat.endsWith("ciphers") || flat.endsWith("ciphersuites")) {
		cipherSuites(scan, at, cleaned.replace(/^\[|\]$/g, ""), source);
	}
}

const SPRING_PROPERTIES_RULES: readonly Rule[] = [
	{
		pattern: /^[ \t]*([\w.\-[\]]*ssl[\w.\-[\]]*)[ \t]*[=:][ \t]*((?:[^\n]*\\\r?\n)*[^\n]*)/gim,
		report: (match, scan) =>
			springSetting(scan, match.index, match[1] as string, (match[2] as string).replace(PROPERTY_CONTINUATION, " ")),
	},
];

/**
 * YAML: the key path comes from indentation (a stack of enclosing keys); list items belong to the nearest key
 * above them, so `enabled-protocols:` followed by `- TLSv1` lines reads like the one-line form.
 */
function springYaml(scan: Scan): void {
	const stack: { indent: number; key: string }[] = [];
	const lines = scan.text.split("\n");
	let offset = 0;
	for (const line of lines) {
		const at = offset;
		offset += line.length + 1;
		const entry = /^([ \t]*)(- +)?(?:(["']?)([\w.-]+)\3[ \t]*:(?:[ \t]+|$))?(.*)$/.exec(line.replace(/\r$/, ""));
		if (!entry || line.trim() === "") continue;
		const indent = (entry[1] as string).length + (entry[2]?.length ?? 0);
		const key = entry[4];
		const value = (entry[5] as string).trim();
		if (key === undefined) {
			if (entry[2] && value && stack.length > 0)
				springSetting(scan, at, stack.map((item) => item.key).join("."), value);
			continue;
		}
		while (stack.length > 0 && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
		stack.push({ indent, key });
		if (value) springSetting(scan, at, stack.map((item) => item.key).join("."), value);
	}
}

export const OPENSSL_CNF = configDetector(
	["rotocol", "ipher", "roups", "urves", "default_", "tls", "ssl", "TLS", "SSL"],
	OPENSSL_CNF_RULES,
);
export const SERVER_CONF = configDetector(["ssl_", "SSL"], SERVER_CONF_RULES);
export const SSH_CONFIG = configDetector(
	["Ciphers", "KexAlgorithms", "MACs", "Algorithms", "KeyTypes", "Protocol"],
	SSH_RULES,
);
export const JAVA_SECURITY = configDetector(["disabledAlgorithms", "security.provider"], JAVA_SECURITY_RULES);
export const SPRING_PROPERTIES = configDetector(["ssl"], SPRING_PROPERTIES_RULES);
export const SPRING_YAML: Detector = { anchors: ["ssl"], detect: springYaml };
