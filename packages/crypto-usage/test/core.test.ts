import { describe, expect, it } from "vitest";
import { blankComments } from "../src/comments.ts";
import { CRYPTO_USAGE_VERSION, detectCryptoUsage, isCryptoUsageCandidate } from "../src/index.ts";
import { evidence } from "../src/scan.ts";
import { attributes, identities, lines } from "./helpers.ts";

describe("routing", () => {
	it("reads source and config files by extension or name, nothing else", () => {
		for (const path of [
			"A.java",
			"b/App.kt",
			"build.gradle.kts",
			"x.scala",
			"x.py",
			"main.go",
			"a.js",
			"a.mjs",
			"a.cjs",
			"a.jsx",
			"a.ts",
			"a.tsx",
			"a.c",
			"a.h",
			"a.cc",
			"a.cpp",
			"a.hpp",
			"a.cxx",
			"A.cs",
			"index.php",
			"x.rb",
			"lib.rs",
			"/etc/ssl/openssl.cnf",
			"my.cnf",
			"nginx.conf",
			"sites/default.conf",
			".htaccess",
			"/etc/ssh/sshd_config",
			"home/.ssh/ssh_config",
			"jdk/conf/security/java.security",
			"src/main/resources/application.properties",
			"application-prod.yml",
			"config.yaml",
		]) {
			expect(isCryptoUsageCandidate(path), path).toBe(true);
		}
		for (const path of [
			"README.md",
			"docs/crypto.rst",
			"Makefile",
			"x.txt",
			"cert.pem",
			"id_rsa",
			"image.png",
			".java",
		]) {
			expect(isCryptoUsageCandidate(path), path).toBe(false);
		}
	});

	it("prose about RSA produces nothing: Markdown is not routed", () => {
		const text = 'We use RSA and `Cipher.getInstance("DES")`; call hashlib.md5() only for cache keys.\n';
		expect(detectCryptoUsage("README.md", text)).toEqual([]);
		expect(detectCryptoUsage("notes.txt", text)).toEqual([]);
	});

	it("each file is read by its own language's patterns only", () => {
		const python = "import hashlib\nh = hashlib.md5(data)\n";
		expect(identities("x.py", python)).toContain("2 algorithm:MD5");
		expect(detectCryptoUsage("X.java", python)).toEqual([]);
		const java = 'import java.security.MessageDigest;\nMessageDigest.getInstance("MD5");\n';
		expect(identities("X.java", java)).toContain("2 algorithm:MD5");
		expect(detectCryptoUsage("x.py", java)).toEqual([]);
		expect(detectCryptoUsage("x.go", java)).toEqual([]);
	});

	it("exposes a detector version for cache keys", () => {
		expect(CRYPTO_USAGE_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
	});
});

describe("comments", () => {
	it("skips line and block comments in C-family code but keeps string contents", () => {
		const text = lines(
			"import javax.crypto.Cipher;",
			'// Cipher.getInstance("DES") was replaced',
			"/*",
			' * Cipher.getInstance("RC4")',
			" */",
			'String url = "http://example.com"; Cipher c = Cipher.getInstance("AES/GCM/NoPadding"); /* Cipher.getInstance("DES") */',
		);
		expect(identities("A.java", text)).toEqual(["1 library:jca", "6 algorithm:AES:gcm"]);
	});

	it("skips # comments in Python, not # inside strings", () => {
		const text = lines("import hashlib", "# hashlib.md5(x)", 'label = "# not a comment"; h = hashlib.sha1(x)');
		expect(identities("x.py", text)).toEqual(["1 library:hashlib", "3 algorithm:SHA-1"]);
	});

	it("skips # comments in config files, at a line start or after blanks", () => {
		const text = lines("# ssl_protocols SSLv3;", "ssl_protocols TLSv1.2; # TLSv1 removed");
		expect(identities("nginx.conf", text)).toEqual(["2 protocol:tls:1.2"]);
	});

	it("keeps offsets: blanked text has the original length and line breaks", () => {
		const text = "a /* b\nc */ d // e\nf '//' g";
		const blanked = blankComments(text, "slash");
		expect(blanked).toHaveLength(text.length);
		expect(blanked.split("\n")).toHaveLength(3);
		expect(blanked).toBe("a     \n     d     \nf '//' g");
	});

	it("PHP: # and // are comments, #[...] is an attribute", () => {
		const text = lines("<?php", "# md5($a);", "// sha1($b);", "#[Attr] $h = md5($c);");
		expect(identities("x.php", text)).toEqual(["4 algorithm:MD5"]);
	});
});

describe("findings", () => {
	it("one library finding per library per file, at its first evidence", () => {
		const text = lines(
			"package x;",
			"import java.security.KeyPairGenerator;",
			"import javax.crypto.Cipher;",
			"import org.bouncycastle.jce.provider.BouncyCastleProvider;",
			"import org.bouncycastle.crypto.engines.AESEngine;",
		);
		const found = detectCryptoUsage("A.java", text);
		expect(found.filter((d) => d.kind === "library").map((d) => `${d.line} ${d.identity}`)).toEqual([
			"2 library:jca",
			"4 library:bouncycastle",
		]);
		expect(attributes(found, "library:bouncycastle")).toEqual({
			name: "BouncyCastle",
			language: "java",
			evidence: "import org.bouncycastle.jce.provider.BouncyCastleProvider;",
		});
	});

	it("one finding per distinct identity per line, in file order", () => {
		const text = lines(
			"import hashlib",
			"a = hashlib.md5(x); b = hashlib.md5(y); c = hashlib.sha256(z)",
			"d = hashlib.md5(w)",
		);
		expect(identities("x.py", text)).toEqual([
			"1 library:hashlib",
			"2 algorithm:MD5",
			"2 algorithm:SHA-256",
			"3 algorithm:MD5",
		]);
	});

	it("algorithm findings carry the CycloneDX fields, language, API and evidence", () => {
		const found = detectCryptoUsage(
			"A.java",
			'import javax.crypto.Cipher;\n    Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding");\n',
		);
		expect(found[1]).toEqual({
			kind: "algorithm",
			identity: "algorithm:AES:ecb:pkcs5",
			line: 2,
			crypto: {
				algorithm: {
					name: "AES",
					primitive: "block-cipher",
					mode: "ecb",
					padding: "pkcs5",
					language: "java",
					api: "Cipher.getInstance",
					evidence: 'Cipher c = Cipher.getInstance("AES/ECB/PKCS5Padding");',
				},
			},
		});
	});

	it("CRLF files report the right lines and clean evidence", () => {
		const text = "import hashlib\r\n\r\nh = hashlib.md5(x)\r\n";
		const found = detectCryptoUsage("x.py", text);
		expect(found.map((d) => `${d.line} ${d.identity}`)).toEqual(["1 library:hashlib", "3 algorithm:MD5"]);
		expect(attributes(found, "algorithm:MD5").evidence).toBe("h = hashlib.md5(x)");
	});
});

describe("evidence", () => {
	it("masks string literals the detector did not read: keys and passwords stay out of findings", () => {
		const found = detectCryptoUsage(
			"x.py",
			'import hmac, hashlib\nmac = hmac.new(b"hunter2-signing-key", msg, hashlib.sha256)\n',
		);
		const { evidence: line } = attributes(found, "algorithm:HMAC:SHA-256");
		expect(line).toBe('mac = hmac.new(b"…", msg, hashlib.sha256)');
		expect(JSON.stringify(found)).not.toContain("hunter2");
	});

	it("keeps the literal the finding is about", () => {
		expect(evidence('  Cipher.getInstance("DES", "secret")  ', 2, ["DES"])).toBe('Cipher.getInstance("DES", "…")');
	});

	it("masks a literal left open at the end of the line", () => {
		expect(evidence("x = md5(`-----BEGIN PRIVATE KEY-----MIIEvQIBADAN", 4, [])).toBe("x = md5(`…");
	});

	it("cuts a long (minified) line to 200 characters around the match without splitting a literal", () => {
		const secret = "s3cr3t".repeat(20);
		const line = `${"a=1;".repeat(100)}var k="${secret}";crypto.createHash('md5')${";b=2".repeat(100)}`;
		const at = line.indexOf("crypto.createHash");
		const cut = evidence(line, at, ["md5"]);
		expect(cut.length).toBeLessThanOrEqual(200);
		expect(cut).toContain("crypto.createHash('md5')");
		expect(cut).not.toContain("s3cr3t");
	});
});
