import { sha256Hex } from "./keys.ts";
import { memoized } from "./memo.ts";
import { DEFAULT_KEYSTORE_PASSWORDS } from "./scan.ts";
import type { Asset } from "./types.ts";
import { certificateAsset } from "./x509.ts";

export type KeystoreType = "JKS" | "JCEKS" | "PKCS12";

export interface KeystoreEntry {
	alias?: string;
	kind: "private-key" | "trusted-cert" | "secret-key" | "key-bag" | "cert-bag";
	createdAt?: string;
	certificateFingerprints?: string[];
	/** How the entry's key is protected (an algorithm name), `none` for a PKCS#12 key bag in clear. */
	keyProtection?: string;
}

/**
 * A certificate stored as DER inside a keystore: the same asset, identity and attributes as a `.der` file of
 * it, cached by content like every other parse because trust stores repeat the same CA certificates.
 */
export function keystoreCertificate(der: Buffer): { asset: Asset | undefined; fingerprint: string } {
	const fingerprint = sha256Hex(der);
	const [asset] = memoized(`x509\0${fingerprint}`, null, () => {
		const parsed = certificateAsset(der, "der", null);
		return parsed ? [parsed] : [];
	});
	return { asset, fingerprint };
}

/**
 * The keystore finding, then the assets read out of it, then the default-password finding when a configured
 * password opened it. The password itself is named only when it is one of the public defaults.
 */
export function keystoreAssets(
	bytes: Buffer,
	keystore: { type: KeystoreType } & Record<string, unknown>,
	contents: Asset[],
	matchedPassword: string | undefined,
): Asset[] {
	const hash = sha256Hex(bytes);
	const passwordIsDefault = matchedPassword !== undefined;
	const attributes = defined({ ...keystore, passwordIsDefault });
	if (Array.isArray(attributes.entries)) attributes.entries = attributes.entries.map(defined);
	const assets: Asset[] = [
		{ kind: "keystore", identity: `keystore:${hash}`, offset: null, crypto: { keystore: attributes } },
		...contents,
	];
	if (matchedPassword !== undefined) {
		const weakness: Record<string, unknown> = {
			type: keystore.type,
			weakness: "default-password",
			passwordIsDefault: true,
		};
		if (DEFAULT_KEYSTORE_PASSWORDS.includes(matchedPassword)) weakness.matchedDefault = matchedPassword;
		assets.push({
			kind: "keystore",
			identity: `keystore:${hash}:default-password`,
			offset: null,
			crypto: { keystore: weakness },
		});
	}
	return assets;
}

/** Optional attributes are left out rather than set to undefined, so findings serialise the same everywhere. */
function defined<T extends object>(value: T): Record<string, unknown> {
	return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}

/** Java and PKCS#12 feed passwords to their KDFs as UTF-16 big-endian code units. */
export function utf16be(password: string): Buffer {
	return Buffer.from(password, "utf16le").swap16();
}
