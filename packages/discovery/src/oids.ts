/** Object identifiers we name in findings. Unknown ones are reported as the dotted OID. */

const NIST_SIG = "2.16.840.1.101.3.4.3";

export const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
	"1.2.840.113549.1.1.2": "md2WithRSAEncryption",
	"1.2.840.113549.1.1.4": "md5WithRSAEncryption",
	"1.2.840.113549.1.1.5": "sha1WithRSAEncryption",
	"1.2.840.113549.1.1.10": "rsassaPss",
	"1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
	"1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
	"1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
	"1.2.840.113549.1.1.14": "sha224WithRSAEncryption",
	"1.2.840.10045.4.1": "ecdsa-with-SHA1",
	"1.2.840.10045.4.3.1": "ecdsa-with-SHA224",
	"1.2.840.10045.4.3.2": "ecdsa-with-SHA256",
	"1.2.840.10045.4.3.3": "ecdsa-with-SHA384",
	"1.2.840.10045.4.3.4": "ecdsa-with-SHA512",
	"1.2.840.10040.4.3": "dsa-with-SHA1",
	[`${NIST_SIG}.1`]: "dsa-with-SHA224",
	[`${NIST_SIG}.2`]: "dsa-with-SHA256",
	"1.3.101.112": "Ed25519",
	"1.3.101.113": "Ed448",
	[`${NIST_SIG}.17`]: "ML-DSA-44",
	[`${NIST_SIG}.18`]: "ML-DSA-65",
	[`${NIST_SIG}.19`]: "ML-DSA-87",
	...slhDsa(),
	"1.2.643.2.2.19": "GOST R 34.10-2001",
	"1.2.643.7.1.1.1.1": "GOST R 34.10-2012 (256-bit)",
	"1.2.643.7.1.1.1.2": "GOST R 34.10-2012 (512-bit)",
	"1.2.156.10197.1.301": "SM2",
	"1.3.6.1.5.5.7.6.34": "XMSS",
	"1.3.6.1.5.5.7.6.35": "XMSS^MT",
	"1.2.840.113549.1.9.16.3.17": "HSS/LMS",
	// Open Quantum Safe's experimental arcs, seen in test certificates made before the NIST standards.
	"1.3.6.1.4.1.2.267.7.4.4": "Dilithium2",
	"1.3.6.1.4.1.2.267.7.6.5": "Dilithium3",
	"1.3.6.1.4.1.2.267.7.8.7": "Dilithium5",
	"1.3.9999.3.6": "Falcon-512",
	"1.3.9999.3.9": "Falcon-1024",
	"1.3.9999.6.4.13": "SPHINCS+-SHA2-128f-simple",
	"1.3.9999.6.4.16": "SPHINCS+-SHA2-128s-simple",
	"1.3.9999.6.7.13": "SPHINCS+-SHAKE-128f-simple",
};

/** SubjectPublicKeyInfo / PKCS#8 algorithm OIDs, used when OpenSSL on the host cannot load the key itself. */
export const KEY_ALGORITHMS: Readonly<Record<string, string>> = {
	"1.2.840.113549.1.1.1": "RSA",
	"1.2.840.113549.1.1.10": "RSASSA-PSS",
	"1.2.840.10045.2.1": "EC",
	"1.2.840.10040.4.1": "DSA",
	"1.3.101.110": "X25519",
	"1.3.101.111": "X448",
	"1.3.101.112": "Ed25519",
	"1.3.101.113": "Ed448",
	"2.16.840.1.101.3.4.4.1": "ML-KEM-512",
	"2.16.840.1.101.3.4.4.2": "ML-KEM-768",
	"2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
	[`${NIST_SIG}.17`]: "ML-DSA-44",
	[`${NIST_SIG}.18`]: "ML-DSA-65",
	[`${NIST_SIG}.19`]: "ML-DSA-87",
	...slhDsa(),
	"1.2.643.2.2.19": "GOST R 34.10-2001",
	"1.2.643.7.1.1.1.1": "GOST R 34.10-2012 (256-bit)",
	"1.2.643.7.1.1.1.2": "GOST R 34.10-2012 (512-bit)",
	"1.2.156.10197.1.301": "SM2",
	"1.3.6.1.5.5.7.6.34": "XMSS",
	"1.3.6.1.5.5.7.6.35": "XMSS^MT",
	"1.2.840.113549.1.9.16.3.17": "HSS/LMS",
	// Open Quantum Safe's experimental arcs, seen in test certificates made before the NIST standards.
	"1.3.6.1.4.1.2.267.7.4.4": "Dilithium2",
	"1.3.6.1.4.1.2.267.7.6.5": "Dilithium3",
	"1.3.6.1.4.1.2.267.7.8.7": "Dilithium5",
	"1.3.9999.3.6": "Falcon-512",
	"1.3.9999.3.9": "Falcon-1024",
	"1.3.9999.6.4.13": "SPHINCS+-SHA2-128f-simple",
	"1.3.9999.6.4.16": "SPHINCS+-SHA2-128s-simple",
	"1.3.9999.6.7.13": "SPHINCS+-SHAKE-128f-simple",
};

function slhDsa(): Record<string, string> {
	const sets = ["SHA2-128s", "SHA2-128f", "SHA2-192s", "SHA2-192f", "SHA2-256s", "SHA2-256f"];
	const names = [...sets, ...sets.map((set) => set.replace("SHA2", "SHAKE"))];
	return Object.fromEntries(names.map((name, i) => [`${NIST_SIG}.${20 + i}`, `SLH-DSA-${name}`]));
}

/** PKCS#5 / PKCS#12 password-based encryption: scheme, key-derivation and cipher OIDs. */
export const PBE_ALGORITHMS: Readonly<Record<string, string>> = {
	"1.2.840.113549.1.5.13": "PBES2",
	"1.2.840.113549.1.5.12": "PBKDF2",
	"1.3.6.1.4.1.11591.4.11": "scrypt",
	"1.2.840.113549.1.5.3": "pbeWithMD5AndDES-CBC",
	"1.2.840.113549.1.5.10": "pbeWithSHA1AndDES-CBC",
	"1.2.840.113549.1.12.1.1": "pbeWithSHAAnd128BitRC4",
	"1.2.840.113549.1.12.1.2": "pbeWithSHAAnd40BitRC4",
	"1.2.840.113549.1.12.1.3": "pbeWithSHAAnd3-KeyTripleDES-CBC",
	"1.2.840.113549.1.12.1.4": "pbeWithSHAAnd2-KeyTripleDES-CBC",
	"1.2.840.113549.1.12.1.5": "pbeWithSHAAnd128BitRC2-CBC",
	"1.2.840.113549.1.12.1.6": "pbeWithSHAAnd40BitRC2-CBC",
	"1.2.840.113549.1.5.14": "PBMAC1",
	/** Sun's proprietary JKS key protection (a SHA-1 keystream XORed over the key). */
	"1.3.6.1.4.1.42.2.17.1.1": "jks-keyprotector",
	"1.3.6.1.4.1.42.2.19.1": "PBEWithMD5AndTripleDES",
	"1.2.840.113549.2.7": "hmacWithSHA1",
	"1.2.840.113549.2.8": "hmacWithSHA224",
	"1.2.840.113549.2.9": "hmacWithSHA256",
	"1.2.840.113549.2.10": "hmacWithSHA384",
	"1.2.840.113549.2.11": "hmacWithSHA512",
	"2.16.840.1.101.3.4.1.2": "aes-128-cbc",
	"2.16.840.1.101.3.4.1.22": "aes-192-cbc",
	"2.16.840.1.101.3.4.1.42": "aes-256-cbc",
	"1.2.840.113549.3.7": "des-ede3-cbc",
	"1.3.14.3.2.7": "des-cbc",
	"1.2.410.200004.1.4": "seed-cbc",
};

/** Digests of PKCS#12 MACs, by the names node:crypto knows them under. */
export const DIGESTS: Readonly<Record<string, string>> = {
	"1.3.14.3.2.26": "sha1",
	"2.16.840.1.101.3.4.2.4": "sha224",
	"2.16.840.1.101.3.4.2.1": "sha256",
	"2.16.840.1.101.3.4.2.2": "sha384",
	"2.16.840.1.101.3.4.2.3": "sha512",
	"2.16.840.1.101.3.4.2.5": "sha512-224",
	"2.16.840.1.101.3.4.2.6": "sha512-256",
};

export const OID = {
	rsaEncryption: "1.2.840.113549.1.1.1",
	ecPublicKey: "1.2.840.10045.2.1",
	dsa: "1.2.840.10040.4.1",
	ed25519: "1.3.101.112",
	ed448: "1.3.101.113",
	pbes2: "1.2.840.113549.1.5.13",
	pbkdf2: "1.2.840.113549.1.5.12",
	pkcs7Data: "1.2.840.113549.1.7.1",
	pkcs7SignedData: "1.2.840.113549.1.7.2",
	pkcs7EnvelopedData: "1.2.840.113549.1.7.3",
	cmsAuthenticatedData: "1.2.840.113549.1.9.16.1.2",
	pkcs7EncryptedData: "1.2.840.113549.1.7.6",
	pbmac1: "1.2.840.113549.1.5.14",
	pbeSha1TripleDes3Key: "1.2.840.113549.1.12.1.3",
	pbeSha1TripleDes2Key: "1.2.840.113549.1.12.1.4",
	keyBag: "1.2.840.113549.1.12.10.1.1",
	pkcs8ShroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
	certBag: "1.2.840.113549.1.12.10.1.3",
	secretBag: "1.2.840.113549.1.12.10.1.5",
	safeContentsBag: "1.2.840.113549.1.12.10.1.6",
	x509CertificateBag: "1.2.840.113549.1.9.22.1",
	friendlyName: "1.2.840.113549.1.9.20",
	/** Java marks a PKCS#12 certificate bag as a trusted-cert entry with this (Oracle) attribute. */
	javaTrustedKeyUsage: "2.16.840.1.113894.746875.1.1",
	p256: "1.2.840.10045.3.1.7",
	p384: "1.3.132.0.34",
	p521: "1.3.132.0.35",
	secp256k1: "1.3.132.0.10",
	x25519: "1.3.101.110",
	x448: "1.3.101.111",
} as const;

/** Node reports OpenSSL curve names; findings use the NIST names where one exists. */
export const CURVES: Readonly<Record<string, { name: string; bits: number }>> = {
	prime256v1: { name: "P-256", bits: 256 },
	secp384r1: { name: "P-384", bits: 384 },
	secp521r1: { name: "P-521", bits: 521 },
	secp224r1: { name: "P-224", bits: 224 },
	prime192v1: { name: "P-192", bits: 192 },
	secp256k1: { name: "secp256k1", bits: 256 },
	brainpoolP256r1: { name: "brainpoolP256r1", bits: 256 },
	brainpoolP384r1: { name: "brainpoolP384r1", bits: 384 },
	brainpoolP512r1: { name: "brainpoolP512r1", bits: 512 },
};
