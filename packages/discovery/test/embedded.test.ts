import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverText, only, openssl, scratch } from "./helpers.ts";

const fixtures = scratch("embedded");
let certPem = "";
let keyPem = "";
let certIdentity = "";
let keyIdentity = "";

beforeAll(() => {
	openssl(
		"req",
		"-x509",
		"-newkey",
		"ec",
		"-pkeyopt",
		"ec_paramgen_curve:P-256",
		"-nodes",
		"-keyout",
		fixtures.path("k"),
		"-out",
		fixtures.path("c"),
		"-subj",
		"/CN=embedded",
		"-days",
		"30",
	);
	certPem = fixtures.text("c");
	keyPem = generateKeyPairSync("rsa", { modulusLength: 2048 })
		.privateKey.export({ type: "pkcs1", format: "pem" })
		.toString();
	certIdentity = only(discoverText("c.pem", certPem)).identity;
	keyIdentity = only(discoverText("k.pem", keyPem)).identity;
});

afterAll(() => fixtures.remove());

const lines = (pem: string) => pem.trimEnd().split("\n");
/** Line of the BEGIN marker, counted the way editors do. */
const beginLine = (source: string) => source.split("\n").findIndex((line) => line.includes("-----BEGIN")) + 1;

/** Source files embedding the PEM, one per language and quoting style. */
function embeddings(pem: string): Record<string, string> {
	const body = lines(pem);
	return {
		"app.js": `import fs from "node:fs";\n\nexport const CA = ${JSON.stringify(pem)};\n`,
		"config.json": `${JSON.stringify({ service: "api", tls: { cert: pem } }, null, 2)}\n`,
		"values.yaml": `service:\n  name: api\n  tls: "${pem.replaceAll("\n", "\\n")}"\n`,
		"block.yaml": `tls:\n  cert: |\n${body.map((line) => `    ${line}`).join("\n")}\n`,
		"Certs.java": `class Certs {\n    static final String PEM =\n${body.map((line) => `        "${line}\\n"`).join(" +\n")};\n}\n`,
		"certs.py": `PEM = (\n${body.map((line) => `    "${line}\\n"`).join("\n")}\n)\n`,
		"certs.go": `package certs\n\nconst pem = \`${pem}\`\n`,
		"certs_concat.go": `package certs\n\nvar pem = "${body[0]}\\n" +\n${body
			.slice(1)
			.map((line) => `\t"${line}\\n"`)
			.join(" +\n")}\n`,
		"certs.c": `static const char *pem =\n${body.map((line) => `    "${line}\\n"`).join("\n")};\n`,
		"crlf.json": `{\n  "pem": "${body.join("\\r\\n")}\\r\\n"\n}\n`,
		"double.json": `{"inner": "{\\"pem\\": \\"${body.join("\\\\n")}\\"}"}\n`,
		"app.env": `# generated\nTLS_PEM="${body.join("\\n")}"\n`,
		"php.json": `{"pem":"${body.map((line) => line.replaceAll("/", "\\/")).join("\\n")}"}\n`,
		"comment.py": `# Test certificate:\n${body.map((line) => `# ${line}`).join("\n")}\nx = 1\n`,
		"comment.ts": `function f() {}\n${body.map((line) => `// ${line}`).join("\n")}\n`,
		"Doc.java": `/**\n * Pinned:\n${body.map((line) => ` * ${line}`).join("\n")}\n */\nclass Doc {}\n`,
		"crlf-file.txt": `first\r\nsecond\r\n${body.join("\r\n")}\r\n`,
		"Kotlin.kt": `val pem = """\n${body.map((line) => `        ${line}`).join("\n")}\n""".trimIndent()\n`,
	};
}

describe("PEM embedded in source code", () => {
	it("finds a certificate in every quoting style, at the line of its BEGIN marker", () => {
		for (const [file, source] of Object.entries(embeddings(certPem))) {
			const found = discoverText(file, source);
			expect(found, `${file}:\n${source}`).toHaveLength(1);
			expect(found[0]?.identity, file).toBe(certIdentity);
			expect(found[0]?.line, file).toBe(beginLine(source));
		}
	});

	it("finds a private key in every quoting style", () => {
		for (const [file, source] of Object.entries(embeddings(keyPem))) {
			const found = discoverText(file, source);
			expect(
				found.map((d) => d.identity),
				file,
			).toEqual([keyIdentity]);
		}
	});

	it("finds several embedded blocks in one file", () => {
		const source = `const a = ${JSON.stringify(certPem)};\nconst b = ${JSON.stringify(keyPem)};\n`;
		expect(discoverText("both.ts", source).map((d) => [d.identity, d.line])).toEqual([
			[certIdentity, 1],
			[keyIdentity, 2],
		]);
	});
});
