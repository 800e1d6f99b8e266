import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { encodeOid, encodeTlv, encodeUnsignedInteger, TAG } from "./der.ts";
import { buildSpki, ecPublicKey, okpPublicKey, rsaPublicKey } from "./jwk.ts";
import { type KeyAttributes, keyAsset, publicKeyFacts, sha256Hex } from "./keys.ts";
import { OID } from "./oids.ts";
import type { Asset } from "./types.ts";

/** Reads the RFC 4251 wire format; any overrun throws, so a caller's catch rejects the whole candidate. */
class WireReader {
	constructor(
		private readonly bytes: Buffer,
		private pos = 0,
	) {}

	get remaining(): number {
		return this.bytes.length - this.pos;
	}

	uint32(): number {
		if (this.remaining < 4) throw new RangeError("truncated");
		const value = this.bytes.readUInt32BE(this.pos);
		this.pos += 4;
		return value;
	}

	string(): Buffer {
		const length = this.uint32();
		if (length > this.remaining) throw new RangeError("truncated");
		const value = this.bytes.subarray(this.pos, this.pos + length);
		this.pos += length;
		return value;
	}

	text(): string {
		return this.string().toString("latin1");
	}
}

const SSH_CURVES: Readonly<Record<string, string>> = { nistp256: OID.p256, nistp384: OID.p384, nistp521: OID.p521 };

const OKP_TYPES: Readonly<Record<string, string>> = {
	"ssh-ed25519": "Ed25519",
	"sk-ssh-ed25519@openssh.com": "Ed25519",
	"ssh-ed448": "Ed448",
};

/**
 * The key in an SSH public key blob as a KeyObject, so that SSH keys get the same SPKI identity as the same
 * key in PEM or DER. Loading it is also what rejects garbage. Undefined for types without an SPKI form
 * (certificates, unknown types).
 */
function blobToKey(type: string, reader: WireReader): KeyObject | undefined {
	if (type === "ssh-rsa") {
		const e = reader.string();
		return rsaPublicKey(reader.string(), e);
	}
	if (type === "ssh-dss") {
		// JWK has no DSA form, so this one goes through DER and OpenSSL.
		const [p, q, g, y] = [reader.string(), reader.string(), reader.string(), reader.string()];
		const params = encodeTlv(
			TAG.sequence,
			encodeUnsignedInteger(p),
			encodeUnsignedInteger(q),
			encodeUnsignedInteger(g),
		);
		const der = buildSpki(Buffer.concat([encodeOid(OID.dsa), params]), encodeUnsignedInteger(y));
		return createPublicKey({ key: der, format: "der", type: "spki" });
	}
	const okp = OKP_TYPES[type];
	if (okp) return okpPublicKey(okp, reader.string());
	const curveName = /^(?:sk-)?ecdsa-sha2-(nistp\d+)(?:@openssh\.com)?$/.exec(type)?.[1];
	const curveOid = SSH_CURVES[curveName ?? ""];
	if (!curveOid || reader.text() !== curveName) return undefined;
	return ecPublicKey(curveOid, reader.string());
}

/** Security-key types carry the FIDO application string after the key. */
function skipTrailer(type: string, reader: WireReader): void {
	if (type.startsWith("sk-")) reader.string();
}

interface SshKeyFacts {
	identity: string;
	attributes: Partial<KeyAttributes>;
}

/**
 * Identity and attributes of an SSH public key blob. With `strict`, only types whose SPKI can be built and
 * loaded are accepted, which is how stray base64 after a type name is rejected.
 */
function describeBlob(blob: Buffer, strict: boolean): SshKeyFacts | undefined {
	const sshFingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
	let type: string;
	try {
		const reader = new WireReader(blob);
		type = reader.text();
		const key = blobToKey(type, reader);
		if (key) {
			skipTrailer(type, reader);
			if (reader.remaining !== 0) return undefined;
			const facts = publicKeyFacts(key);
			return { identity: `key:${facts.fingerprintSha256}`, attributes: { ...facts, sshFingerprint, sshType: type } };
		}
	} catch {
		return undefined;
	}
	if (strict || !/^[\x21-\x7e]{1,64}$/.test(type)) return undefined;
	return {
		identity: `key:ssh:${sha256Hex(blob)}`,
		attributes: { algorithm: "unknown", sshFingerprint, sshType: type },
	};
}

const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

/**
 * `OPENSSH PRIVATE KEY` bodies. The public keys are stored in clear even when the private part is encrypted,
 * so encrypted keys still get their real identity.
 */
export function opensshPrivateKeyAssets(body: Buffer, offset: number): Asset[] {
	if (!body.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC)) return [];
	try {
		const reader = new WireReader(body, OPENSSH_MAGIC.length);
		const cipher = reader.text();
		const kdf = reader.text();
		const kdfOptions = new WireReader(reader.string());
		const count = reader.uint32();
		if (count < 1 || count > 64) return [];
		const blobs = Array.from({ length: count }, () => reader.string());
		const privateSection = reader.string();
		const encrypted = cipher !== "none";
		// Unencrypted sections start with two equal check integers: a cheap proof this is a real key file.
		if (
			!encrypted &&
			(privateSection.length < 8 || privateSection.readUInt32BE(0) !== privateSection.readUInt32BE(4))
		) {
			return [];
		}
		let kdfIterations: number | undefined;
		if (kdf === "bcrypt") {
			kdfOptions.string();
			kdfIterations = kdfOptions.uint32();
		}
		return blobs.flatMap((blob) => {
			const facts = describeBlob(blob, false);
			if (!facts) return [];
			const attributes: KeyAttributes = {
				...facts.attributes,
				type: "private-key",
				format: "openssh",
				encoding: "pem",
				encrypted,
				...(encrypted ? { cipher, kdf, kdfIterations } : {}),
			};
			return [keyAsset(facts.identity, attributes, offset)];
		});
	} catch {
		return [];
	}
}

const SSH_PUBLIC_KEY =
	/((?:sk-)?(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521))(?:@openssh\.com)?)[ \t]+(AAAA[A-Za-z0-9+/]{16,}={0,3})/g;

/** Characters that, right before a type name, mean it is the tail of a longer word rather than a key. */
const WORD_CHAR = /[A-Za-z0-9_.@/-]/;

/** `authorized_keys`, `known_hosts` and `.pub` style lines, wherever they appear in text. */
export function findSshPublicKeys(text: string, from: number): Asset[] {
	const assets: Asset[] = [];
	SSH_PUBLIC_KEY.lastIndex = from;
	for (let match = SSH_PUBLIC_KEY.exec(text); match; match = SSH_PUBLIC_KEY.exec(text)) {
		if (match.index > 0 && WORD_CHAR.test(text.charAt(match.index - 1))) continue;
		const [, type, base64] = match as unknown as [string, string, string];
		const blob = Buffer.from(base64, "base64");
		if (blob.readUInt32BE(0) !== type.length || blob.toString("latin1", 4, 4 + type.length) !== type) continue;
		const facts = describeBlob(blob, true);
		if (!facts) continue;
		const attributes: KeyAttributes = {
			...facts.attributes,
			type: "public-key",
			format: "ssh-public",
			encoding: "ssh",
			encrypted: false,
		};
		assets.push(keyAsset(facts.identity, attributes, match.index));
	}
	return assets;
}
