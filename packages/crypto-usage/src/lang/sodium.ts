import type { AlgorithmFacts } from "../types.ts";

/** libsodium function families, most specific prefix first: the name fixes the algorithm. */
const FAMILIES: readonly [prefix: string, facts: AlgorithmFacts][] = [
	["crypto_secretbox_xchacha20poly1305", { name: "XChaCha20-Poly1305", primitive: "ae" }],
	["crypto_secretbox", { name: "XSalsa20-Poly1305", primitive: "ae" }],
	["crypto_box", { name: "X25519", primitive: "key-agree" }],
	["crypto_kx", { name: "X25519", primitive: "key-agree" }],
	["crypto_scalarmult", { name: "X25519", primitive: "key-agree" }],
	["crypto_sign", { name: "Ed25519", primitive: "signature" }],
	["crypto_aead_aes256gcm", { name: "AES", primitive: "ae", mode: "gcm", keySize: 256 }],
	["crypto_aead_xchacha20poly1305", { name: "XChaCha20-Poly1305", primitive: "ae" }],
	["crypto_aead_chacha20poly1305", { name: "ChaCha20-Poly1305", primitive: "ae" }],
	["crypto_generichash", { name: "BLAKE2b", primitive: "hash" }],
	["crypto_pwhash_scryptsalsa208sha256", { name: "scrypt", primitive: "kdf" }],
	["crypto_pwhash", { name: "Argon2id", primitive: "kdf" }],
	["crypto_hash_sha256", { name: "SHA-256", primitive: "hash" }],
	["crypto_hash", { name: "SHA-512", primitive: "hash" }],
	["crypto_auth_hmacsha256", { name: "HMAC", primitive: "mac", hash: "SHA-256" }],
	["crypto_auth_hmacsha512256", { name: "HMAC", primitive: "mac", hash: "SHA-512/256" }],
	["crypto_auth_hmacsha512", { name: "HMAC", primitive: "mac", hash: "SHA-512" }],
	["crypto_auth", { name: "HMAC", primitive: "mac", hash: "SHA-512/256" }],
	["crypto_onetimeauth", { name: "Poly1305", primitive: "mac" }],
	["crypto_stream_xchacha20", { name: "XChaCha20", primitive: "stream-cipher" }],
	["crypto_stream_chacha20", { name: "ChaCha20", primitive: "stream-cipher" }],
	["crypto_stream_salsa20", { name: "Salsa20", primitive: "stream-cipher" }],
	["crypto_stream", { name: "XSalsa20", primitive: "stream-cipher" }],
];

/** `crypto_secretbox_easy`, `crypto_aead_aes256gcm_encrypt`, … as C, PHP (`sodium_…`) and JS wrappers name them. */
export function sodiumFunction(name: string): AlgorithmFacts | undefined {
	const fn = name.replace(/^sodium_/, "");
	for (const [prefix, facts] of FAMILIES) if (fn.startsWith(prefix)) return facts;
	return undefined;
}
