import { algorithm, hash, postQuantum, withMode } from "../names.ts";
import { claiming, type Rule } from "../rules.ts";
import type { AlgorithmFacts } from "../types.ts";

/** BouncyCastle's lightweight API names engines and digests after the algorithm, in Java and C# spelling. */
function engine(name: string): AlgorithmFacts | undefined {
	const base = name.replace(/(?:Fast|Light)$/, "").replace(/^ChaCha7539$/i, "ChaCha20");
	return algorithm(base) ?? hash(base);
}

/** `MLKEMParameterSpec.ml_kem_768`, `SPHINCSPlusParameterSpec.sha2_128s`, `KyberParameters.kyber768`. */
function parameterSpec(family: string, member: string): AlgorithmFacts | undefined {
	const own = postQuantum(member);
	if (own?.parameterSetIdentifier) return own;
	return postQuantum(`${family}_${member}`) ?? own;
}

/** Shared by Java and C#: the only differences are case (`DESedeEngine`, `DesEdeEngine`). */
export const BOUNCYCASTLE_RULES: readonly Rule[] = [
	claiming(
		/\b(CBC|CFB|OFB|GCM|CCM|SIC|KCTR|G3413CBC|G3413CFB|EAX|OCB)BlockCipher(?:\.newInstance\(|\(\s*new\s+)\s*(\w+?)Engine\b/gi,
		(match, scan) => {
			const base = engine(match[2] as string);
			const modeToken = (match[1] as string)
				.toUpperCase()
				.replace(/^SIC$|^KCTR$/, "CTR")
				.replace(/^G3413/, "");
			scan.algorithm(match.index, base && withMode(base, modeToken), `${match[1]}BlockCipher`);
		},
	),
	// A block cipher wrapped directly in a buffer, without a mode class, runs in ECB.
	// A block cipher wrapped directly in a buffer, without a mode class, runs in ECB.
	claiming(/\b(?:Padded)?BufferedBlockCipher\(\s*(?:new\s+)?(\w+?)Engine(?:\.newInstance)?\s*\(/gi, (match, scan) => {
		const base = engine(match[1] as string);
		if (base?.primitive === "block-cipher") scan.algorithm(match.index, withMode(base, "ecb"), "BufferedBlockCipher");
	}),
	{
		pattern: /\b([A-Z]\w*?)(Engine|Digest)(?:\.newInstance)?\s*\(\s*(\d{3})?/g,
		report(match, scan) {
			const name = match[1] as string;
			const facts = /^SHA3$/i.test(name) && match[3] ? hash(`SHA3-${match[3]}`) : engine(name);
			scan.algorithm(match.index, facts, `${name}${match[2]}`);
		},
	},
	{
		pattern:
			/\bnew\s+RSAKeyGenerationParameters\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*[^,()]+(?:\([^()]*\))?\s*,\s*(\d{3,5})\b/gi,
		report: (match, scan) =>
			scan.algorithm(
				match.index,
				{ name: "RSA", primitive: "pke", keySize: Number(match[1]) },
				"RSAKeyGenerationParameters",
			),
	},
	// The class name alone (an import) names no parameter set; claimed so the generic rule stays quiet too.
	claiming(
		/\b(MLKEM|MLDSA|SLHDSA|Kyber|Dilithium|Falcon|SPHINCSPlus|FrodoKEM|HQC|BIKE)Parameter(?:Spec|s)\b(?:\.(\w+))?/gi,
		(match, scan) => {
			if (match[2])
				scan.algorithm(match.index, parameterSpec(match[1] as string, match[2]), `${match[1]}ParameterSpec`);
		},
	),
];
