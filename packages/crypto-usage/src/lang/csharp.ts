import type { LibraryId } from "../libraries.ts";
import {
	algorithm,
	anyAlgorithm,
	hash,
	hashName,
	joseAlgorithm,
	keyedHash,
	onCurve,
	signature,
	tlsVersion,
	withMode,
} from "../names.ts";
import { claimCall, codeDetector, gated, lastBefore, quoted, type Rule } from "../rules.ts";
import type { Scan } from "../scan.ts";
import type { AlgorithmFacts } from "../types.ts";
import { BOUNCYCASTLE_RULES } from "./bouncycastle.ts";

const NAMESPACES: Readonly<Record<string, LibraryId>> = {
	"System.Security.Cryptography": "dotnet-crypto",
	"Org.BouncyCastle": "bouncycastle",
	"System.IdentityModel.Tokens.Jwt": "dotnet-jwt",
	"Microsoft.IdentityModel.Tokens": "dotnet-jwt",
	Sodium: "libsodium",
};

/** .NET class names: `SHA1Managed`, `DESCryptoServiceProvider`, `HMACSHA256`, `AesGcm`, `ECDsaCng`. */
function dotnetAlgorithm(className: string): AlgorithmFacts | undefined {
	const name = className.replace(/(?:CryptoServiceProvider|Managed|Cng)$/, "");
	if (name === "AesGcm" || name === "AesCcm")
		return withMode({ name: "AES", primitive: "block-cipher" }, name.slice(3));
	return keyedHash(name) ?? algorithm(name);
}

/** `RSA.Create(1024)`, `new RSACryptoServiceProvider(2048)`, `ECDsa.Create(ECCurve.NamedCurves.nistP256)`. */
function withArguments(base: AlgorithmFacts | undefined, args: string): AlgorithmFacts | undefined {
	if (!base) return undefined;
	const size = /^\s*(\d{3,5})\s*$/.exec(args)?.[1];
	if (size) return { ...base, keySize: Number(size) };
	const named = /\bNamedCurves\.(\w+)|CreateFromFriendlyName\(\s*"(\w+)"/.exec(args);
	return named ? onCurve(base, (named[1] ?? named[2]) as string) : base;
}

const SYMMETRIC =
	/\b(?:(Aes|Rijndael|DES|TripleDES|RC2)\.Create\(|new\s+(Aes|Rijndael|DES|TripleDES|RC2)(?:CryptoServiceProvider|Managed|Cng)\s*\()/g;

const CLASSES =
	"MD5CryptoServiceProvider|SHA1CryptoServiceProvider|SHA1Managed|SHA256Managed|SHA256CryptoServiceProvider|SHA384Managed|SHA512Managed|DESCryptoServiceProvider|TripleDESCryptoServiceProvider|RC2CryptoServiceProvider|RijndaelManaged|AesManaged|AesCryptoServiceProvider|AesCng|RSACryptoServiceProvider|RSACng|DSACryptoServiceProvider|ECDsaCng|HMACMD5|HMACSHA1|HMACSHA256|HMACSHA384|HMACSHA512|AesGcm|AesCcm|ChaCha20Poly1305";

/** A signature call names its hash; the receiver's name (`rsa`, `ecdsaKey`) or the padding argument names the key. */
function signCall(match: RegExpExecArray, scan: Scan): void {
	const args = claimCall(match, scan);
	const digestToken = /\bHashAlgorithmName\.(\w+)/.exec(args)?.[1] ?? quoted(args).find((name) => hashName(name));
	const digest = digestToken && hashName(digestToken);
	if (!digest) return;
	const padding = /\bRSASignaturePadding\.(Pkcs1|Pss)/.exec(args)?.[1];
	const receiver = (match[1] as string).toLowerCase();
	const key =
		padding === "Pss"
			? "RSASSA-PSS"
			: padding || receiver.includes("rsa")
				? "RSA"
				: receiver.includes("ecdsa")
					? "ECDSA"
					: receiver.includes("dsa")
						? "DSA"
						: undefined;
	const base: AlgorithmFacts = key
		? { ...(algorithm(key) as AlgorithmFacts), primitive: "signature" }
		: { name: "unknown", primitive: "signature" };
	const keep = quoted(args).filter((name) => name === digestToken);
	scan.algorithm(match.index, { ...base, hash: digest }, `${match[2]}${match[3]}`, keep);
}

const JWT_FAMILIES: Readonly<Record<string, string>> = { Hmac: "HS", Rsa: "RS", Ecdsa: "ES", RsaSsaPss: "PS" };

const BOUNCYCASTLE_UTILITIES: Readonly<Record<string, (name: string) => AlgorithmFacts | undefined>> = {
	"CipherUtilities.GetCipher": (name) => anyAlgorithm(name, { mode: "ecb" }),
	"DigestUtilities.GetDigest": hash,
	"SignerUtilities.GetSigner": (name) => signature(name) ?? algorithm(name),
	"MacUtilities.GetMac": (name) => keyedHash(name) ?? algorithm(name),
	"GeneratorUtilities.GetKeyPairGenerator": algorithm,
	"GeneratorUtilities.GetKeyGenerator": (name) => keyedHash(name) ?? algorithm(name),
	"AgreementUtilities.GetBasicAgreement": algorithm,
};

const CSHARP_RULES: readonly Rule[] = [
	{
		pattern:
			/\b(System\.Security\.Cryptography|Org\.BouncyCastle|System\.IdentityModel\.Tokens\.Jwt|Microsoft\.IdentityModel\.Tokens)\b|\busing[ \t]+(Sodium)\b/g,
		report: (match, scan) => scan.library(match.index, NAMESPACES[(match[1] ?? match[2]) as string] as LibraryId),
	},
	{
		pattern:
			/\b(MD5|SHA1|SHA256|SHA384|SHA512|SHA3_256|SHA3_384|SHA3_512|DES|TripleDES|RC2|Aes|Rijndael|RSA|DSA|ECDsa|ECDiffieHellman|HMACMD5|HMACSHA1|HMACSHA256|HMACSHA384|HMACSHA512)\.Create\(([^()]{0,200}(?:\([^()]{0,200}\))?[^()]{0,200})\)/g,
		report(match, scan) {
			const args = match[2] as string;
			scan.algorithm(
				match.index,
				withArguments(dotnetAlgorithm(match[1] as string), args),
				`${match[1]}.Create`,
				quoted(args),
			);
		},
	},
	{
		pattern: new RegExp(`\\bnew\\s+(${CLASSES})\\s*\\(([^()]{0,200}(?:\\([^()]{0,200}\\))?[^()]{0,200})\\)`, "g"),
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				withArguments(dotnetAlgorithm(match[1] as string), match[2] as string),
				`new ${match[1]}`,
			),
	},
	{
		pattern: /\b(?:new\s+Rfc2898DeriveBytes|Rfc2898DeriveBytes\.Pbkdf2)\s*\(/g,
		report(match, scan) {
			const named = /\bHashAlgorithmName\.(\w+)/.exec(claimCall(match, scan))?.[1];
			// The constructors without a hash argument derive with HMAC-SHA-1.
			const digest = named ? hashName(named) : match[0].startsWith("new") ? "SHA-1" : undefined;
			const facts: AlgorithmFacts = { name: "PBKDF2", primitive: "kdf" };
			scan.algorithm(match.index, digest ? { ...facts, hash: digest } : facts, "Rfc2898DeriveBytes");
		},
	},
	{
		pattern: /\bCipherMode\.(ECB|CBC|CFB|OFB|CTS)\b/g,
		report(match, scan) {
			const created = lastBefore(scan.text, SYMMETRIC, match.index);
			const base = (created && dotnetAlgorithm((created[1] ?? created[2]) as string)) || {
				name: "unknown",
				primitive: "block-cipher" as const,
			};
			scan.algorithm(match.index, withMode(base, match[1]), `CipherMode.${match[1]}`);
		},
	},
	{
		pattern: /\b(SslProtocols|SecurityProtocolType)\.(Ssl2|Ssl3|Tls|Tls11|Tls12|Tls13)\b/g,
		report(match, scan) {
			const name = match[2] as string;
			const version = name === "Tls" ? "1.0" : tlsVersion(name);
			if (version) scan.protocol(match.index, { type: "tls", version }, `dotnet ${match[1]}`);
		},
	},
	{ pattern: /\b(\w+)\.(Sign|Verify)(Data|Hash)\(/g, requires: ["Sign", "Verify"], report: signCall },
	{
		pattern:
			/\b(CipherUtilities\.GetCipher|DigestUtilities\.GetDigest|SignerUtilities\.GetSigner|MacUtilities\.GetMac|GeneratorUtilities\.GetKeyPairGenerator|GeneratorUtilities\.GetKeyGenerator|AgreementUtilities\.GetBasicAgreement)\(\s*"([^"\n]+)"/g,
		report(match, scan) {
			const api = match[1] as string;
			const name = match[2] as string;
			scan.algorithm(match.index, BOUNCYCASTLE_UTILITIES[api]?.(name), api, [name]);
		},
	},
	{
		pattern: /\bSecurityAlgorithms\.(?:(Hmac|RsaSsaPss|Rsa|Ecdsa)Sha(256|384|512)(?:Signature)?|(None))\b/g,
		report(match, scan) {
			const alg = match[3] ? "none" : `${JWT_FAMILIES[match[1] as string]}${match[2]}`;
			scan.algorithm(match.index, joseAlgorithm(alg), "SecurityAlgorithms");
		},
	},
	...gated(["BouncyCastle"], BOUNCYCASTLE_RULES),
];

/**
 * Anchors start with a character that is rare in code: \`includes\` runs memchr on a needle's first character, so
 * a needle starting with a common lower-case letter costs several times more.
 */
export const CSHARP = codeDetector(["Crypto", "SslPro", "yProto", "yAlgor", "Bouncy", "Sodium"], CSHARP_RULES);
