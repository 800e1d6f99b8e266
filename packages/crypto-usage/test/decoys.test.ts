import { describe, expect, it } from "vitest";
import { detectCryptoUsage } from "../src/index.ts";
import { identities, lines } from "./helpers.ts";

describe("look-alikes produce nothing", () => {
	it("names that merely contain an algorithm's name", () => {
		expect(
			detectCryptoUsage(
				"Report.cs",
				lines(
					"using System.Security.Cryptography;",
					"var d = DESCRIPTION.Create();",
					"var m = MyMD5.Create();",
					"var s = Classes.Create();",
				),
			).map((d) => d.identity),
		).toEqual(["library:dotnet-crypto"]);
		expect(identities("x.c", lines("#include <openssl/sha.h>", "my_SHA1(buf);", "#define SHA1_LEN 20"))).toEqual([
			"1 library:openssl",
		]);
		expect(identities("x.php", lines("<?php", "$this->md5($x);", "Str::sha1($y);", "$h->hash_value;"))).toEqual([]);
	});

	it("a package name without its import is not that package", () => {
		expect(
			identities("x.go", lines("package x", 'import "crypto/rand"', "func f() { des.NewCipher(k); md5.Sum(b) }")),
		).toEqual(["2 library:go-crypto"]);
	});

	it("Falcon the web framework is not Falcon the signature scheme", () => {
		expect(identities("app.py", lines("import falcon", "import hashlib", "app = falcon.App()", "Falcon = 1"))).toEqual([
			"2 library:hashlib",
		]);
	});

	it("algorithm names held in variables are not guessed", () => {
		const text = lines(
			"import { createHash } from 'crypto';",
			"const algorithm = process.env.HASH ?? 'sha256';",
			"const h = createHash(algorithm);",
		);
		expect(identities("x.js", text)).toEqual(["1 library:node-crypto"]);
	});

	it("a file without any anchor is not looked at", () => {
		const text = lines("public class Cache {", '  String key = "RSA-2048 MD5 DES";', "  int hash() { return 1; }", "}");
		expect(detectCryptoUsage("Cache.java", text)).toEqual([]);
	});

	it("an empty file, and a huge line without crypto", () => {
		expect(detectCryptoUsage("x.py", "")).toEqual([]);
		expect(detectCryptoUsage("bundle.min.js", `var crypto=1;${"a=b+c;".repeat(200_000)}`)).toEqual([]);
	});
});
